import { defineGlobalPool } from './window-pool';
export const globalAvgPool2d = defineGlobalPool('GlobalAvgPool2D', 'avg', 2);
