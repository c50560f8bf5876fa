import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, inputShape } from '../../decl';
import { formatShape, requireRank, ShapeError } from '../../../shapes/shape';
import { lossWeightParam } from './common';

const params = { weight: lossWeightParam };

/**
 * Negative log-likelihood of a normalizing flow with a standard normal base:
 * -log p(x) = 0.5 |z|^2 + (d/2) log(2 pi) - log|det J|, averaged over the batch (nats per sample).
 */
export const flowNll = defineLoss<typeof params, { z?: tf.Tensor; logDet?: tf.Tensor }>({
  type: 'FlowNLL',
  kind: 'loss',
  category: 'Losses',
  description: 'Negative log-likelihood of a normalizing flow under N(0, I): 0.5|z|² + (d/2)·log 2π − log|det J|, in nats per sample.',
  params,
  inputs: [
    { name: 'z', help: 'The flow output [batch, d], to be distributed N(0, I).' },
    { name: 'logDet', label: 'log|det J|', help: 'Total log-determinant of the flow per sample, [batch, 1] (add the blocks\' log-determinants).' },
  ],
  checkShapes(ctx) {
    const z = inputShape(ctx, 'z');
    const logDet = inputShape(ctx, 'logDet');
    requireRank(z, 2, 'FlowNLL', 'the flow output must be [batch, d]', 'z');
    if (!(logDet.length === 1 || (logDet.length === 2 && logDet[1] === 1))) {
      throw new ShapeError(`FlowNLL needs one log-determinant per sample, [batch] or [batch, 1], but got ${formatShape(logDet)}`, 'logDet');
    }
  },
  compute({ z, logDet }) {
    if (!z || !logDet) throw new Error('FlowNLL: z and logDet must be wired');
    return tf.tidy(() => {
      const d = z.shape[1] ?? 0;
      const quadratic = tf.mul(0.5, tf.sum(tf.square(z), -1));
      const nll = tf.sub(tf.add(quadratic, 0.5 * d * Math.log(2 * Math.PI)), tf.reshape(logDet, [-1]));
      return tf.mean(nll) as tf.Scalar;
    });
  },
});
