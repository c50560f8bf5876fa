/**
 * Sparse softmax cross-entropy from logits as one kernel forwards and one backwards on wasm with
 * Netwright's SIMD module (core/engine/simd/crossentropy.c), instead of tfjs' log-softmax, one-hot,
 * product, sum and negation (about 25 kernels a step on mlp-mnist). Same values as
 * `sparseCrossentropyPerPosition`'s ops within float32 rounding. tfjs' ops run on other backends,
 * inside a nested gradient (its backward kernel has no gradient) and with
 * `useStockCrossentropy(true)` or NETWRIGHT_STOCK_CROSSENTROPY=1 (the bench compares both).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SPARSE_XENT } from '../../../engine/simd/crossentropy-kernels';
import { simdReady } from '../../../engine/simd/kernels';

let stockCrossentropy = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NETWRIGHT_STOCK_CROSSENTROPY'] === '1';

/** true: the sparse cross-entropy runs tfjs' ops (for comparisons); false: the fused kernel where it can. */
export function useStockCrossentropy(stock: boolean): void {
  stockCrossentropy = stock;
}

/**
 * -log softmax(scores)[label] per position: scores [..., classes], labels one class id per
 * position (any shape of that size). null when tfjs' ops must run (see the file's comment).
 */
export function fusedSparseCrossentropy(scores: tf.Tensor, labels: tf.Tensor): tf.Tensor1D | null {
  if (stockCrossentropy || !simdReady() || tf.engine().state.gradientDepth > 1) return null;
  const classes = scores.shape[scores.rank - 1] as number;
  if (scores.dtype !== 'float32' || scores.rank < 2 || classes < 1 || scores.size === 0 || labels.size * classes !== scores.size) return null;
  return tf.tidy(() => {
    const ids = tf.reshape(labels.dtype === 'int32' || labels.dtype === 'float32' ? labels : tf.cast(labels, 'int32'), [-1]);
    const logits = tf.reshape(scores, [-1, classes]);
    return tf.engine().runKernel(SPARSE_XENT, { logits, labels: ids }) as tf.Tensor1D;
  });
}
