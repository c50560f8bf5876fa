/**
 * Multi-head attention with Keras' weights: per-head query/key/value projections, scaled dot
 * product, softmax over source positions, and an output projection back to the query's size.
 * Weight shapes and order are those of keras.layers.MultiHeadAttention, so the parameter count is
 * the same and Keras weights could be loaded one to one.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, oneInput, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import type { Shape } from '../../../shapes/shape';
import { atSlot, checkKeyMask, configBoolean, configNumber, configSlots, dedupeInputs, maskedSoftmax, requireSameLength, requireSequence, shapeList, tensorList, type BaseLayerArgs } from './common';

export interface MultiHeadAttentionLayerArgs extends BaseLayerArgs {
  numHeads: number;
  keyDim: number;
  valueDim: number;
  /** Size of the output's last axis; 0 = the query's last dimension (Keras' default). */
  outputDim: number;
  useBias: boolean;
  causal: boolean;
  /** Rate of dropout on the attention weights, in training only. */
  dropout: number;
  /**
   * Position in the layer's input list of [query, value, key, mask]; -1 for an unwired key (the
   * value is the key) or mask. The same tensor wired to two roles is passed once (see
   * dedupeInputs). Default [0, 1, -1, -1].
   */
  inputSlots?: number[];
}

export interface MhaSizes {
  dq: number;
  dk: number;
  dv: number;
  numHeads: number;
  keyDim: number;
  valueDim: number;
  outputDim: number;
  useBias: boolean;
}

/** Keras' weights in its order: query, key, value, output (each kernel then bias). */
export function mhaWeightShapes(s: MhaSizes): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  const projection = (name: string, dIn: number, headDim: number) => {
    out.push({ name: `${name}/kernel`, shape: [dIn, s.numHeads, headDim] });
    if (s.useBias) out.push({ name: `${name}/bias`, shape: [s.numHeads, headDim] });
  };
  projection('query', s.dq, s.keyDim);
  projection('key', s.dk, s.keyDim);
  projection('value', s.dv, s.valueDim);
  out.push({ name: 'attention_output/kernel', shape: [s.numHeads, s.valueDim, s.outputDim] });
  if (s.useBias) out.push({ name: 'attention_output/bias', shape: [s.outputDim] });
  return out;
}

export function mhaParamCount(s: MhaSizes): number {
  return mhaWeightShapes(s).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** Forward FLOPs per sample (multiply-add = 2) for Tq query and Tv source steps. */
export function mhaFlops(s: MhaSizes, tq: number, tv: number): number {
  const projections = 2 * s.numHeads * (tq * s.dq * s.keyDim + tv * s.dk * s.keyDim + tv * s.dv * s.valueDim);
  const attend = 2 * s.numHeads * tq * tv * (s.keyDim + s.valueDim); // q·k and weights·v
  return projections + attend + 2 * tq * s.numHeads * s.valueDim * s.outputDim;
}

/**
 * Inputs (by `inputSlots`): query [B, Tq, dq], value [B, Tv, dv], key? [B, Tv, dk], mask? [B, Tv].
 * Outputs: [out [B, Tq, outputDim], weights [B, heads, Tq, Tv]].
 */
export class MultiHeadAttentionLayer extends tfl.layers.Layer {
  static className = 'NetwrightMultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly outputDim: number;
  readonly useBias: boolean;
  readonly causal: boolean;
  readonly dropout: number;
  readonly inputSlots: number[];
  private weightsByName = new Map<string, tfl.LayerVariable>();

  constructor(args: MultiHeadAttentionLayerArgs) {
    super(args);
    const config = args as unknown as Record<string, unknown>;
    this.numHeads = configNumber(config, 'numHeads', 1);
    this.keyDim = configNumber(config, 'keyDim', 1);
    this.valueDim = configNumber(config, 'valueDim', this.keyDim);
    this.outputDim = configNumber(config, 'outputDim', 0);
    this.useBias = configBoolean(config, 'useBias', true);
    this.causal = configBoolean(config, 'causal', false);
    this.dropout = configNumber(config, 'dropout', 0);
    this.inputSlots = configSlots(config, [0, 1, -1, -1]);
  }

  /** The value is the key when no key is wired. */
  private keySlot(): number | undefined {
    const k = this.inputSlots[2] ?? -1;
    return k >= 0 ? k : this.inputSlots[1];
  }

  private sizes(shapes: tfl.Shape[]): MhaSizes {
    const dq = atSlot(shapes, this.inputSlots[0], 'MultiHeadAttention query')[2];
    const dv = atSlot(shapes, this.inputSlots[1], 'MultiHeadAttention value')[2];
    const dk = atSlot(shapes, this.keySlot(), 'MultiHeadAttention key')[2];
    if (typeof dq !== 'number' || typeof dv !== 'number' || typeof dk !== 'number') {
      throw new Error('MultiHeadAttention: query, value and key need known last dimensions');
    }
    return {
      dq,
      dk,
      dv,
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      outputDim: this.outputDim > 0 ? this.outputDim : dq,
      useBias: this.useBias,
    };
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    for (const { name, shape } of mhaWeightShapes(this.sizes(shapeList(inputShape)))) {
      const init = name.endsWith('bias') ? tfl.initializers.zeros() : tfl.initializers.glorotUniform({});
      this.weightsByName.set(name, this.addWeight(name, shape, 'float32', init));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const shapes = shapeList(inputShape);
    const q = atSlot(shapes, this.inputSlots[0], 'MultiHeadAttention query');
    const v = atSlot(shapes, this.inputSlots[1], 'MultiHeadAttention value');
    const outputDim = this.outputDim > 0 ? this.outputDim : (q[2] ?? null);
    return [
      [q[0] ?? null, q[1] ?? null, outputDim],
      [q[0] ?? null, this.numHeads, q[1] ?? null, v[1] ?? null],
    ];
  }

  private weight(name: string): tf.Tensor {
    const w = this.weightsByName.get(name);
    if (!w) throw new Error(`MultiHeadAttention: weight ${name} missing; was the layer built?`);
    return w.read();
  }

  /** x [B, T, d] -> per-head projection [B, heads, T, headDim]. */
  private projectHeads(x: tf.Tensor, name: string, headDim: number): tf.Tensor {
    const [batch, time, d] = x.shape as [number, number, number];
    let y = tf.matMul(tf.reshape(x, [batch * time, d]), tf.reshape(this.weight(`${name}/kernel`), [d, this.numHeads * headDim]));
    if (this.useBias) y = tf.add(y, tf.reshape(this.weight(`${name}/bias`), [this.numHeads * headDim]));
    return tf.transpose(tf.reshape(y, [batch, time, this.numHeads, headDim]), [0, 2, 1, 3]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor[] {
    return tf.tidy(() => {
      const list = tensorList(inputs);
      const query = atSlot(list, this.inputSlots[0], 'MultiHeadAttention query');
      const value = atSlot(list, this.inputSlots[1], 'MultiHeadAttention value');
      const key = atSlot(list, this.keySlot(), 'MultiHeadAttention key');
      const maskSlot = this.inputSlots[3] ?? -1;
      const mask = maskSlot >= 0 ? list[maskSlot] : undefined;
      const q = tf.mul(this.projectHeads(query, 'query', this.keyDim), 1 / Math.sqrt(this.keyDim));
      const k = this.projectHeads(key, 'key', this.keyDim);
      const v = this.projectHeads(value, 'value', this.valueDim);
      const weights = maskedSoftmax(tf.matMul(q, k, false, true), this.causal, mask, 1); // [B, H, Tq, Tv]
      // Keras returns the weights before dropout; dropout only changes what is averaged.
      const dropped = kwargs['training'] === true && this.dropout > 0 ? tf.dropout(weights, this.dropout) : weights;
      const heads = tf.matMul(dropped, v); // [B, H, Tq, valueDim]
      const [batch, , tq] = heads.shape as [number, number, number, number];
      const outputKernel = this.weight('attention_output/kernel');
      const outputDim = outputKernel.shape[2] as number;
      const merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [batch * tq, this.numHeads * this.valueDim]);
      let out = tf.matMul(merged, tf.reshape(outputKernel, [this.numHeads * this.valueDim, outputDim]));
      if (this.useBias) out = tf.add(out, this.weight('attention_output/bias'));
      return [tf.reshape(out, [batch, tq, outputDim]), weights];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      outputDim: this.outputDim,
      useBias: this.useBias,
      causal: this.causal,
      dropout: this.dropout,
      inputSlots: this.inputSlots,
    };
  }
}
tf.serialization.registerClass(MultiHeadAttentionLayer);

export const mhaParams = {
  numHeads: param.int({ default: 4, min: 1, max: 256, label: 'Heads', help: 'Number of attention heads.', card: true }),
  keyDim: param.int({
    default: 16,
    min: 1,
    max: 4096,
    label: 'Key size',
    help: 'Size of each head\'s query and key projections (Keras key_dim). Scores are divided by sqrt(key size).',
    card: true,
  }),
  valueDim: param.int({
    default: 0,
    min: 0,
    max: 4096,
    label: 'Value size',
    help: "Size of each head's value projection (Keras value_dim). 0 = same as the key size.",
  }),
  outputDim: param.int({
    default: 0,
    min: 0,
    max: 100_000,
    label: 'Output size',
    help: "Last dimension of the output (Keras output_shape). 0 = the query's last dimension, so the output can be added back to the query.",
  }),
  useBias: param.bool({ default: true, label: 'Use bias', help: 'Biases in the four projections (query, key, value, output).' }),
  causal: param.bool({
    default: false,
    label: 'Causal mask',
    help: 'Query step i only attends to steps j <= i (decoder self-attention: no peeking at the future).',
  }),
  dropout: param.float({
    default: 0,
    min: 0,
    max: 0.99,
    label: 'Attention dropout',
    help: 'Probability of DROPPING an attention weight during training (Keras convention). The weights output is before dropout.',
  }),
} as const;

export const multiHeadAttention = defineLayer({
  type: 'MultiHeadAttention',
  kind: 'layer',
  category: 'Attention',
  description: 'Multi-head scaled dot-product attention (Transformer), with the same weights as Keras MultiHeadAttention.',
  params: mhaParams,
  inputs: [
    { name: 'query', help: 'Sequence that attends [batch, Tq, dq]. Wire the same sequence to query and value for self-attention.' },
    { name: 'value', help: 'Sequence attended to [batch, Tv, dv].' },
    { name: 'key', optional: true, help: 'Keys [batch, Tv, dk]; defaults to the value.' },
    { name: 'mask', optional: true, help: 'Optional padding mask [batch, Tv]: 1 for a real token, 0 for padding.' },
  ],
  outputs: [
    { name: 'out', help: 'Attention output [batch, Tq, output size].' },
    { name: 'weights', role: 'attention', help: 'Attention weights per head [batch, heads, Tq, Tv]; rows sum to 1.' },
  ],
  backendExamples: [
    {
      params: { numHeads: 2, keyDim: 2, valueDim: 3, causal: true },
      inputs: { query: oneInput([3, 4]), value: oneInput([4, 2]), key: oneInput([4, 3]), mask: [{ shape: [4], kind: 'mask' }] },
    },
  ],
  inferShapes(ctx) {
    const q = requireSequence(inputShape(ctx, 'query'), 'MultiHeadAttention', 'query');
    const v = requireSequence(inputShape(ctx, 'value'), 'MultiHeadAttention', 'value');
    const keyShape = ctx.inputs['key']?.[0];
    if (keyShape) {
      const k = requireSequence(keyShape, 'MultiHeadAttention', 'key');
      requireSameLength(v.time, k.time, 'MultiHeadAttention', 'value', 'key');
    }
    const mask = ctx.inputs['mask']?.[0];
    if (mask) checkKeyMask(mask, v.time, 'MultiHeadAttention');
    const outputDim = ctx.params.outputDim > 0 ? ctx.params.outputDim : q.features;
    return { out: [null, q.time, outputDim], weights: [null, ctx.params.numHeads, q.time, v.time] };
  },
  countParams(ctx) {
    return { trainable: mhaParamCount(mhaSizesOf(ctx.params, ctx.inputs)), nonTrainable: 0 };
  },
  flops(ctx) {
    // Symbolic lengths count as 1 step, as in Dense.
    return mhaFlops(mhaSizesOf(ctx.params, ctx.inputs), inputShape(ctx, 'query')[1] ?? 1, inputShape(ctx, 'value')[1] ?? 1);
  },
  build({ params, name, inputs }) {
    const ctx = { params, name, inputs };
    const { unique, slots } = dedupeInputs([inputTensor(ctx, 'query'), inputTensor(ctx, 'value'), inputs['key']?.[0], inputs['mask']?.[0]]);
    const layer = new MultiHeadAttentionLayer({ name, ...mhaLayerOptions(params), inputSlots: slots });
    const [out, weights] = layer.apply(unique) as SymbolicTensor[];
    if (!out || !weights) throw new Error('MultiHeadAttention: tfjs returned fewer outputs than declared');
    return { out, weights };
  },
});

type MhaParamValues = Pick<MultiHeadAttentionLayerArgs, 'numHeads' | 'keyDim' | 'valueDim' | 'outputDim' | 'useBias' | 'causal' | 'dropout'>;

export function mhaLayerOptions(p: MhaParamValues) {
  return {
    numHeads: p.numHeads,
    keyDim: p.keyDim,
    valueDim: p.valueDim > 0 ? p.valueDim : p.keyDim,
    outputDim: p.outputDim,
    useBias: p.useBias,
    causal: p.causal,
    dropout: p.dropout,
  };
}

export function mhaSizesOf(p: MhaParamValues, inputs: Readonly<Record<string, readonly Shape[]>>): MhaSizes {
  const ctx = { params: p, inputs };
  const dq = requireSequence(inputShape(ctx, 'query'), 'MultiHeadAttention', 'query').features;
  const dv = requireSequence(inputShape(ctx, 'value'), 'MultiHeadAttention', 'value').features;
  const keyShape = inputs['key']?.[0];
  const dk = keyShape ? requireSequence(keyShape, 'MultiHeadAttention', 'key').features : dv;
  const o = mhaLayerOptions(p);
  return { dq, dk, dv, numHeads: o.numHeads, keyDim: o.keyDim, valueDim: o.valueDim, outputDim: o.outputDim > 0 ? o.outputDim : dq, useBias: o.useBias };
}
