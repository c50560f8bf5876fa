import { definePool1d } from './window-pool';
export const avgPool1d = definePool1d('AvgPool1D', 'avg');
