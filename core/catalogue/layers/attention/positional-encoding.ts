/**
 * Sinusoidal positional encoding (Vaswani et al. 2017), added to the input:
 *   PE(t, 2i) = sin(t / base^(2i/d)),  PE(t, 2i+1) = cos(t / base^(2i/d)),  base = 10000.
 * No weights; works for any sequence length, since the table is computed for the length at hand.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { configNumber, requireSequence, type BaseLayerArgs } from './common';

/** The [length, depth] table, row t = the encoding of position t. */
export function sinusoidalTable(length: number, depth: number, base = 10_000): Float32Array {
  const table = new Float32Array(length * depth);
  for (let t = 0; t < length; t++) {
    for (let k = 0; k < depth; k++) {
      const pair = Math.floor(k / 2);
      const angle = t / Math.pow(base, (2 * pair) / depth);
      table[t * depth + k] = k % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}

export interface PositionalEncodingLayerArgs extends BaseLayerArgs {
  base: number;
}

export class PositionalEncodingLayer extends tfl.layers.Layer {
  static className = 'NetwrightPositionalEncoding';
  readonly base: number;
  /** The last table computed (plain numbers, not a tensor, so nothing to dispose). */
  private cached: { length: number; depth: number; table: Float32Array } | undefined;

  constructor(args: PositionalEncodingLayerArgs) {
    super(args);
    this.base = configNumber(args as unknown as Record<string, unknown>, 'base', 10_000);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x) throw new Error('PositionalEncoding expects one input');
      const [, length, depth] = x.shape as [number, number, number];
      if (!this.cached || this.cached.length !== length || this.cached.depth !== depth) {
        this.cached = { length, depth, table: sinusoidalTable(length, depth, this.base) };
      }
      return tf.add(x, tf.tensor2d(this.cached.table, [length, depth]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), base: this.base };
  }
}
tf.serialization.registerClass(PositionalEncodingLayer);

export const positionalEncoding = defineLayer({
  type: 'PositionalEncoding',
  kind: 'layer',
  category: 'Attention',
  description: 'Adds the fixed sinusoidal position signal of the Transformer paper to a sequence [batch, T, d]. No weights.',
  params: {
    base: param.float({
      default: 10_000,
      min: 1,
      exclusiveMin: true,
      max: 1e9,
      label: 'Base wavelength',
      help: 'PE(t, 2i) = sin(t / base^(2i/d)), PE(t, 2i+1) = cos(t / base^(2i/d)); the paper uses 10000.',
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  backendExamples: [{ params: {}, inputs: { in: oneInput([4, 6]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireSequence(x, 'PositionalEncoding', 'in');
    return { out: x };
  },
  countParams: () => NO_PARAMS,
  flops(ctx) {
    const x = inputShape(ctx);
    return (x[1] ?? 1) * (x[2] ?? 1);
  },
  build({ params, name, inputs }) {
    const layer = new PositionalEncodingLayer({ name, base: params.base });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
