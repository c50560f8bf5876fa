/**
 * Metrics that go with each loss type: what a user of that loss expects to watch besides the loss
 * (accuracy for classification, token accuracy and exact match for sequences).
 */
import * as tf from '@tensorflow/tfjs-core';
import { meanVerdict, type GanFormulation } from '../catalogue/layers/losses/gan';
import { GAN_METRIC_NAMES } from './gan-metric-names';

export type MetricFn = (tensors: Readonly<Record<string, tf.Tensor | undefined>>, params: Readonly<Record<string, unknown>>) => Record<string, tf.Scalar>;

function mean(x: tf.Tensor): tf.Scalar {
  return tf.mean(tf.cast(x, 'float32'));
}

/** Integer class ids of a target that is either one id per sample or one-hot. */
function targetIds(target: tf.Tensor, prediction: tf.Tensor): tf.Tensor {
  return target.rank === prediction.rank && target.shape[target.rank - 1] === prediction.shape[prediction.rank - 1] && target.shape[target.rank - 1] !== 1
    ? tf.argMax(target, -1)
    : tf.cast(tf.reshape(target, prediction.shape.slice(0, -1)), 'int32');
}

function sequenceMask(target: tf.Tensor, mask: tf.Tensor | undefined, padId: number): tf.Tensor {
  return mask ? tf.cast(tf.greater(mask, 0.5), 'float32') : tf.cast(tf.notEqual(target, padId), 'float32');
}

const NONE: Record<string, tf.Scalar> = {};

function ganFormulation(params: Readonly<Record<string, unknown>>): GanFormulation {
  return (params.formulation ?? 'non-saturating') as GanFormulation;
}


export const METRICS: Readonly<Record<string, MetricFn>> = {
  GANDiscriminatorLoss: ({ real, fake }, params) =>
    real && fake
      ? { [GAN_METRIC_NAMES.real]: meanVerdict(real, ganFormulation(params)), [GAN_METRIC_NAMES.fake]: meanVerdict(fake, ganFormulation(params)) }
      : NONE,
  GANGeneratorLoss: ({ fake }, params) => (fake ? { [GAN_METRIC_NAMES.fake]: meanVerdict(fake, ganFormulation(params)) } : NONE),
  CategoricalCrossentropy: ({ prediction, target }) =>
    prediction && target ? { accuracy: mean(tf.equal(tf.argMax(prediction, -1), targetIds(target, prediction))) } : NONE,
  SparseCategoricalCrossentropy: ({ prediction, target }) =>
    prediction && target ? { accuracy: mean(tf.equal(tf.argMax(prediction, -1), targetIds(target, prediction))) } : NONE,
  BinaryCrossentropy: ({ prediction, target }, params) => {
    if (!prediction || !target) return NONE;
    const threshold = params.fromLogits === false ? 0.5 : 0;
    return { accuracy: mean(tf.equal(tf.greater(prediction, threshold), tf.greater(target, 0.5))) };
  },
  MeanSquaredError: ({ prediction, target }) =>
    prediction && target ? { meanSquaredError: tf.mean(tf.squaredDifference(prediction, target)) } : NONE,
  MeanAbsoluteError: ({ prediction, target }) =>
    prediction && target ? { meanAbsoluteError: tf.mean(tf.abs(tf.sub(prediction, target))) } : NONE,
  SequenceCrossentropy: ({ prediction, target, mask }, params) => {
    if (!prediction || !target) return NONE;
    const ids = tf.cast(target, 'int32');
    const weights = sequenceMask(ids, mask, Number(params.padId ?? 0));
    const correct = tf.mul(tf.cast(tf.equal(tf.argMax(prediction, -1), ids), 'float32'), weights);
    const tokenAccuracy = tf.div(tf.sum(correct), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
    // A sequence is an exact match when no unmasked token is wrong.
    const wrongPerSequence = tf.sum(tf.sub(weights, correct), -1);
    return { tokenAccuracy, exactMatch: mean(tf.lessEqual(wrongPerSequence, 0)) };
  },
};
