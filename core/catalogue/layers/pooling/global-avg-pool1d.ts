import { defineGlobalPool } from './window-pool';
export const globalAvgPool1d = defineGlobalPool('GlobalAvgPool1D', 'avg', 1);
