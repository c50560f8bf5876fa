/**
 * WGAN-GP's gradient penalty (Gulrajani et al. 2017): the critic D kept 1-Lipschitz by penalising
 * (||grad_x D(x^)||_2 - 1)^2 at x^ = e * real + (1 - e) * generated, e ~ U(0, 1) per sample.
 * A loss node only sees the critic's scores, so the trainer adds the penalty to each discriminator
 * loss of formulation 'wasserstein-gp': it applies the critic (the discriminator's layers from the
 * generated samples to the loss's fake scores, rerouted, so the same weights) to the interpolates.
 * Minimising the penalty differentiates a gradient: every op on the critic's path needs a gradient
 * of its gradient (LeakyReLU gets one from `twiceDifferentiable`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SymbolicTensor } from '../catalogue/decl';
import { twiceDifferentiable } from '../catalogue/leaky-relu';
import { GRADIENT_PENALTY_DEFAULT } from '../catalogue/layers/losses/gan';
import type { GraphDocument } from '../graph/document';
import type { CompiledGraph, LossBinding } from './compile';
import { ganRoles } from './gan';
import { releaseRerouted, rerouteModel, type ReroutedModel } from './reroute';

/** Whether a loss binding is a discriminator loss with the gradient penalty. */
export function hasGradientPenalty(loss: Pick<LossBinding, 'decl' | 'params'>): boolean {
  return loss.decl.type === 'GANDiscriminatorLoss' && loss.params['formulation'] === 'wasserstein-gp';
}

/**
 * mean over the batch of (||grad_x critic(x)||_2 - 1)^2 at x = mix * real + (1 - mix) * fake.
 * `mix`: one weight per sample, broadcast over the sample (default: drawn from U(0, 1) with
 * Math.random's seed, so a seeded scope repeats it). The critic must score each sample on its own
 * (no BatchNorm over the batch in it), as the paper requires.
 */
export function gradientPenalty(critic: (x: tf.Tensor) => tf.Tensor, real: tf.Tensor, fake: tf.Tensor, mix?: tf.Tensor): tf.Scalar {
  if (real.shape.join() !== fake.shape.join()) {
    throw new Error(`the gradient penalty needs real and generated samples of one shape, got [${real.shape.join(', ')}] and [${fake.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const batch = real.shape[0] as number;
    const e = mix ?? tf.randomUniform([batch, ...real.shape.slice(1).map(() => 1)], 0, 1, 'float32', Math.floor(Math.random() * 2 ** 31));
    const r = tf.cast(real, 'float32');
    const between = tf.add(tf.mul(e, r), tf.mul(tf.sub(1, e), tf.cast(fake, 'float32')));
    // The critic scores samples independently, so the gradient of the sum is each sample's own.
    const grad = twiceDifferentiable(() => tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(between));
    // The epsilon keeps sqrt's derivative finite at a zero gradient.
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(tf.reshape(grad, [batch, -1])), 1), 1e-12));
    return tf.mean(tf.square(tf.sub(norms, 1))) as tf.Scalar;
  });
}

/** What the trainer needs to add one discriminator loss's penalty. */
export interface PenaltyTerm {
  lossNodeId: string;
  /** lambda, the loss node's `penalty`. */
  weight: number;
  /** The critic: generated-sample-shaped input (then `critic.extraFeeds`, e.g. a label) -> the loss's fake scores. */
  critic: ReroutedModel;
  /** compiled.feeds index of the real samples. */
  realFeed: number;
  /** The generator's output, which the trainer's forward pass returns besides the model's outputs. */
  generated: SymbolicTensor;
}

/**
 * A penalty term for each 'wasserstein-gp' discriminator loss of the compiled graph, or an error
 * naming the loss when the GAN around it cannot be found. Release with `releasePenaltyTerms`.
 */
export function penaltyTerms(graph: GraphDocument, compiled: CompiledGraph): PenaltyTerm[] {
  const losses = compiled.losses.filter(hasGradientPenalty);
  if (losses.length === 0) return [];
  const roles = ganRoles(graph, compiled);
  const terms: PenaltyTerm[] = [];
  try {
    for (const loss of losses) {
      const fakeEdge = graph.edges.find((e) => e.target.node === loss.nodeId && e.target.port === 'fake');
      const fakeScores = fakeEdge ? compiled.nodeTensors.get(fakeEdge.source.node)?.[fakeEdge.source.port] : undefined;
      const generated = roles ? compiled.nodeTensors.get(roles.generated.nodeId)?.[roles.generated.port] : undefined;
      const realFeed = roles ? compiled.feeds.findIndex((f) => f.nodeId === roles.realInput) : -1;
      if (!roles || !fakeScores || !generated || realFeed < 0) {
        throw new Error(
          `${loss.name}: 'wasserstein-gp' applies the critic to points between real and generated samples, but this graph has no GAN to find them in ` +
            '(a Noise node, a generator whose output has the real samples\' shape, and the discriminator applied to both)',
        );
      }
      let critic: ReroutedModel;
      try {
        critic = rerouteModel(compiled, generated, fakeScores, `${loss.name}_interpolates`);
      } catch (err) {
        throw new Error(`${loss.name}: the critic for the gradient penalty: ${(err as Error).message}`, { cause: err });
      }
      terms.push({ lossNodeId: loss.nodeId, weight: Number(loss.params['penalty'] ?? GRADIENT_PENALTY_DEFAULT), critic, realFeed, generated });
    }
  } catch (err) {
    releasePenaltyTerms(terms);
    throw err;
  }
  return terms;
}

export function releasePenaltyTerms(terms: readonly PenaltyTerm[]): void {
  for (const t of terms) releaseRerouted(t.critic);
}

/** The penalty of one term for a batch: `generated` is the forward pass's generator output. */
export function penaltyOfBatch(term: PenaltyTerm, feeds: readonly tf.Tensor[], generated: tf.Tensor, training: boolean): tf.Scalar {
  const real = feeds[term.realFeed];
  if (!real) throw new Error(`the real samples' feed ${term.realFeed} is missing from the batch`);
  const extra = term.critic.extraFeeds.map((i) => feeds[i] as tf.Tensor);
  const critic = (x: tf.Tensor) => term.critic.model.apply(extra.length === 0 ? x : [x, ...extra], { training }) as tf.Tensor;
  return gradientPenalty(critic, real, generated);
}
