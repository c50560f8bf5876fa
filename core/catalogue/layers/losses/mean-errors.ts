import * as tf from '@tensorflow/tfjs-core';
import { defineLoss } from '../../decl';
import { LOSS_PORTS, lossWeightParam, reduceOverFeaturesThenBatch, reductionParam, requireSameShape } from './common';

const SHAPE_HINT = 'reshape the target, or give the output layer as many units as the target has values';

/** A loss whose per-value error (prediction vs the float target) is reduced over features, then averaged over the batch. */
function meanError(type: string, description: string, error: (prediction: tf.Tensor, target: tf.Tensor) => tf.Tensor) {
  return defineLoss({
    type,
    kind: 'loss',
    category: 'Losses',
    description,
    params: { reduction: reductionParam, weight: lossWeightParam },
    inputs: LOSS_PORTS,
    checkShapes(ctx) {
      requireSameShape(ctx, type, SHAPE_HINT);
    },
    compute({ prediction, target }, params) {
      return tf.tidy(() => reduceOverFeaturesThenBatch(error(prediction, tf.cast(target, 'float32')), params.reduction));
    },
  });
}

export const meanSquaredError = meanError('MeanSquaredError', 'Squared difference (prediction - target)², reduced over features, averaged over the batch.', tf.squaredDifference);

export const meanAbsoluteError = meanError('MeanAbsoluteError', 'Absolute difference |prediction - target|, reduced over features, averaged over the batch.', (prediction, target) =>
  tf.abs(tf.sub(prediction, target)),
);
