/**
 * The VAE reparameterisation z = mu + exp(logvar / 2) · eps, eps ~ N(0, I): a registered custom
 * layer (tfjs has none), so models that contain it save and load with `tf.loadLayersModel`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, NO_PARAMS, oneInput, type PortSpec, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { dimsCompatible, formatShape, lastDim, requireRank, ShapeError } from '../../../shapes/shape';

type TfjsShape = (number | null)[];
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type CallKwargs = Parameters<tfl.layers.Layer['call']>[1];

/** z = mu + exp(logvar / 2) · eps; differentiable in mu and logvar (eps is a constant). */
export function reparameterize(mu: tf.Tensor, logvar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)));
}

export interface SamplingLayerArgs extends LayerArgs {
  /** Output mu instead of a sample when not training (predict, evaluate). */
  deterministic?: boolean;
}

export class SamplingLayer extends tfl.layers.Layer {
  static readonly className = 'NetwrightSampling';
  readonly deterministic: boolean;

  constructor(args: SamplingLayerArgs = {}) {
    super(args);
    this.deterministic = args.deterministic ?? false;
  }

  override computeOutputShape(inputShape: TfjsShape | TfjsShape[]): TfjsShape {
    const [mu, logvar] = inputShape as TfjsShape[];
    if (!mu || !logvar) throw new Error('Sampling takes two inputs: [mu, logvar]');
    return mu.map((d, i) => d ?? logvar[i] ?? null);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('Sampling takes two inputs: [mu, logvar]');
      const [mu, logvar] = inputs as [tf.Tensor, tf.Tensor];
      const training = kwargs?.['training'] === true;
      if (this.deterministic && !training) return tf.clone(mu);
      return reparameterize(mu, logvar, tf.randomNormal(mu.shape));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), deterministic: this.deterministic };
  }
}
tf.serialization.registerClass(SamplingLayer, 'Netwright');

const PORTS: readonly PortSpec[] = [
  { name: 'mu', help: 'Mean of the approximate posterior q(z|x), [batch, latent] (a linear Dense head of the encoder).' },
  { name: 'logvar', help: 'Log-variance ln(sigma²) of q(z|x), shaped like mu (a second linear Dense head).' },
];

export const sampling = defineLayer({
  type: 'Sampling',
  kind: 'layer',
  category: 'Generative',
  description:
    'VAE reparameterisation: z = mu + exp(logvar / 2) · eps with fresh eps ~ N(0, I) at every call, so gradients reach mu and logvar. No parameters.',
  params: {
    deterministic: param.bool({
      default: false,
      label: 'Mean at inference',
      help:
        "Off (Keras' VAE example): z is sampled in training AND inference, so encoding the same input twice gives different z. " +
        'On: training still samples, but predict/evaluate output z = mu, which gives stable reconstructions and latent plots.',
      card: true,
    }),
  },
  inputs: PORTS,
  outputs: [{ name: 'z', role: 'sampler', help: 'A latent sample, shaped like mu.' }],
  backendExamples: [{ params: {}, inputs: { mu: oneInput([3]), logvar: oneInput([3]) } }],
  inferShapes(ctx) {
    const mu = inputShape(ctx, 'mu');
    const logvar = inputShape(ctx, 'logvar');
    requireRank(mu, { min: 2 }, 'Sampling', '', 'mu');
    lastDim(mu, 'Sampling', 'mu');
    if (mu.length !== logvar.length || !mu.every((d, i) => dimsCompatible(d, logvar[i] ?? null))) {
      throw new ShapeError(
        `Sampling needs logvar shaped like mu ${formatShape(mu)} but got ${formatShape(logvar)}; give the two encoder heads the same number of units`,
        'logvar',
      );
    }
    return { z: mu.map((d, i) => d ?? logvar[i] ?? null) };
  },
  countParams: () => NO_PARAMS,
  // exp, multiply, add per latent value: negligible, counted as 3 operations each.
  flops(ctx) {
    const mu = inputShape(ctx, 'mu');
    return 3 * mu.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  },
  build(ctx) {
    const layer = new SamplingLayer({ name: ctx.name, deterministic: ctx.params.deterministic });
    return { z: layer.apply([inputTensor(ctx, 'mu'), inputTensor(ctx, 'logvar')]) as SymbolicTensor };
  },
});
