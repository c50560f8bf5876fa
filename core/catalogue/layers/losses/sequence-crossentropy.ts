import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, inputShape } from '../../decl';
import { param } from '../../params';
import { dimsCompatible, formatShape, requireRank, ShapeError, type Shape } from '../../../shapes/shape';
import { lossWeightParam } from './common';
import { sparseCrossentropyPerPosition } from './sparse-categorical-crossentropy';

interface SequenceCrossentropyTensors {
  prediction: tf.Tensor;
  target: tf.Tensor;
  mask?: tf.Tensor;
}

const params = {
  padId: param.int({
    default: 0,
    min: 0,
    max: 10_000_000,
    label: 'PAD id',
    help: 'Token id of padding. Target tokens with this id are ignored, unless a mask is wired (then the mask alone decides).',
    card: true,
  }),
  fromLogits: param.bool({
    default: true,
    label: 'From logits',
    help:
      'The prediction is raw scores (no softmax); the loss applies a stable log-softmax. Off: the prediction is already ' +
      'probabilities (an imported Keras decoder ending in Dense(softmax)), clipped to [1e-7, 1] before the log.',
    card: true,
  }),
  weight: lossWeightParam,
};

/** [batch, time] (or [batch, time, 1]) lined up with the prediction's [batch, time, vocab]. */
function fitsTime(prediction: Shape, other: Shape): boolean {
  const s = other.length === 3 && (other[2] === 1 || other[2] === null) ? other.slice(0, 2) : other;
  return s.length === 2 && dimsCompatible(s[1] ?? null, prediction[1] ?? null);
}

export const sequenceCrossentropy = defineLoss<typeof params, SequenceCrossentropyTensors>({
  type: 'SequenceCrossentropy',
  kind: 'loss',
  category: 'Losses',
  description:
    'Per-token cross-entropy of logits (or probabilities) [batch, time, vocab] against token ids [batch, time], ignoring padding: ' +
    'the mean over all non-masked tokens of the batch.',
  params,
  inputs: [
    { name: 'prediction', help: 'Logits [batch, time, vocab] (no softmax: the loss applies a stable log-softmax), or probabilities with From logits off.' },
    { name: 'target', help: 'Target token ids [batch, time] (teacher forcing: the decoder input shifted by one).' },
    {
      name: 'mask',
      optional: true,
      help: '1 for tokens that count, 0 for padding, [batch, time]. Unwired: tokens equal to the PAD id are ignored.',
    },
  ],
  checkShapes(ctx) {
    const p = inputShape(ctx, 'prediction');
    requireRank(p, 3, 'SequenceCrossentropy', 'the prediction must be per-token logits [batch, time, vocab]: set returnSequences on the recurrent layer and put a Dense(vocab) after it', 'prediction');
    if (p[2] === 1) {
      throw new ShapeError(`SequenceCrossentropy needs a vocabulary of at least 2 tokens but got ${formatShape(p)}; give the Dense before it vocab units`, 'prediction');
    }
    const t = inputShape(ctx, 'target');
    if (!fitsTime(p, t)) {
      throw new ShapeError(
        `SequenceCrossentropy needs target token ids [batch, time] with the prediction's time ${formatShape(p)} but got ${formatShape(t)}`,
        'target',
      );
    }
    const m = ctx.inputs['mask']?.[0];
    if (m && !fitsTime(p, m)) {
      throw new ShapeError(`SequenceCrossentropy needs a mask [batch, time] lined up with the prediction ${formatShape(p)} but got ${formatShape(m)}`, 'mask');
    }
  },
  compute({ prediction, target, mask }, p) {
    return tf.tidy(() => {
      const perToken = sparseCrossentropyPerPosition(prediction, target, p.fromLogits);
      const keep = mask
        ? tf.cast(tf.reshape(mask, [-1]), 'float32')
        : tf.cast(tf.notEqual(tf.cast(tf.reshape(target, [-1]), 'int32'), p.padId), 'float32');
      // A batch of padding only has no tokens to average: its loss is 0, not NaN.
      return tf.div(tf.sum(tf.mul(perToken, keep)), tf.maximum(tf.sum(keep), 1)) as tf.Scalar;
    });
  },
});
