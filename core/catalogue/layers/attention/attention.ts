/**
 * Attention of a decoder over encoder states (Luong / Bahdanau), the seq2seq kind: each query
 * position gets a softmax distribution over source positions and the weighted sum of the values.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, oneInput, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { ShapeError } from '../../../shapes/shape';
import { additiveScores } from './additive-scores';
import { atSlot, checkKeyMask, configBoolean, configNumber, configSlots, dedupeInputs, maskedSoftmax, project, requireSequence, shapeList, tensorList, type BaseLayerArgs } from './common';

export const ATTENTION_SCORES = ['dot', 'general', 'additive', 'scaledDot'] as const;
export type AttentionScore = (typeof ATTENTION_SCORES)[number];

export interface AttentionLayerArgs extends BaseLayerArgs {
  score: AttentionScore;
  /** Hidden size of the additive (Bahdanau) score; unused by the other scores. */
  units: number;
  causal: boolean;
  /**
   * Position in the layer's input list of [query, values, mask] (-1: no mask); the same tensor
   * wired to two roles is passed once (see dedupeInputs). Default [0, 1, -1].
   */
  inputSlots?: number[];
}

function isScore(v: unknown): v is AttentionScore {
  return typeof v === 'string' && (ATTENTION_SCORES as readonly string[]).includes(v);
}

/** Trainable weights per score type, in the order `getWeights()` returns them. */
export function attentionWeightShapes(score: AttentionScore, dq: number, dv: number, units: number): number[][] {
  switch (score) {
    case 'dot':
    case 'scaledDot':
      return [];
    case 'general':
      return [[dq, dv]]; // W in q^T W h
    case 'additive':
      return [[dv, units], [dq, units], [units]]; // W1 (values), W2 (query), v
  }
}

/**
 * Inputs (by `inputSlots`): query [B, Tq, dq], values [B, Tv, dv], optional mask [B, Tv].
 * Outputs: [context [B, Tq, dv], weights [B, Tq, Tv]].
 */
export class AttentionLayer extends tfl.layers.Layer {
  static className = 'NetwrightAttention';
  readonly score: AttentionScore;
  readonly units: number;
  readonly causal: boolean;
  readonly inputSlots: number[];
  private kernels: tfl.LayerVariable[] = [];

  constructor(args: AttentionLayerArgs) {
    super(args);
    const config = args as unknown as Record<string, unknown>;
    const score = config['score'];
    if (!isScore(score)) throw new Error(`Attention: unknown score "${String(score)}"; use one of ${ATTENTION_SCORES.join(', ')}`);
    this.score = score;
    this.units = configNumber(config, 'units', 32);
    this.causal = configBoolean(config, 'causal', false);
    this.inputSlots = configSlots(config, [0, 1, -1]);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = shapeList(inputShape);
    const dq = atSlot(shapes, this.inputSlots[0], 'Attention query')[2];
    const dv = atSlot(shapes, this.inputSlots[1], 'Attention values')[2];
    if (typeof dq !== 'number' || typeof dv !== 'number') throw new Error('Attention: query and values need known last dimensions');
    const names = this.score === 'general' ? ['kernel'] : ['values_kernel', 'query_kernel', 'score_vector'];
    this.kernels = attentionWeightShapes(this.score, dq, dv, this.units).map((shape, i) =>
      this.addWeight(names[i] ?? `w${i}`, shape, 'float32', tfl.initializers.glorotUniform({})),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const shapes = shapeList(inputShape);
    const q = atSlot(shapes, this.inputSlots[0], 'Attention query');
    const v = atSlot(shapes, this.inputSlots[1], 'Attention values');
    return [
      [q[0] ?? null, q[1] ?? null, v[2] ?? null],
      [q[0] ?? null, q[1] ?? null, v[1] ?? null],
    ];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const list = tensorList(inputs);
      const query = atSlot(list, this.inputSlots[0], 'Attention query');
      const values = atSlot(list, this.inputSlots[1], 'Attention values');
      const maskSlot = this.inputSlots[2] ?? -1;
      const mask = maskSlot >= 0 ? list[maskSlot] : undefined;
      const weights = maskedSoftmax(this.scores(query, values), this.causal, mask);
      return [tf.matMul(weights, values), weights];
    });
  }

  /** Unnormalised scores [B, Tq, Tv]. */
  private scores(query: tf.Tensor, values: tf.Tensor): tf.Tensor {
    const read = (i: number): tf.Tensor => {
      const w = this.kernels[i];
      if (!w) throw new Error(`Attention: weight ${i} missing; was the layer built?`);
      return w.read();
    };
    switch (this.score) {
      case 'dot':
        return tf.matMul(query, values, false, true);
      case 'scaledDot':
        return tf.div(tf.matMul(query, values, false, true), Math.sqrt(query.shape[2] as number));
      case 'general':
        return tf.matMul(project(query, read(0)), values, false, true);
      case 'additive':
        // v^T tanh(W1 h + W2 q): one fused op on cpu, tfjs' kernels elsewhere (additive-scores.ts).
        return additiveScores(project(query, read(1)), project(values, read(0)), read(2));
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), score: this.score, units: this.units, causal: this.causal, inputSlots: this.inputSlots };
  }
}
tf.serialization.registerClass(AttentionLayer);

export const attention = defineLayer({
  type: 'Attention',
  kind: 'layer',
  category: 'Attention',
  description:
    'Seq2seq attention: for each query (decoder) step, softmax weights over the source (encoder) steps and their weighted sum.',
  params: {
    score: param.enum({
      options: ATTENTION_SCORES,
      default: 'dot',
      label: 'Score',
      help:
        "How a query q is compared with a source state h: 'dot' q·h (Luong; same sizes), 'general' q^T W h (Luong; W is dq x dv), " +
        "'additive' v^T tanh(W1 h + W2 q) (Bahdanau), 'scaledDot' q·h / sqrt(d) (Transformer).",
      card: true,
    }),
    units: param.int({
      default: 32,
      min: 1,
      max: 100_000,
      label: 'Additive units',
      help: "Hidden size of the 'additive' score (the rows of W1 and W2). Ignored by the other scores.",
    }),
    causal: param.bool({
      default: false,
      label: 'Causal',
      help: 'Query step i only sees source steps j <= i (for self-attention over the same sequence, so no step sees the future).',
    }),
  },
  inputs: [
    { name: 'query', help: 'Decoder states [batch, Tq, dq]: what is looking.' },
    { name: 'values', help: 'Encoder states [batch, Tv, dv]: used both as keys and as values.' },
    {
      name: 'mask',
      optional: true,
      help: 'Optional padding mask [batch, Tv]: 1 for a real source token, 0 for padding (gets zero weight).',
    },
  ],
  outputs: [
    { name: 'context', help: 'Weighted sum of the values [batch, Tq, dv].' },
    { name: 'weights', role: 'attention', help: 'Attention weights [batch, Tq, Tv]; each row sums to 1. This is the heat map.' },
  ],
  backendExamples: [
    {
      params: { score: 'general', causal: true },
      inputs: { query: oneInput([3, 3]), values: oneInput([4, 3]), mask: [{ shape: [4], kind: 'mask' }] },
    },
    { params: { score: 'additive', units: 3 }, inputs: { query: oneInput([3, 2]), values: oneInput([4, 3]) } },
    // 4 units: Netwright's SIMD kernels on wasm (core/engine/simd).
    { params: { score: 'additive', units: 4 }, inputs: { query: oneInput([3, 2]), values: oneInput([4, 3]) } },
  ],
  inferShapes(ctx) {
    const q = requireSequence(inputShape(ctx, 'query'), 'Attention', 'query');
    const v = requireSequence(inputShape(ctx, 'values'), 'Attention', 'values');
    const { score } = ctx.params;
    if ((score === 'dot' || score === 'scaledDot') && q.features !== v.features) {
      throw new ShapeError(
        `Attention '${score}' needs query and values with the same last dimension but got ${q.features} and ${v.features}; ` +
          "use 'general' or 'additive', or project with a Dense",
        'values',
      );
    }
    const mask = ctx.inputs['mask']?.[0];
    if (mask) checkKeyMask(mask, v.time, 'Attention');
    return { context: [null, q.time, v.features], weights: [null, q.time, v.time] };
  },
  countParams(ctx) {
    const dq = requireSequence(inputShape(ctx, 'query'), 'Attention', 'query').features;
    const dv = requireSequence(inputShape(ctx, 'values'), 'Attention', 'values').features;
    const shapes = attentionWeightShapes(ctx.params.score, dq, dv, ctx.params.units);
    return { trainable: shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0), nonTrainable: 0 };
  },
  flops(ctx) {
    const dq = requireSequence(inputShape(ctx, 'query'), 'Attention', 'query').features;
    const v = requireSequence(inputShape(ctx, 'values'), 'Attention', 'values');
    const tq = ctx.outputs['weights']?.[1] ?? 1;
    const tv = v.time ?? 1;
    const { score, units } = ctx.params;
    const weighting = 2 * tq * tv * v.features; // weights · values
    switch (score) {
      case 'dot':
      case 'scaledDot':
        return weighting + 2 * tq * tv * dq;
      case 'general':
        return weighting + 2 * tq * dq * v.features + 2 * tq * tv * v.features;
      case 'additive':
        return weighting + 2 * tv * v.features * units + 2 * tq * dq * units + 2 * tq * tv * units;
    }
  },
  build({ params, name, inputs }) {
    const query = inputTensor({ params, name, inputs }, 'query');
    const values = inputTensor({ params, name, inputs }, 'values');
    const mask = inputs['mask']?.[0];
    const { unique, slots } = dedupeInputs([query, values, mask]);
    const layer = new AttentionLayer({ name, score: params.score, units: params.units, causal: params.causal, inputSlots: slots });
    const [context, weights] = layer.apply(unique) as SymbolicTensor[];
    if (!context || !weights) throw new Error('Attention: tfjs returned fewer outputs than declared');
    return { context, weights };
  },
});
