/**
 * One Transformer encoder block, built from the primitives (so its weights and parameter count are
 * exactly those of MultiHeadAttention + 2 LayerNormalization + 2 Dense):
 *
 *   post-LN (the paper):  h = LN1(x + Drop(MHA(x, x)));   out = LN2(h + Drop(Dense2(Dense1(h))))
 *   pre-LN (GPT-2):       h = x + Drop(MHA(LN1(x), LN1(x))); out = h + Drop(Dense2(Dense1(LN2(h))))
 *
 * Pre-LN stacks in GPT-2 end with one more LayerNorm after the last block; add it as its own node.
 * LayerNorm epsilon defaults to 1e-6 (the paper's reference code and the Keras Transformer
 * tutorial), not the 1e-3 of a bare Keras LayerNormalization; it is a parameter.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, oneInput, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { checkKeyMask, requireSequence } from './common';
import { mhaFlops, mhaParamCount, mhaParams, MultiHeadAttentionLayer, type MhaSizes } from './multi-head-attention';

/** The block's attention: self-attention of a d-sized sequence, value size = key size, output d. */
function blockAttentionSizes(d: number, p: { numHeads: number; keyDim: number }): MhaSizes {
  return { dq: d, dk: d, dv: d, numHeads: p.numHeads, keyDim: p.keyDim, valueDim: p.keyDim, outputDim: d, useBias: true };
}

export const transformerEncoderBlock = defineLayer({
  type: 'TransformerEncoderBlock',
  kind: 'layer',
  category: 'Attention',
  description:
    'Self-attention + feed-forward with residual Adds and LayerNorms (post-LN as in the paper, or pre-LN as in GPT-2). Output has the input\'s shape.',
  params: {
    numHeads: mhaParams.numHeads,
    keyDim: mhaParams.keyDim,
    ffDim: param.int({
      default: 128,
      min: 1,
      max: 1_000_000,
      label: 'Feed-forward size',
      help: 'Units of the first Dense of the feed-forward part (the paper uses 4 x d).',
      card: true,
    }),
    activation: param.enum({
      options: ['relu', 'gelu'],
      default: 'relu',
      label: 'FF activation',
      help: 'Activation of the first feed-forward Dense: relu (the paper) or gelu (BERT, GPT-2).',
    }),
    normPlacement: param.enum({
      options: ['post', 'pre'],
      default: 'post',
      label: 'LayerNorm placement',
      help: "'post': LayerNorm after each residual Add (the paper). 'pre': LayerNorm before attention and feed-forward, inside the residual branch (GPT-2); deep post-LN stacks have vanishing gradients near the input.",
      card: true,
    }),
    dropout: param.float({
      default: 0.1,
      min: 0,
      max: 0.99,
      label: 'Dropout',
      help: 'Probability of DROPPING a unit (Keras convention), applied to the attention and feed-forward outputs before each residual Add, in training only.',
    }),
    causal: param.bool({
      default: false,
      label: 'Causal mask',
      help: 'Each step only attends to itself and earlier steps (a decoder-only / GPT block).',
    }),
    epsilon: param.float({
      default: 1e-6,
      min: 0,
      exclusiveMin: true,
      max: 1,
      label: 'LayerNorm epsilon',
      help: 'Added to the variance in both LayerNorms. 1e-6 as in the paper\'s code and the Keras Transformer tutorial (a bare Keras LayerNormalization uses 1e-3).',
    }),
  },
  inputs: [
    { name: 'in', help: 'Sequence [batch, T, d]; the output has the same shape.' },
    { name: 'mask', optional: true, help: 'Optional padding mask [batch, T]: 1 for a real token, 0 for padding.' },
  ],
  outputs: [
    { name: 'out', help: 'Block output [batch, T, d].' },
    { name: 'weights', role: 'attention', help: 'Self-attention weights [batch, heads, T, T].' },
  ],
  backendExamples: [
    {
      params: { numHeads: 2, keyDim: 2, ffDim: 5, dropout: 0.2, normPlacement: 'pre', activation: 'gelu' },
      inputs: { in: oneInput([4, 6]), mask: [{ shape: [4], kind: 'mask' }] },
    },
    { params: { numHeads: 1, keyDim: 3, ffDim: 4, dropout: 0, causal: true }, inputs: { in: oneInput([3, 4]) } },
  ],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    const { time } = requireSequence(x, 'TransformerEncoderBlock', 'in');
    const mask = ctx.inputs['mask']?.[0];
    if (mask) checkKeyMask(mask, time, 'TransformerEncoderBlock');
    return { out: x, weights: [null, ctx.params.numHeads, time, time] };
  },
  countParams(ctx) {
    const d = requireSequence(inputShape(ctx), 'TransformerEncoderBlock', 'in').features;
    const { ffDim } = ctx.params;
    const attention = mhaParamCount(blockAttentionSizes(d, ctx.params));
    const layerNorms = 2 * (2 * d); // gamma and beta each
    const feedForward = d * ffDim + ffDim + ffDim * d + d;
    return { trainable: attention + layerNorms + feedForward, nonTrainable: 0 };
  },
  flops(ctx) {
    const x = inputShape(ctx);
    const t = x[1] ?? 1; // a symbolic length counts as 1 step, as in Dense
    const d = requireSequence(x, 'TransformerEncoderBlock', 'in').features;
    const feedForward = 2 * t * d * ctx.params.ffDim * 2;
    // Each LayerNorm ~ 8 operations per element; each residual Add 1.
    return mhaFlops(blockAttentionSizes(d, ctx.params), t, t) + feedForward + 2 * 8 * t * d + 2 * t * d;
  },
  build({ params, name, inputs }) {
    const x = inputTensor({ params, name, inputs }, 'in');
    const mask = inputs['mask']?.[0];
    const d = x.shape[2];
    if (typeof d !== 'number') throw new Error('TransformerEncoderBlock needs a known last dimension');
    const mha = new MultiHeadAttentionLayer({
      name: `${name}_mha`,
      numHeads: params.numHeads,
      keyDim: params.keyDim,
      valueDim: params.keyDim,
      outputDim: 0,
      useBias: true,
      causal: params.causal,
      dropout: 0,
      // Self-attention: the one sequence is query, value and key (passed once, see dedupeInputs).
      inputSlots: [0, 0, -1, mask ? 1 : -1],
    });
    const attend = (h: SymbolicTensor): [SymbolicTensor, SymbolicTensor] => {
      const [out, weights] = mha.apply(mask ? [h, mask] : [h]) as SymbolicTensor[];
      if (!out || !weights) throw new Error('TransformerEncoderBlock: attention returned fewer outputs than expected');
      return [out, weights];
    };
    const drop = (t: SymbolicTensor, label: string): SymbolicTensor =>
      params.dropout > 0 ? (tfl.layers.dropout({ rate: params.dropout, name: `${name}_${label}` }).apply(t) as SymbolicTensor) : t;
    const norm = (label: string) => tfl.layers.layerNormalization({ axis: -1, epsilon: params.epsilon, name: `${name}_${label}` });
    const feedForward = (h: SymbolicTensor): SymbolicTensor => {
      const hidden = tfl.layers.dense({ units: params.ffDim, activation: params.activation, name: `${name}_ff1` }).apply(h);
      return tfl.layers.dense({ units: d, name: `${name}_ff2` }).apply(hidden) as SymbolicTensor;
    };
    const add = (a: SymbolicTensor, b: SymbolicTensor, label: string): SymbolicTensor =>
      tfl.layers.add({ name: `${name}_${label}` }).apply([a, b]) as SymbolicTensor;

    if (params.normPlacement === 'post') {
      const [attended, weights] = attend(x);
      const h = norm('norm1').apply(add(x, drop(attended, 'attn_dropout'), 'add1')) as SymbolicTensor;
      const out = norm('norm2').apply(add(h, drop(feedForward(h), 'ff_dropout'), 'add2')) as SymbolicTensor;
      return { out, weights };
    }
    const normed = norm('norm1').apply(x) as SymbolicTensor;
    const [attended, weights] = attend(normed);
    const h = add(x, drop(attended, 'attn_dropout'), 'add1');
    const ff = feedForward(norm('norm2').apply(h) as SymbolicTensor);
    return { out: add(h, drop(ff, 'ff_dropout'), 'add2'), weights };
  },
});
