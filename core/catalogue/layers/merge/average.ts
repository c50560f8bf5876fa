import * as tfl from '@tensorflow/tfjs-layers';
import { defineElementwise } from './elementwise';
export const average = defineElementwise(
  'Average',
  'Element-wise mean of two or more tensors of the same shape (e.g. an ensemble of branches).',
  tfl.layers.average,
  [{ params: {}, inputs: { in: [{ shape: [2, 3] }, { shape: [2, 3] }] } }],
);
