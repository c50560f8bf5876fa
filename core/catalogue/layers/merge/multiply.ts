import * as tfl from '@tensorflow/tfjs-layers';
import { defineElementwise } from './elementwise';
export const multiply = defineElementwise(
  'Multiply',
  'Element-wise product of two or more tensors of the same shape (gating).',
  tfl.layers.multiply,
  [{ params: {}, inputs: { in: [{ shape: [4] }, { shape: [4] }] } }],
);
