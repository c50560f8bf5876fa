/**
 * A GAN's views' computations on an inspection session: a fixed noise batch per run, generated
 * samples, the discriminator's verdict on any points, the generator loss's gradient at generated
 * points (GAN Lab's arrows), the diversity of generated samples (mode collapse) and whether the
 * discriminator wins outright. The GAN's parts are found by core/engine/gan.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ganGeneratorLoss } from '../catalogue/layers/losses/gan';
import { mixSeed, SeededRandom } from '../data/random';
import type { CompiledGraph } from '../engine/compile';
import { ganParts, ganRoles, sizeOf, verdictIsProbability, type GanRoles } from '../engine/gan';
import { hasGradientPenalty, penaltyOfBatch, penaltyTerms, releasePenaltyTerms } from '../engine/gradient-penalty';
import type { ReroutedModel } from '../engine/reroute';
import { SeededScope } from '../engine/seeded';
import { toImages, type InspectionSession } from './session';
import type { GeneratedSamples } from './types';

export { discriminatorWinsOutright, MODE_COLLAPSE_RATIO } from './gan-diagnosis';

/** The largest fixed noise batch a view may ask for (drawn once per run, a prefix used). */
export const FIXED_NOISE_ROWS = 1024;
export function rolesOf(s: InspectionSession): GanRoles {
  const roles = ganRoles(s.graph, s.compiled);
  if (!roles) throw new Error('the graph is not a GAN: it needs a Noise node, a generator and a GAN loss reading the discriminator');
  return roles;
}

/** Tensors for a part's extra inputs: a class label on every row (0, 1, 2... cycling), else zeros. */
function extraInputs(s: InspectionSession, part: ReroutedModel, rows: number): tf.Tensor[] {
  const classes = s.labelFeature()?.classNames?.length ?? 10;
  return part.extraFeeds.map((i) => {
    const f = s.compiled.feeds[i] as CompiledGraph['feeds'][number];
    return f.dtype === 'int32' ? tf.tensor(Int32Array.from({ length: rows * sizeOf(f.shape.slice(1)) }, (_, k) => k % classes), [rows, ...f.shape.slice(1).map((d) => d ?? 1)], 'int32') : tf.zeros([rows, ...f.shape.slice(1).map((d) => d ?? 1)]);
  });
}

/** The run's fixed noise: `rows` vectors (at most FIXED_NOISE_ROWS), the same at every epoch. */
export function fixedNoise(s: InspectionSession, rows: number): number[][] {
  const roles = rolesOf(s);
  if (!s.fixedNoise || s.fixedNoise[0]?.length !== roles.noiseSize) {
    const random = new SeededRandom(mixSeed(s.graph.training.seed, 0x6a4e));
    const draw = roles.distribution === 'uniform' ? () => random.uniform(-1, 1) : () => random.normal();
    s.fixedNoise = Array.from({ length: FIXED_NOISE_ROWS }, () => Array.from({ length: roles.noiseSize }, draw));
  }
  return s.fixedNoise.slice(0, Math.max(1, Math.min(rows, FIXED_NOISE_ROWS)));
}

/** What the generator makes of these noise vectors, in inference mode. */
export function generate(s: InspectionSession, z: readonly (readonly number[])[]): GeneratedSamples {
  const roles = rolesOf(s);
  const { generator } = ganParts(s.compiled, roles);
  const values = tf.tidy(() => {
    const out = generator.model.apply([tf.tensor2d(z.map((row) => [...row]), [z.length, roles.noiseSize]), ...extraInputs(s, generator, z.length)], { training: false }) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
  const shape = roles.sampleShape;
  const image = s.dataset.spec.features.find((f) => f.name === s.graph.nodes.find((n) => n.id === roles.realInput)?.params['feature']);
  const images = shape.length === 3 ? toImages(values, z.length, shape[0] as number, shape[1] as number, shape[2] as number, image?.valueRange ?? null) : null;
  return { n: z.length, shape: [...shape], values: Float32Array.from(values), images };
}

/** The discriminator's verdict on each of n samples (rows of `points`): a probability or a raw score. */
export function verdicts(s: InspectionSession, points: Float32Array, n: number): Float32Array {
  const roles = rolesOf(s);
  const { discriminator } = ganParts(s.compiled, roles);
  return tf.tidy(() => {
    const scores = discriminator.model.apply([tf.tensor(points, [n, ...roles.sampleShape]), ...extraInputs(s, discriminator, n)], { training: false }) as tf.Tensor;
    const v = verdictIsProbability(roles.formulation) ? tf.sigmoid(scores) : scores;
    return Float32Array.from(v.dataSync());
  });
}

/**
 * Where the generator's next update pushes each generated sample: minus the gradient of the
 * generator's loss with respect to the sample, per sample (the loss is a batch mean, so scaled by n).
 */
export function generatorPull(s: InspectionSession, points: Float32Array, n: number): Float32Array {
  const roles = rolesOf(s);
  const { discriminator } = ganParts(s.compiled, roles);
  return tf.tidy(() => {
    const extra = extraInputs(s, discriminator, n);
    const loss = (p: tf.Tensor) => ganGeneratorLoss(discriminator.model.apply([p, ...extra], { training: false }) as tf.Tensor, roles.formulation);
    const grad = tf.grad(loss)(tf.tensor(points, [n, ...roles.sampleShape]));
    return Float32Array.from(tf.mul(grad, -n).dataSync());
  });
}

/**
 * WGAN-GP: for each critic loss with the gradient penalty, lambda times the penalty on these n
 * real and n generated samples (the term the trainer adds to that loss), by loss node id; the
 * interpolation weights are drawn from the run's seed, so the same weights give the same value.
 */
export function gradientPenalties(s: InspectionSession, real: Float32Array, generated: Float32Array, n: number): Record<string, number> {
  if (!s.compiled.losses.some(hasGradientPenalty)) return {};
  const roles = rolesOf(s);
  const terms = penaltyTerms(s.graph, s.compiled);
  try {
    return tf.tidy(() => {
      const out: Record<string, number> = {};
      for (const term of terms) {
        const feeds: tf.Tensor[] = [];
        feeds[term.realFeed] = tf.tensor(real, [n, ...roles.sampleShape]);
        const extra = extraInputs(s, term.critic, n);
        term.critic.extraFeeds.forEach((feed, k) => (feeds[feed] = extra[k] as tf.Tensor));
        const fake = tf.tensor(generated, [n, ...roles.sampleShape]);
        const penalty = new SeededScope(mixSeed(s.graph.training.seed, 0x6770)).run(() => penaltyOfBatch(term, feeds, fake, false));
        out[term.lossNodeId] = term.weight * (penalty.dataSync()[0] as number);
      }
      return out;
    });
  } finally {
    releasePenaltyTerms(terms);
  }
}

/** Mean Euclidean distance between distinct rows (n rows of `dim` values). */
export function meanPairwiseDistance(values: ArrayLike<number>, n: number, dim: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d = 0;
      for (let k = 0; k < dim; k++) d += ((values[i * dim + k] as number) - (values[j * dim + k] as number)) ** 2;
      sum += Math.sqrt(d);
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs : 0;
}

