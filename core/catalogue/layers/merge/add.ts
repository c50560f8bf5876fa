import * as tfl from '@tensorflow/tfjs-layers';
import { defineElementwise } from './elementwise';
export const add = defineElementwise(
  'Add',
  'Element-wise sum of two or more tensors of the same shape (residual connections).',
  tfl.layers.add,
  [{ params: {}, inputs: { in: [{ shape: [4] }, { shape: [4] }, { shape: [4] }] } }],
);
