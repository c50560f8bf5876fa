import { definePool2d } from './window-pool';
export const avgPool2d = definePool2d('AvgPool2D', 'avg');
