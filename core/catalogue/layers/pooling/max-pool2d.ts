import { definePool2d } from './window-pool';
export const maxPool2d = definePool2d('MaxPool2D', 'max');
