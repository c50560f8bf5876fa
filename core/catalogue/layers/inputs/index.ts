import { input } from './input';
export const inputLayers = [input];
