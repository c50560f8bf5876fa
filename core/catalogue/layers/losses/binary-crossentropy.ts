import * as tf from '@tensorflow/tfjs-core';
import { defineLoss } from '../../decl';
import { param } from '../../params';
import { LOSS_PORTS, lossWeightParam, reduceOverFeaturesThenBatch, reductionParam, requireSameShape } from './common';

/** Element-wise binary cross-entropy; from logits it uses max(x, 0) - x·t + log(1 + exp(-|x|)), which never overflows. */
export function binaryCrossentropyPerElement(prediction: tf.Tensor, target: tf.Tensor, fromLogits: boolean): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.cast(target, 'float32');
    if (fromLogits) {
      const x = prediction;
      return tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    }
    const p = tf.clipByValue(prediction, 1e-7, 1 - 1e-7);
    return tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))));
  });
}

export const binaryCrossentropy = defineLoss({
  type: 'BinaryCrossentropy',
  kind: 'loss',
  category: 'Losses',
  description: 'Binary cross-entropy per element (targets in [0, 1]), reduced over features, averaged over the batch.',
  params: {
    fromLogits: param.bool({
      default: true,
      label: 'From logits',
      help:
        'The prediction is raw scores (no sigmoid); the loss uses a numerically stable formula. Off: the prediction ' +
        "is probabilities (after a sigmoid), clipped to [1e-7, 1 - 1e-7]. Keras' default is off; ours is on because logits are safer.",
      card: true,
    }),
    reduction: reductionParam,
    weight: lossWeightParam,
  },
  inputs: LOSS_PORTS,
  checkShapes(ctx) {
    requireSameShape(ctx, 'BinaryCrossentropy', 'reshape the target, or give the output layer as many units as the target has values');
  },
  compute({ prediction, target }, params) {
    return tf.tidy(() =>
      reduceOverFeaturesThenBatch(binaryCrossentropyPerElement(prediction, target, params.fromLogits), params.reduction),
    );
  },
});
