import { defineGlobalPool } from './window-pool';
export const globalMaxPool2d = defineGlobalPool('GlobalMaxPool2D', 'max', 2);
