import * as tf from '@tensorflow/tfjs-core';
import { inputShape, type PortSpec, type ShapeContext } from '../../decl';
import { param } from '../../params';
import { dimsCompatible, formatShape, ShapeError, type Shape } from '../../../shapes/shape';

export const LOSS_PORTS: readonly PortSpec[] = [
  { name: 'prediction', help: "The model's output." },
  { name: 'target', help: 'What the prediction should be: a dataset label, or the input itself for an autoencoder.' },
];

export const lossWeightParam = param.float({
  default: 1,
  min: 0,
  max: 1e6,
  label: 'Weight',
  help: 'This loss is multiplied by the weight before the losses are summed (e.g. beta for a VAE KL term).',
  card: true,
});

export type Reduction = 'mean' | 'sum';

/** How element-wise losses are reduced over each sample's features; the batch is always averaged. */
export const reductionParam = param.enum({
  options: ['mean', 'sum'],
  default: 'mean',
  label: 'Over features',
  help:
    "How each sample's per-feature losses are combined before the batch mean: 'mean' (Keras' default) or " +
    "'sum' (the usual VAE reconstruction term, so it is on the same scale as the KL, which is summed over latent dims).",
  card: true,
});

/** Reduces a per-element loss [batch, ...] to a scalar: over features by `reduction`, then the batch mean. */
export function reduceOverFeaturesThenBatch(perElement: tf.Tensor, reduction: Reduction): tf.Scalar {
  return tf.tidy(() => {
    const featureAxes = Array.from({ length: perElement.rank - 1 }, (_, i) => i + 1);
    if (featureAxes.length === 0) return tf.mean(perElement) as tf.Scalar;
    const perSample = reduction === 'sum' ? tf.sum(perElement, featureAxes) : tf.mean(perElement, featureAxes);
    return tf.mean(perSample) as tf.Scalar;
  });
}

/** Prediction and target must have the same shape (symbolic dims agree with anything). */
export function requireSameShape<P>(ctx: ShapeContext<P>, lossName: string, hint: string): { prediction: Shape; target: Shape } {
  const prediction = inputShape(ctx, 'prediction');
  const target = inputShape(ctx, 'target');
  if (prediction.length !== target.length || !prediction.every((d, i) => dimsCompatible(d, target[i] ?? null))) {
    throw new ShapeError(
      `${lossName} needs a target shaped like the prediction ${formatShape(prediction)} but got ${formatShape(target)}; ${hint}`,
      'target',
    );
  }
  return { prediction, target };
}
