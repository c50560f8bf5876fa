import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, inputShape } from '../../decl';
import { param } from '../../params';
import { dimsCompatible, formatShape, ShapeError } from '../../../shapes/shape';
import { LOSS_PORTS, lossWeightParam } from './common';

export const categoricalCrossentropy = defineLoss({
  type: 'CategoricalCrossentropy',
  kind: 'loss',
  category: 'Losses',
  description: 'Cross-entropy between a predicted class distribution and a one-hot target, averaged over the batch.',
  params: {
    fromLogits: param.bool({
      default: true,
      label: 'From logits',
      help: 'The prediction is raw scores (no softmax); the loss applies a numerically stable log-softmax itself.',
      card: true,
    }),
    weight: lossWeightParam,
  },
  inputs: LOSS_PORTS,
  checkShapes(ctx) {
    const p = inputShape(ctx, 'prediction');
    const t = inputShape(ctx, 'target');
    if (p.length !== t.length || !p.every((d, i) => dimsCompatible(d, t[i] ?? null))) {
      throw new ShapeError(
        `CategoricalCrossentropy needs a one-hot target shaped like the prediction ${formatShape(p)} but got ${formatShape(t)}; use SparseCategoricalCrossentropy for integer labels`,
        'target',
      );
    }
  },
  compute({ prediction, target }, params) {
    return tf.tidy(() => {
      const logProbs = params.fromLogits
        ? tf.logSoftmax(prediction)
        : tf.log(tf.clipByValue(prediction, 1e-7, 1 - 1e-7));
      return tf.neg(tf.mean(tf.sum(tf.mul(target, logProbs), -1))) as tf.Scalar;
    });
  },
});
