/**
 * A RealNVP-style affine coupling block on a vector, as a registered custom layer (saves and loads
 * with `tf.loadLayersModel`). With x = [x1, x2]:
 *   y1 = exp(G(x2)) · x1 + F(x2),   y2 = exp(s) · x2,   log|det J| = Σ G(x2) + Σ s,
 * where G and F are one-hidden-layer MLPs of x2 and s is a learned vector. The block is invertible
 * whatever G and F are: x2 = y2 · exp(-s), x1 = (y1 - F(x2)) · exp(-G(x2)).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, oneInput, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { lastDim, requireRank, ShapeError, type Shape } from '../../../shapes/shape';

type TfjsShape = (number | null)[];
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type LayerVariable = tfl.LayerVariable;
export type CouplingHiddenActivation = 'relu' | 'tanh';

export interface AffineCouplingArgs extends LayerArgs {
  /** Size of x1 (the transformed part); 0 = half of the input, rounded down. */
  split?: number;
  hiddenUnits: number;
  hiddenActivation?: CouplingHiddenActivation;
  /** Pass G through tanh so exp(G) stays in [1/e, e]. */
  scaleTanh?: boolean;
}

/** Size of x1 for an input of `size` values; throws with an actionable message when impossible. */
export function couplingSplit(size: number, split: number): { x1: number; x2: number } {
  const x1 = split === 0 ? Math.floor(size / 2) : split;
  if (size < 2 || x1 < 1 || x1 >= size) {
    throw new ShapeError(
      size < 2
        ? `AffineCoupling needs at least 2 input values to split into x1 and x2 but got ${size}`
        : `AffineCoupling split ${split} must leave both parts non-empty: choose 1..${size - 1}, or 0 for half`,
      'in',
    );
  }
  return { x1, x2: size - x1 };
}

/** Trainable values: G and F each have kernels [x2, h] and [h, x1] with biases, plus s [x2]. */
export function couplingParamCount(x1: number, x2: number, hidden: number): number {
  return 2 * (x2 * hidden + hidden + hidden * x1 + x1) + x2;
}

interface Mlp {
  kernel1: LayerVariable;
  bias1: LayerVariable;
  kernel2: LayerVariable;
  bias2: LayerVariable;
}

export class AffineCouplingLayer extends tfl.layers.Layer {
  static readonly className = 'NetwrightAffineCoupling';
  readonly split: number;
  readonly hiddenUnits: number;
  readonly hiddenActivation: CouplingHiddenActivation;
  readonly scaleTanh: boolean;
  private sizes: { x1: number; x2: number } | null = null;
  private g: Mlp | null = null;
  private f: Mlp | null = null;
  private logScale: LayerVariable | null = null;

  constructor(args: AffineCouplingArgs) {
    super(args);
    this.split = args.split ?? 0;
    this.hiddenUnits = args.hiddenUnits;
    this.hiddenActivation = args.hiddenActivation ?? 'relu';
    this.scaleTanh = args.scaleTanh ?? true;
  }

  override build(inputShape: TfjsShape | TfjsShape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as TfjsShape;
    const size = shape[shape.length - 1];
    if (shape.length !== 2 || size == null) throw new Error(`AffineCoupling takes [batch, features] with known features, got [${shape.join(', ')}]`);
    const sizes = couplingSplit(size, this.split);
    const glorot = tfl.initializers.glorotUniform({});
    const zeros = tfl.initializers.zeros();
    // The output layers of G and F and s start at zero: the block starts as the identity (as in Glow).
    const mlp = (prefix: string): Mlp => ({
      kernel1: this.addWeight(`${prefix}_kernel1`, [sizes.x2, this.hiddenUnits], 'float32', glorot),
      bias1: this.addWeight(`${prefix}_bias1`, [this.hiddenUnits], 'float32', zeros),
      kernel2: this.addWeight(`${prefix}_kernel2`, [this.hiddenUnits, sizes.x1], 'float32', zeros),
      bias2: this.addWeight(`${prefix}_bias2`, [sizes.x1], 'float32', zeros),
    });
    this.g = mlp('g');
    this.f = mlp('f');
    this.logScale = this.addWeight('log_scale', [sizes.x2], 'float32', zeros);
    this.sizes = sizes;
    this.built = true;
  }

  override computeOutputShape(inputShape: TfjsShape | TfjsShape[]): TfjsShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as TfjsShape;
    return [[shape[0] ?? null, shape[1] ?? null], [shape[0] ?? null, 1]];
  }

  private parts(): { sizes: { x1: number; x2: number }; g: Mlp; f: Mlp; logScale: LayerVariable } {
    if (!this.sizes || !this.g || !this.f || !this.logScale) throw new Error('AffineCoupling is not built yet');
    return { sizes: this.sizes, g: this.g, f: this.f, logScale: this.logScale };
  }

  private runMlp(mlp: Mlp, x2: tf.Tensor): tf.Tensor2D {
    const pre = tf.add(tf.matMul(x2 as tf.Tensor2D, mlp.kernel1.read() as tf.Tensor2D), mlp.bias1.read());
    const hidden = this.hiddenActivation === 'tanh' ? tf.tanh(pre) : tf.relu(pre);
    return tf.add(tf.matMul(hidden as tf.Tensor2D, mlp.kernel2.read() as tf.Tensor2D), mlp.bias2.read()) as tf.Tensor2D;
  }

  /** G(x2) (tanh-bounded when scaleTanh) and F(x2). */
  private scaleAndShift(x2: tf.Tensor): { logScale1: tf.Tensor; shift: tf.Tensor } {
    const { g, f } = this.parts();
    const raw = this.runMlp(g, x2);
    return { logScale1: this.scaleTanh ? tf.tanh(raw) : raw, shift: this.runMlp(f, x2) };
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const { sizes, logScale } = this.parts();
      const [x1, x2] = tf.split(x, [sizes.x1, sizes.x2], 1) as [tf.Tensor2D, tf.Tensor2D];
      const { logScale1, shift } = this.scaleAndShift(x2);
      const s = logScale.read();
      const y1 = tf.add(tf.mul(tf.exp(logScale1), x1), shift);
      const y2 = tf.mul(tf.exp(s), x2);
      const logDet = tf.add(tf.sum(logScale1, 1, true), tf.sum(s));
      return [tf.concat([y1, y2], 1), logDet];
    });
  }

  /** The inverse pass: x from y = [y1, y2] (for sampling: push z ~ N(0, I) back through the flow). */
  inverse(y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { sizes, logScale } = this.parts();
      const [y1, y2] = tf.split(y, [sizes.x1, sizes.x2], 1) as [tf.Tensor2D, tf.Tensor2D];
      const x2 = tf.mul(y2, tf.exp(tf.neg(logScale.read())));
      const { logScale1, shift } = this.scaleAndShift(x2);
      const x1 = tf.mul(tf.sub(y1, shift), tf.exp(tf.neg(logScale1)));
      return tf.concat([x1, x2], 1) as tf.Tensor2D;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      split: this.split,
      hiddenUnits: this.hiddenUnits,
      hiddenActivation: this.hiddenActivation,
      scaleTanh: this.scaleTanh,
    };
  }
}
tf.serialization.registerClass(AffineCouplingLayer, 'Netwright');

function vectorInput(x: Shape): number {
  requireRank(x, 2, 'AffineCoupling', 'it couples the halves of a vector [batch, features]; add a Flatten first', 'in');
  return lastDim(x, 'AffineCoupling', 'in');
}

export const affineCoupling = defineLayer({
  type: 'AffineCoupling',
  kind: 'layer',
  category: 'Generative',
  description:
    'Normalizing-flow coupling block on x = [x1, x2]: y1 = exp(G(x2))·x1 + F(x2), y2 = exp(s)·x2, with log|det J| = ΣG(x2) + Σs per sample. Invertible.',
  params: {
    split: param.int({
      default: 0,
      min: 0,
      max: 1_000_000,
      label: 'Split',
      help: 'Size of x1, the part that is scaled and shifted (the first values of the vector). 0: half of the input, rounded down.',
    }),
    hiddenUnits: param.int({
      default: 64,
      min: 1,
      max: 100_000,
      label: 'Hidden units',
      help: 'Width of the hidden layer of G and of F (each is x2 -> hidden -> x1).',
      card: true,
    }),
    hiddenActivation: param.enum({
      options: ['relu', 'tanh'],
      default: 'relu',
      label: 'Hidden activation',
      help: 'Activation of the hidden layer of G and F.',
    }),
    scaleTanh: param.bool({
      default: true,
      label: 'Bound the scale',
      help: 'Pass G through tanh, so each factor exp(G) stays in [1/e, e]: keeps early training stable. Off: G is unbounded.',
    }),
  },
  inputs: [{ name: 'in', help: 'A vector per sample, [batch, features] (at least 2 features).' }],
  outputs: [
    { name: 'out', help: 'y = [y1, y2], shaped like the input.' },
    { name: 'logDet', label: 'log|det J|', help: 'Log-determinant of the Jacobian per sample, [batch, 1]; a flow\'s NLL subtracts it.' },
  ],
  backendExamples: [{ params: { hiddenUnits: 4, hiddenActivation: 'tanh' }, inputs: { in: oneInput([5]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    const size = vectorInput(x);
    couplingSplit(size, ctx.params.split);
    return { out: [null, size], logDet: [null, 1] };
  },
  countParams(ctx) {
    const size = vectorInput(inputShape(ctx));
    const { x1, x2 } = couplingSplit(size, ctx.params.split);
    return { trainable: couplingParamCount(x1, x2, ctx.params.hiddenUnits), nonTrainable: 0 };
  },
  flops(ctx) {
    const size = vectorInput(inputShape(ctx));
    const { x1, x2 } = couplingSplit(size, ctx.params.split);
    return 2 * 2 * (x2 * ctx.params.hiddenUnits + ctx.params.hiddenUnits * x1);
  },
  build(ctx) {
    const layer = new AffineCouplingLayer({
      name: ctx.name,
      split: ctx.params.split,
      hiddenUnits: ctx.params.hiddenUnits,
      hiddenActivation: ctx.params.hiddenActivation,
      scaleTanh: ctx.params.scaleTanh,
    });
    const [out, logDet] = layer.apply(inputTensor(ctx)) as SymbolicTensor[];
    if (!out || !logDet) throw new Error('AffineCoupling: expected two outputs');
    return { out, logDet };
  },
});

