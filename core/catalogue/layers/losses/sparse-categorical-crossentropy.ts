import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, inputShape } from '../../decl';
import { param } from '../../params';
import { dimsCompatible, formatShape, ShapeError, type Shape } from '../../../shapes/shape';
import { lossWeightParam } from './common';
import { fusedSparseCrossentropy } from './fused-crossentropy';

/** True when `target` is the prediction's shape without its class axis, or with a class axis of 1. */
function labelsFit(prediction: Shape, target: Shape): boolean {
  const withoutClasses = prediction.slice(0, -1);
  const sameLeading = (t: Shape) => t.length === withoutClasses.length && t.every((d, i) => dimsCompatible(d, withoutClasses[i] ?? null));
  if (sameLeading(target)) return true;
  const last = target[target.length - 1];
  return (last === 1 || last === null) && sameLeading(target.slice(0, -1));
}

/**
 * Per-position cross-entropy of integer labels against class scores: returns [positions], where
 * `scores` is [..., classes] and `labels` holds one class id per position. Shared with
 * SequenceCrossentropy.
 */
export function sparseCrossentropyPerPosition(scores: tf.Tensor, labels: tf.Tensor, fromLogits: boolean): tf.Tensor1D {
  if (fromLogits) {
    // One SIMD kernel on wasm (fused-crossentropy.ts); null elsewhere.
    const fused = fusedSparseCrossentropy(scores, labels);
    if (fused) return fused;
  }
  return tf.tidy(() => {
    const classes = scores.shape[scores.shape.length - 1] as number;
    const logProbs = fromLogits ? tf.logSoftmax(scores) : tf.log(tf.clipByValue(scores, 1e-7, 1));
    const flatLogProbs = tf.reshape(logProbs, [-1, classes]);
    const ids = tf.cast(tf.reshape(labels, [-1]), 'int32');
    // A one-hot product instead of a gather: its gradient needs no scatter kernel (missing on wasm).
    return tf.neg(tf.sum(tf.mul(flatLogProbs, tf.oneHot(ids, classes)), -1)) as tf.Tensor1D;
  });
}

export const sparseCategoricalCrossentropy = defineLoss({
  type: 'SparseCategoricalCrossentropy',
  kind: 'loss',
  category: 'Losses',
  description: 'Cross-entropy between predicted class scores and integer class labels, averaged over the batch.',
  params: {
    fromLogits: param.bool({
      default: true,
      label: 'From logits',
      help:
        'The prediction is raw scores (no softmax); the loss applies a numerically stable log-softmax itself. ' +
        "Off: the prediction is already probabilities (after a softmax). Keras' default is off; ours is on because logits are safer.",
      card: true,
    }),
    weight: lossWeightParam,
  },
  inputs: [
    { name: 'prediction', role: 'classifier', help: 'Class scores [batch, classes] (any leading axes allowed: [batch, ..., classes]).' },
    { name: 'target', help: 'Integer class ids in [0, classes): [batch] or [batch, 1] (or [batch, ...] matching the prediction).' },
  ],
  checkShapes(ctx) {
    const p = inputShape(ctx, 'prediction');
    const t = inputShape(ctx, 'target');
    if (p.length < 2) {
      throw new ShapeError(`SparseCategoricalCrossentropy needs class scores [batch, classes] but got ${formatShape(p)}`, 'prediction');
    }
    if (p[p.length - 1] === 1) {
      throw new ShapeError(
        `SparseCategoricalCrossentropy needs at least 2 class scores but got ${formatShape(p)}; for a yes/no output with 1 unit use BinaryCrossentropy`,
        'prediction',
      );
    }
    if (!labelsFit(p, t)) {
      const expected = formatShape(p.slice(0, -1));
      throw new ShapeError(
        `SparseCategoricalCrossentropy needs one integer class id per sample, ${expected} or ${formatShape([...p.slice(0, -1), 1])}, but got ${formatShape(t)}; ` +
          'for one-hot targets use CategoricalCrossentropy',
        'target',
      );
    }
  },
  compute({ prediction, target }, params) {
    return tf.tidy(() => tf.mean(sparseCrossentropyPerPosition(prediction, target, params.fromLogits)) as tf.Scalar);
  },
});
