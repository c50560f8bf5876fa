/**
 * What a GAN's views and tests read from a compiled graph: generated samples for given feeds, and
 * a distance between generated and real samples (the squared maximum mean discrepancy).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphDocument } from '../graph/document';
import { inspectionModel, type CompiledGraph } from './compile';
import type { FeedTensors } from './trainer';

/** The outputs of `nodeId` (port `port`) for these feeds, in inference mode, as rows. */
export function nodeOutputRows(compiled: CompiledGraph, graph: GraphDocument, feeds: FeedTensors, nodeId: string, port = 'out'): number[][] {
  const { model, feeds: used } = inspectionModel(compiled, graph, [{ nodeId, port }]);
  const rows = tf.tidy(() => {
    const inputs = used.map((i) => feeds[i] as tf.Tensor);
    const out = model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false }) as tf.Tensor;
    return tf.reshape(out, [out.shape[0] ?? 0, -1]) as tf.Tensor2D;
  });
  try {
    return rows.arraySync();
  } finally {
    rows.dispose();
  }
}

/**
 * Squared MMD with a Gaussian kernel k(a, b) = exp(-|a - b|² / (2 bandwidth²)), the unbiased
 * estimate (Gretton et al. 2012): 0 in expectation when both sets come from one distribution.
 */
export function mmd2(a: readonly (readonly number[])[], b: readonly (readonly number[])[], bandwidth: number): number {
  const k = (x: readonly number[], y: readonly number[]) => {
    let d = 0;
    for (let i = 0; i < x.length; i++) d += ((x[i] as number) - (y[i] as number)) ** 2;
    return Math.exp(-d / (2 * bandwidth * bandwidth));
  };
  const within = (s: readonly (readonly number[])[]) => {
    let sum = 0;
    for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) if (i !== j) sum += k(s[i] as number[], s[j] as number[]);
    return sum / (s.length * (s.length - 1));
  };
  let cross = 0;
  for (const x of a) for (const y of b) cross += k(x, y);
  return within(a) + within(b) - (2 * cross) / (a.length * b.length);
}
