/**
 * Additive (Bahdanau) attention scores as ONE differentiable op on the cpu backend:
 *   scores[b, i, j] = Σ_u v[u] · tanh(keys[b, j, u] + queries[b, i, u]).
 *
 * tfjs builds this from a broadcast add, a tanh and a product with v over a [B, Tq, Tv, units]
 * tensor, and backwards reduces that tensor's gradient over two different axes. Here one
 * typed-array pass computes the scores (keeping the tanh values) and one pass computes the
 * gradients of queries, keys and v. Measured at seq2seq-dates' shapes ([64, 11|32, 64], forward
 * and backward, CPU time, load 17): cpu 94 ms fused vs 538 ms tfjs; wasm 65 ms fused vs 44 ms
 * tfjs, so wasm (and webgl/webgpu) keep tfjs' kernels.
 * Tested against tfjs' composition (scores and every gradient) in
 * test/unit/catalogue/additive-scores.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADDITIVE_SCORES, ADDITIVE_SCORES_GRAD, simdReady } from '../../../engine/simd/kernels';
import { tanh } from '../fast-math';

/** Backends where the typed-array pass beats tfjs' kernels (not wasm: its tanh and adds are faster than JS). */
const FUSED_BACKENDS: ReadonlySet<string> = new Set(['cpu']);

let stockAttention =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NETWRIGHT_STOCK_ATTENTION'] === '1';

/** true: additive attention runs tfjs' own kernels (for comparisons); false: the fused op where it can. */
export function useStockAttention(stock: boolean): void {
  stockAttention = stock;
}

/** tfjs' composition: the oracle, and the path on the GPU backends. */
export function additiveScoresStock(queries: tf.Tensor, keys: tf.Tensor, scoreVector: tf.Tensor): tf.Tensor3D {
  return tf.tidy(() => {
    const units = scoreVector.shape[0] as number;
    const hidden = tf.tanh(tf.add(tf.expandDims(keys, 1), tf.expandDims(queries, 2))); // [B, Tq, Tv, u]
    const [batch, tq, tv] = [queries.shape[0] as number, queries.shape[1] as number, keys.shape[1] as number];
    const flat = tf.matMul(tf.reshape(hidden, [-1, units]), tf.reshape(scoreVector, [units, 1]));
    return tf.reshape(flat, [batch, tq, tv]) as tf.Tensor3D;
  });
}

/**
 * queries [B, Tq, u] (the projected decoder states), keys [B, Tv, u] (the projected encoder
 * states), scoreVector [u] -> scores [B, Tq, Tv]. Fused on cpu, tfjs' kernels elsewhere.
 */
export function additiveScores(queries: tf.Tensor, keys: tf.Tensor, scoreVector: tf.Tensor): tf.Tensor3D {
  if (queries.rank !== 3 || keys.rank !== 3 || scoreVector.rank !== 1) {
    throw new Error(
      `additiveScores: expected queries [batch, Tq, units], keys [batch, Tv, units] and v [units], got ` +
        `[${queries.shape.join(', ')}], [${keys.shape.join(', ')}] and [${scoreVector.shape.join(', ')}]`,
    );
  }
  const [batch, tq, units] = queries.shape as [number, number, number];
  const tv = keys.shape[1] as number;
  if (keys.shape[0] !== batch || keys.shape[2] !== units || scoreVector.shape[0] !== units) {
    throw new Error(
      `additiveScores: batch and units must agree: queries [${queries.shape.join(', ')}], keys [${keys.shape.join(', ')}], ` +
        `v [${scoreVector.shape.join(', ')}]`,
    );
  }
  if (!stockAttention && units % 4 === 0 && simdReady()) return additiveScoresSimd(queries, keys, scoreVector);
  if (stockAttention || !FUSED_BACKENDS.has(tf.getBackend())) return additiveScoresStock(queries, keys, scoreVector);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qIn, kIn, vIn] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    const q = qIn.dataSync() as Float32Array;
    const k = kIn.dataSync() as Float32Array;
    // Copied: on cpu dataSync hands out the tensor's own array, and the backward pass runs later.
    const v = (vIn.dataSync() as Float32Array).slice();
    const hidden = new Float32Array(batch * tq * tv * units);
    const scores = new Float32Array(batch * tq * tv);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < tq; i++) {
        const qBase = (b * tq + i) * units;
        const row = (b * tq + i) * tv;
        for (let j = 0; j < tv; j++) {
          const kBase = (b * tv + j) * units;
          const hBase = (row + j) * units;
          let sum = 0;
          for (let u = 0; u < units; u++) {
            const t = tanh(q[qBase + u]! + k[kBase + u]!);
            hidden[hBase + u] = t;
            sum += t * v[u]!;
          }
          scores[row + j] = sum;
        }
      }
    }
    return {
      value: tf.tensor3d(scores, [batch, tq, tv]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dq = new Float32Array(batch * tq * units);
        const dk = new Float32Array(batch * tv * units);
        const dv = new Float64Array(units);
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < tq; i++) {
            const qBase = (b * tq + i) * units;
            const row = (b * tq + i) * tv;
            for (let j = 0; j < tv; j++) {
              const gs = g[row + j]!;
              if (gs === 0) continue; // masked source positions get exactly zero gradient from the softmax
              const kBase = (b * tv + j) * units;
              const hBase = (row + j) * units;
              for (let u = 0; u < units; u++) {
                const t = hidden[hBase + u]!;
                dv[u]! += gs * t;
                const d = gs * v[u]! * (1 - t * t);
                dq[qBase + u]! += d;
                dk[kBase + u]! += d;
              }
            }
          }
        }
        return [tf.tensor3d(dq, [batch, tq, units]), tf.tensor3d(dk, [batch, tv, units]), tf.tensor1d(Float32Array.from(dv))];
      },
    };
  });
  return op(queries, keys, scoreVector) as tf.Tensor3D;
}

/**
 * wasm with Netwright's SIMD module: the same two passes as the cpu op, as two kernels on tfjs'
 * heap (core/engine/simd/kernels.c); the tanh values are kept as a tensor for the backward pass.
 */
function additiveScoresSimd(queries: tf.Tensor, keys: tf.Tensor, scoreVector: tf.Tensor): tf.Tensor3D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [q, k, v, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [scores, hidden] = tf.engine().runKernel(ADDITIVE_SCORES, { queries: q, keys: k, v }) as tf.Tensor[];
    save([hidden!, v]);
    return {
      value: scores!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(ADDITIVE_SCORES_GRAD, { dy, hidden: saved[0]!, v: saved[1]! }) as tf.Tensor[],
    };
  });
  return op(queries, keys, scoreVector) as tf.Tensor3D;
}
