import * as tf from '@tensorflow/tfjs-core';
import { defineLoss } from '../../decl';
import { LOSS_PORTS, lossWeightParam, reduceOverFeaturesThenBatch, reductionParam, requireSameShape } from './common';

const SHAPE_HINT = 'reshape the target, or give the output layer as many units as the target has values';

export const meanSquaredError = defineLoss({
  type: 'MeanSquaredError',
  kind: 'loss',
  category: 'Losses',
  description: 'Squared difference (prediction - target)², reduced over features, averaged over the batch.',
  params: { reduction: reductionParam, weight: lossWeightParam },
  inputs: LOSS_PORTS,
  checkShapes(ctx) {
    requireSameShape(ctx, 'MeanSquaredError', SHAPE_HINT);
  },
  compute({ prediction, target }, params) {
    return tf.tidy(() =>
      reduceOverFeaturesThenBatch(tf.squaredDifference(prediction, tf.cast(target, 'float32')), params.reduction),
    );
  },
});

export const meanAbsoluteError = defineLoss({
  type: 'MeanAbsoluteError',
  kind: 'loss',
  category: 'Losses',
  description: 'Absolute difference |prediction - target|, reduced over features, averaged over the batch.',
  params: { reduction: reductionParam, weight: lossWeightParam },
  inputs: LOSS_PORTS,
  checkShapes(ctx) {
    requireSameShape(ctx, 'MeanAbsoluteError', SHAPE_HINT);
  },
  compute({ prediction, target }, params) {
    return tf.tidy(() =>
      reduceOverFeaturesThenBatch(tf.abs(tf.sub(prediction, tf.cast(target, 'float32'))), params.reduction),
    );
  },
});
