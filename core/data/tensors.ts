/**
 * Batch -> tfjs tensors. Takes the tfjs-core namespace as a parameter so core/data has no runtime
 * dependency on tfjs; the caller disposes the tensors (or wraps the call in tf.tidy).
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { Batch, BatchOptions, DatasetSplit } from './types';

/** The part of the tfjs namespace this module uses. */
export type TensorFactory = Pick<typeof tfc, 'tensor'>;

/**
 * One tensor per feature, shape [batch.size, ...featureShape]. The values are COPIED: the cpu
 * backend keeps a reference to the array it is given, and batch arrays are reused.
 */
export function batchToTensors(
  tf: TensorFactory,
  batch: Batch,
  names?: readonly string[],
): Record<string, tfc.Tensor> {
  const tensors: Record<string, tfc.Tensor> = {};
  for (const name of names ?? Object.keys(batch.features)) {
    const feature = batch.features[name];
    if (!feature) throw new Error(`batch has no feature '${name}'`);
    tensors[name] = tf.tensor(feature.data.slice(), [batch.size, ...feature.shape], feature.dtype);
  }
  return tensors;
}

/**
 * Iterates one epoch as tensors. Each yielded record belongs to the caller, who disposes it
 * (tf.dispose(Object.values(t.tensors))) before or after taking the next one.
 */
export function* tensorBatches(
  tf: TensorFactory,
  split: DatasetSplit,
  options: BatchOptions,
  names?: readonly string[],
): IterableIterator<{ readonly size: number; readonly tensors: Record<string, tfc.Tensor> }> {
  for (const batch of split.batches(options)) yield { size: batch.size, tensors: batchToTensors(tf, batch, names) };
}
