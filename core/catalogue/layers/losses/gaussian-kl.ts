import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, inputShape } from '../../decl';
import { dimsCompatible, formatShape, requireRank, ShapeError } from '../../../shapes/shape';
import { lossWeightParam } from './common';

interface GaussianKlTensors {
  mu: tf.Tensor;
  logvar: tf.Tensor;
}

export const gaussianKl = defineLoss<{ weight: typeof lossWeightParam }, GaussianKlTensors>({
  type: 'GaussianKL',
  kind: 'loss',
  category: 'Losses',
  description:
    "KL divergence of the encoder's diagonal Gaussian N(mu, exp(logvar)) to N(0, I): 0.5·Σ(exp(logvar) + mu² - 1 - logvar), " +
    'summed over latent dims, averaged over the batch (the VAE regulariser; its weight is beta).',
  params: { weight: lossWeightParam },
  inputs: [
    { name: 'mu', help: 'Mean of the approximate posterior, [batch, latent].' },
    { name: 'logvar', help: 'Log-variance (natural log of sigma²) of the approximate posterior, shaped like mu.' },
  ],
  checkShapes(ctx) {
    const mu = inputShape(ctx, 'mu');
    const logvar = inputShape(ctx, 'logvar');
    requireRank(mu, { min: 2 }, 'GaussianKL', '', 'mu');
    if (mu.length !== logvar.length || !mu.every((d, i) => dimsCompatible(d, logvar[i] ?? null))) {
      throw new ShapeError(
        `GaussianKL needs logvar shaped like mu ${formatShape(mu)} but got ${formatShape(logvar)}; give the two encoder heads the same number of units`,
        'logvar',
      );
    }
  },
  compute({ mu, logvar }) {
    return tf.tidy(() => {
      const perElement = tf.mul(0.5, tf.sub(tf.sub(tf.add(tf.exp(logvar), tf.square(mu)), 1), logvar));
      const latentAxes = Array.from({ length: mu.rank - 1 }, (_, i) => i + 1);
      return tf.mean(tf.sum(perElement, latentAxes)) as tf.Scalar;
    });
  },
});
