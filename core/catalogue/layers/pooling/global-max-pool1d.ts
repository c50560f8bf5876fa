import { defineGlobalPool } from './window-pool';
export const globalMaxPool1d = defineGlobalPool('GlobalMaxPool1D', 'max', 1);
