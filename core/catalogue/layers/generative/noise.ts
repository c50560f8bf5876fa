/**
 * Noise: a batch of latent vectors for a generator, [batch, size], drawn fresh at every call from
 * N(0, 1) or U(-1, 1). The batch size comes from whatever tensor is wired to its `batch` port (the
 * real data), so the generator makes as many samples as the discriminator sees real ones. Random
 * draws take their seed from `Math.random`, which a run seeds (SeededScope): same seed, same noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, NO_PARAMS, oneInput, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { requireRank } from '../../../shapes/shape';

type TfjsShape = (number | null)[];
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export const NOISE_DISTRIBUTIONS = ['normal', 'uniform'] as const;
export type NoiseDistribution = (typeof NOISE_DISTRIBUTIONS)[number];

export interface NoiseLayerArgs extends LayerArgs {
  size: number;
  distribution: NoiseDistribution;
}

/** [batch, size] of N(0, 1) or U(-1, 1) noise; `batch` is the first dimension of the input. */
export function drawNoise(batch: number, size: number, distribution: NoiseDistribution): tf.Tensor2D {
  return distribution === 'normal' ? tf.randomNormal([batch, size]) : tf.randomUniform([batch, size], -1, 1);
}

export class NoiseLayer extends tfl.layers.Layer {
  static readonly className = 'NetwrightNoise';
  readonly size: number;
  readonly distribution: NoiseDistribution;

  constructor(args: NoiseLayerArgs) {
    super(args);
    this.size = args.size;
    this.distribution = args.distribution;
  }

  override computeOutputShape(inputShape: TfjsShape | TfjsShape[]): TfjsShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as TfjsShape;
    return [shape[0] ?? null, this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const reference = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return drawNoise(reference.shape[0] ?? 1, this.size, this.distribution);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size, distribution: this.distribution };
  }
}
tf.serialization.registerClass(NoiseLayer, 'Netwright');

export const noise = defineLayer({
  type: 'Noise',
  kind: 'layer',
  category: 'Generative',
  description:
    "Latent noise for a generator: [batch, size] drawn fresh at every step (normal or uniform), as many rows as the tensor at its 'batch' input has. Seeded by the run's seed. No parameters.",
  params: {
    size: param.int({ default: 16, min: 1, max: 4096, label: 'Size', help: 'Length of each noise vector (the latent dimension).', card: true }),
    distribution: param.enum({
      options: NOISE_DISTRIBUTIONS,
      default: 'normal',
      label: 'Distribution',
      help: "'normal': N(0, 1) per component (DCGAN); 'uniform': U(-1, 1) per component (the original GAN paper, GAN Lab).",
      card: true,
    }),
  },
  inputs: [{ name: 'batch', help: 'Any tensor whose first dimension is the batch (usually the real samples): only its batch size is used.' }],
  outputs: [{ name: 'out', role: 'noise', help: 'Noise [batch, size].' }],
  backendExamples: [
    { params: { size: 3, distribution: 'normal' }, inputs: { batch: oneInput([2]) }, noGradient: true },
    { params: { size: 2, distribution: 'uniform' }, inputs: { batch: oneInput([4, 3]) }, noGradient: true },
  ],
  inferShapes(ctx) {
    const batch = inputShape(ctx, 'batch');
    requireRank(batch, { min: 1 }, 'Noise', '', 'batch');
    return { out: [batch[0] ?? null, ctx.params.size] };
  },
  countParams: () => NO_PARAMS,
  // One random draw per value, counted as one operation.
  flops: (ctx) => ctx.params.size,
  build(ctx) {
    const layer = new NoiseLayer({ name: ctx.name, size: ctx.params.size, distribution: ctx.params.distribution });
    return { out: layer.apply(inputTensor(ctx, 'batch')) as SymbolicTensor };
  },
});
