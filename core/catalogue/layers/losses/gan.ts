/**
 * The two losses of a GAN, on the discriminator's raw scores (logits; a critic's scores for the
 * Wasserstein GAN) for real samples, D(x), and generated ones, D(G(z)):
 *
 *   formulation      discriminator loss                       generator loss
 *   minimax          -log s(r) - log(1 - s(f))                 log(1 - s(f))        (Goodfellow et al. 2014)
 *   non-saturating   the same                                  -log s(f)            (the paper's practical choice)
 *   least-squares    ((r - 1)^2 + f^2) / 2                     (f - 1)^2 / 2        (LSGAN, Mao et al. 2017)
 *   wasserstein      f - r                                     -f                   (WGAN, Arjovsky et al. 2017)
 *   wasserstein-gp   f - r + penalty * GP                      -f                   (WGAN-GP, Gulrajani et al. 2017)
 *
 * with s the sigmoid, each averaged over the batch; log s(x) = -softplus(-x) is used, which never
 * overflows. The Wasserstein critic needs a Lipschitz constraint: clip its weights in its phase
 * ('wasserstein'), or penalise its gradient: GP = mean (||grad D(x^)||_2 - 1)^2 at random points x^
 * between real and generated samples. The penalty needs the critic itself, not only its scores, so
 * the trainer adds it (core/engine/gradient-penalty.ts); `compute` here gives f - r.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, inputShape, type PortSpec } from '../../decl';
import { param } from '../../params';
import { formatShape, ShapeError, type Shape } from '../../../shapes/shape';
import { lossWeightParam } from './common';

export const GAN_FORMULATIONS = ['minimax', 'non-saturating', 'least-squares', 'wasserstein', 'wasserstein-gp'] as const;
export type GanFormulation = (typeof GAN_FORMULATIONS)[number];

const formulationParam = (forGenerator: boolean) =>
  param.enum({
    options: GAN_FORMULATIONS,
    default: 'non-saturating',
    label: 'Formulation',
    help:
      "'minimax' and 'non-saturating' read logits (no sigmoid at the discriminator's output) and train the discriminator by binary " +
      "cross-entropy; 'least-squares' reads scores aimed at 1 (real) and 0 (fake); 'wasserstein' reads a critic's scores (clip the critic's weights in its phase); " +
      "'wasserstein-gp' too, with the critic kept 1-Lipschitz by a penalty on its gradient at points between real and generated samples instead of clipping." +
      (forGenerator
        ? " For the generator 'minimax' minimises log(1 - D(G(z))), which saturates while D wins; 'non-saturating' maximises log D(G(z)) instead."
        : " Use the same formulation in the generator's loss."),
    card: true,
  });

/** One score per sample: [batch] or [batch, 1]. */
function requireScores(shape: Shape, port: string, lossName: string): void {
  const ok = shape.length === 1 || (shape.length === 2 && (shape[1] === 1 || shape[1] === null));
  if (!ok) {
    throw new ShapeError(
      `${lossName} needs one score per sample at "${port}" ([batch] or [batch, 1]) but got ${formatShape(shape)}; end the discriminator with a Dense of 1 unit`,
      port,
    );
  }
}

/** Mean per-sample loss of the discriminator (real scores `r`, generated `f`). */
export function ganDiscriminatorLoss(real: tf.Tensor, fake: tf.Tensor, formulation: GanFormulation): tf.Scalar {
  return tf.tidy(() => {
    const r = tf.cast(real, 'float32');
    const f = tf.cast(fake, 'float32');
    switch (formulation) {
      case 'minimax':
      case 'non-saturating':
        return tf.add(tf.mean(tf.softplus(tf.neg(r))), tf.mean(tf.softplus(f))) as tf.Scalar;
      case 'least-squares':
        return tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(r, 1))), tf.mean(tf.square(f)))) as tf.Scalar;
      case 'wasserstein':
      case 'wasserstein-gp':
        return tf.sub(tf.mean(f), tf.mean(r)) as tf.Scalar;
    }
  });
}

/** Mean per-sample loss of the generator (generated scores `f`). */
export function ganGeneratorLoss(fake: tf.Tensor, formulation: GanFormulation): tf.Scalar {
  return tf.tidy(() => {
    const f = tf.cast(fake, 'float32');
    switch (formulation) {
      case 'minimax':
        return tf.neg(tf.mean(tf.softplus(f))) as tf.Scalar;
      case 'non-saturating':
        return tf.mean(tf.softplus(tf.neg(f))) as tf.Scalar;
      case 'least-squares':
        return tf.mul(0.5, tf.mean(tf.square(tf.sub(f, 1)))) as tf.Scalar;
      case 'wasserstein':
      case 'wasserstein-gp':
        return tf.neg(tf.mean(f)) as tf.Scalar;
    }
  });
}

/**
 * What the discriminator says on average: the probability it gives (the sigmoid of its logits) for
 * the logit formulations, its raw score for least-squares and Wasserstein.
 */
export function meanVerdict(scores: tf.Tensor, formulation: GanFormulation): tf.Scalar {
  return tf.tidy(() => {
    const s = tf.cast(scores, 'float32');
    return tf.mean(formulation === 'minimax' || formulation === 'non-saturating' ? tf.sigmoid(s) : s) as tf.Scalar;
  });
}

/** The weight of WGAN-GP's gradient penalty (lambda; 10 in Gulrajani et al. for every dataset they tried). */
export const GRADIENT_PENALTY_DEFAULT = 10;

const penaltyParam = param.float({
  default: GRADIENT_PENALTY_DEFAULT,
  min: 0,
  max: 1e4,
  label: 'Gradient penalty',
  help: "Used by 'wasserstein-gp' only: the weight of the penalty (||gradient of the critic at x^|| - 1)^2, x^ a random point between a real and a generated sample (10 in the WGAN-GP paper).",
});

const DISCRIMINATOR_PORTS: readonly PortSpec[] = [
  { name: 'real', role: 'real-score', label: 'D(x)', help: "The discriminator's scores for real samples, [batch, 1]." },
  { name: 'fake', role: 'fake-score', label: 'D(G(z))', help: "The discriminator's scores for generated samples (the same discriminator: shared weights), [batch, 1]." },
];

export const ganDiscriminatorLossDecl = defineLoss<
  { formulation: ReturnType<typeof formulationParam>; penalty: typeof penaltyParam; weight: typeof lossWeightParam },
  { real: tf.Tensor; fake: tf.Tensor }
>({
  type: 'GANDiscriminatorLoss',
  kind: 'loss',
  category: 'Losses',
  description:
    "A GAN discriminator's loss: score real samples high and generated ones low (minimax / non-saturating, least-squares, Wasserstein, or Wasserstein with gradient penalty). Train it in a phase that updates the discriminator only.",
  params: { formulation: formulationParam(false), penalty: penaltyParam, weight: lossWeightParam },
  inputs: DISCRIMINATOR_PORTS,
  checkShapes(ctx) {
    requireScores(inputShape(ctx, 'real'), 'real', 'GANDiscriminatorLoss');
    requireScores(inputShape(ctx, 'fake'), 'fake', 'GANDiscriminatorLoss');
  },
  compute({ real, fake }, params) {
    return ganDiscriminatorLoss(real, fake, params.formulation);
  },
});

export const ganGeneratorLossDecl = defineLoss<{ formulation: ReturnType<typeof formulationParam>; weight: typeof lossWeightParam }, { fake: tf.Tensor }>({
  type: 'GANGeneratorLoss',
  kind: 'loss',
  category: 'Losses',
  description:
    "A GAN generator's loss: make the discriminator score generated samples as real. Train it in a phase that updates the generator only (the discriminator held fixed).",
  params: { formulation: formulationParam(true), weight: lossWeightParam },
  inputs: [{ name: 'fake', role: 'fake-score', label: 'D(G(z))', help: "The discriminator's scores for generated samples, [batch, 1]." }],
  checkShapes(ctx) {
    requireScores(inputShape(ctx, 'fake'), 'fake', 'GANGeneratorLoss');
  },
  compute({ fake }, params) {
    return ganGeneratorLoss(fake, params.formulation);
  },
});
