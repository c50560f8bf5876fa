/**
 * tfjs frees the tensors its gradient tape saved for the backward pass only at the end of that
 * pass. When the forward or backward pass throws (a layer or loss refusing its input, an op without
 * a gradient), those tensors are kept (no tidy frees them) and the next pass drops the tape: they
 * leak. `freeAbandonedTape` frees them; call it when a gradient computation has thrown.
 */
import * as tf from '@tensorflow/tfjs-core';

export function freeAbandonedTape(): void {
  const state = tf.engine().state;
  // Inside an outer gradient computation the tape is still that computation's.
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const tensor of node.saved ?? []) tensor.dispose();
  state.activeTape = [];
}

/**
 * Runs a gradient computation in a tidy (when the backward pass throws, the forward's result is
 * in no other scope); when it throws, also frees what its tape kept, then rethrows.
 */
export function freeingTapeOnThrow<T extends tf.TensorContainer>(gradients: () => T): T {
  try {
    return tf.tidy(gradients);
  } catch (err) {
    freeAbandonedTape();
    throw err;
  }
}
