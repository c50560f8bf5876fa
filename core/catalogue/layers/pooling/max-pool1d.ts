import { definePool1d } from './window-pool';
export const maxPool1d = definePool1d('MaxPool1D', 'max');
