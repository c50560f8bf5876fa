/**
 * The conventions PyTorch and Keras differ on, each in a small graph checked by the real PyTorch
 * (random weights, same inputs): 'same' padding incl. asymmetric, pooling borders, transposed
 * convolution sizes, BatchNorm statistics and epsilon, LayerNorm, LSTM without bias / backwards /
 * masked, GRU (reset before the product) and SimpleRNN with masks and states, SeparableConv2D,
 * Bidirectional (each wrapped layer, merge modes, states, masks), ReverseTime, Dot (axes,
 * normalize), LSTM beyond nn.LSTM (gate activation, cell dropout), Permute, RepeatVector, ZeroPadding2D, Cropping2D, UpSampling2D (nearest and tfjs' bilinear),
 * every attention score, MultiHeadAttention with key, mask and causality, pre-LN blocks
 * with gelu, activations, merges, Split, PositionEmbedding.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, type GraphDocument, type OutputRef } from '../../../core/graph';
import { analyzeGraph } from '../../../core/graph';
import { buildPytorchProject } from '../../../core/export/pytorch';
import { PYTHON, prepareCase, runPython, skipReason, type CaseResult, type Prepared } from './pytorch-oracle';

/** Closes a graph with an MSE loss on `out` against a target Input shaped like it. */
function finish(g: GraphBuilder, out: OutputRef, shape: number[]): GraphDocument {
  const target = g.add('Input', { shape, feature: 'target' }, undefined, 'target');
  g.add('MeanSquaredError', {}, { prediction: out, target });
  return g.build();
}

function image(g: GraphBuilder, h: number, w: number, c: number) {
  return g.add('Input', { shape: [h, w, c], feature: 'image' }, undefined, 'image');
}

const CASES: Record<string, () => GraphDocument> = {
  'conv-same-asymmetric': () => {
    const g = new GraphBuilder('conv');
    const x = image(g, 7, 9, 2);
    const a = g.add('Conv2D', { filters: 3, kernelSize: [3, 4], strides: [2, 2], padding: 'same' }, x, 'a');
    const b = g.add('Conv2D', { filters: 2, kernelSize: [4], padding: 'same', activation: 'tanh' }, a, 'b');
    const c = g.add('Conv2D', { filters: 2, kernelSize: [3], dilationRate: [2, 2], padding: 'same', useBias: false }, b, 'c');
    const f = g.add('Flatten', {}, c, 'flat');
    return finish(g, f, [4 * 5 * 2]);
  },
  'separable-conv': () => {
    const g = new GraphBuilder('separable');
    const x = image(g, 7, 8, 3);
    const a = g.add('SeparableConv2D', { filters: 4, kernelSize: [4, 3], strides: [2, 2], padding: 'same', depthMultiplier: 2, activation: 'relu' }, x, 'a');
    const b = g.add('SeparableConv2D', { filters: 3, kernelSize: [3], dilationRate: [2, 2], padding: 'same', useBias: false }, a, 'b');
    const c = g.add('SeparableConv2D', { filters: 2, kernelSize: [2], depthMultiplier: 3 }, b, 'c');
    const f = g.add('Flatten', {}, c, 'flat');
    return finish(g, f, [3 * 3 * 2]);
  },
  'pool-same': () => {
    const g = new GraphBuilder('pool');
    const x = image(g, 7, 7, 2);
    const a = g.add('MaxPool2D', { poolSize: [3], strides: [2], padding: 'same' }, x, 'a');
    const b = g.add('AvgPool2D', { poolSize: [3], strides: [1], padding: 'same' }, a, 'b');
    const c = g.add('GlobalMaxPool2D', {}, b, 'c');
    return finish(g, c, [2]);
  },
  'conv1d-pools': () => {
    const g = new GraphBuilder('conv1d');
    const x = g.add('Input', { shape: [9, 3], feature: 'sequence' }, undefined, 'sequence');
    const a = g.add('Conv1D', { filters: 4, kernelSize: 4, padding: 'same', activation: 'elu' }, x, 'a');
    const b = g.add('MaxPool1D', { poolSize: 2 }, a, 'b');
    const c = g.add('GlobalAvgPool1D', {}, b, 'c');
    return finish(g, c, [4]);
  },
  'conv-transpose-sizes': () => {
    const g = new GraphBuilder('deconv');
    const x = image(g, 3, 4, 2);
    const a = g.add('Conv2DTranspose', { filters: 3, kernelSize: [2], strides: [3], padding: 'valid' }, x, 'a');
    const b = g.add('Conv2DTranspose', { filters: 2, kernelSize: [4], strides: [2], padding: 'same', activation: 'relu' }, a, 'b');
    const c = g.add('Conv2DTranspose', { filters: 1, kernelSize: [3], strides: [2], padding: 'same' }, b, 'c');
    const f = g.add('Flatten', {}, c, 'flat');
    return finish(g, f, [36 * 48]);
  },
  'norms': () => {
    const g = new GraphBuilder('norms');
    const x = image(g, 4, 4, 3);
    const a = g.add('Conv2D', { filters: 4, kernelSize: [3] }, x, 'a');
    const b = g.add('BatchNorm', { momentum: 0.9, epsilon: 0.01 }, a, 'bn2d');
    const f = g.add('Flatten', {}, b, 'flat');
    const d = g.add('Dense', { units: 5, activation: 'selu' }, f, 'dense');
    const e = g.add('BatchNorm', {}, d, 'bn1d');
    const l = g.add('LayerNorm', { epsilon: 1e-5 }, e, 'ln');
    return finish(g, l, [5]);
  },
  'lstm-variants': () => {
    const g = new GraphBuilder('lstm');
    const tokens = g.add('Input', { shape: [7], dtype: 'int32', feature: 'tokens' }, undefined, 'tokens');
    const emb = g.add('Embedding', { inputDim: 6, outputDim: 4, maskZero: true }, tokens, 'embedding');
    const back = g.add('LSTM', { units: 5, goBackwards: true, returnSequences: true }, emb, 'backwards');
    const plain = g.add('LSTM', { units: 3, useBias: false, unitForgetBias: false }, back, 'no_bias');
    return finish(g, plain, [3]);
  },
  'gru-reset-before': () => {
    const g = new GraphBuilder('gru');
    const tokens = g.add('Input', { shape: [7], dtype: 'int32', feature: 'tokens' }, undefined, 'tokens');
    const emb = g.add('Embedding', { inputDim: 6, outputDim: 4, maskZero: true }, tokens, 'embedding');
    const first = g.add('GRU', { units: 5, goBackwards: true, returnSequences: true, returnState: true }, emb, 'backwards');
    const second = g.add('GRU', { units: 5, useBias: false, activation: 'relu', recurrentActivation: 'hardSigmoid' }, { in: first.out('out'), initialH: first.out('h') }, 'no_bias');
    return finish(g, second, [5]);
  },
  'simple-rnn-variants': () => {
    const g = new GraphBuilder('rnn');
    const tokens = g.add('Input', { shape: [6], dtype: 'int32', feature: 'tokens' }, undefined, 'tokens');
    const emb = g.add('Embedding', { inputDim: 5, outputDim: 3, maskZero: true }, tokens, 'embedding');
    const masked = g.add('SimpleRNN', { units: 4, returnSequences: true }, emb, 'masked');
    const states = g.add('SimpleRNN', { units: 4, goBackwards: true, returnState: true, activation: 'softsign' }, masked, 'states');
    const last = g.add('SimpleRNN', { units: 4, useBias: false, activation: 'relu' }, { in: masked, initialH: states.out('h') }, 'from_state');
    return finish(g, last, [4]);
  },
  'bidirectional': () => {
    const g = new GraphBuilder('bidirectional');
    const tokens = g.add('Input', { shape: [7], dtype: 'int32', feature: 'tokens' }, undefined, 'tokens');
    const emb = g.add('Embedding', { inputDim: 6, outputDim: 4, maskZero: true }, tokens, 'embedding');
    // hardSigmoid gates and dropout inside the cell: beyond nn.LSTM (dropout has no effect in eval mode).
    const lstm = g.add('Bidirectional', { layer: 'LSTM', units: 3, returnSequences: true, returnState: true, recurrentActivation: 'hardSigmoid', dropout: 0.2, recurrentDropout: 0.3 }, emb, 'bi_lstm');
    const gru = g.add('Bidirectional', { layer: 'GRU', units: 3, mergeMode: 'ave', activation: 'relu' }, lstm.out('out'), 'bi_gru');
    const rnn = g.add('Bidirectional', { layer: 'SimpleRNN', units: 3, mergeMode: 'mul', activation: 'softsign' }, lstm.out('out'), 'bi_rnn');
    const states = [lstm.out('hForward'), lstm.out('cForward'), lstm.out('hBackward'), lstm.out('cBackward')];
    const all = g.add('Concatenate', { axis: 1 }, { in: [gru, rnn, ...states] }, 'all');
    return finish(g, all, [18]);
  },
  'bidirectional-sum-reverse-time': () => {
    const g = new GraphBuilder('bidirectional sum');
    const x = g.add('Input', { shape: [5, 3], feature: 'sequence' }, undefined, 'sequence');
    const sum = g.add('Bidirectional', { layer: 'SimpleRNN', units: 4, returnSequences: true, mergeMode: 'sum' }, x, 'bi_sum');
    const reversed = g.add('ReverseTime', {}, sum, 'reversed');
    const gru = g.add('Bidirectional', { layer: 'GRU', units: 2, returnSequences: true, returnState: true, recurrentActivation: 'hardSigmoid' }, reversed, 'bi_gru');
    const lstm = g.add('LSTM', { units: 3, activation: 'softsign', returnSequences: true, recurrentDropout: 0.25 }, reversed, 'keras_lstm');
    const back = g.add('ReverseTime', {}, lstm, 'back');
    const both = g.add('Concatenate', { axis: -1 }, { in: [gru.out('out'), back] }, 'both');
    const f = g.add('Flatten', {}, both, 'flat');
    const all = g.add('Concatenate', { axis: 1 }, { in: [f, gru.out('hBackward')] }, 'all');
    return finish(g, all, [5 * 7 + 2]);
  },
  'dot-axes-normalize': () => {
    const g = new GraphBuilder('dot');
    const a = g.add('Input', { shape: [4, 3], feature: 'a' }, undefined, 'a');
    const b = g.add('Input', { shape: [5, 3], feature: 'b' }, undefined, 'b');
    const c = g.add('Input', { shape: [6, 4], feature: 'c' }, undefined, 'c');
    const v = g.add('Input', { shape: [3], feature: 'v' }, undefined, 'v');
    const scores = g.add('Dot', { axes: [2] }, { a, b }, 'scores');
    const context = g.add('Dot', { axes: [2, 1] }, { a: scores, b }, 'context');
    const cosine = g.add('Dot', { axes: [1, 2], normalize: true }, { a, b: c }, 'cosine');
    const mixed = g.add('Dot', { axes: [1, -1] }, { a: v, b }, 'mixed');
    const vector = g.add('Dot', { axes: [-1], normalize: true }, { a: v, b: v }, 'vector');
    const flat = [context, cosine].map((n, i) => g.add('Flatten', {}, n, `flat${i}`));
    const all = g.add('Concatenate', { axis: 1 }, { in: [...flat, mixed, vector] }, 'all');
    return finish(g, all, [12 + 18 + 5 + 1]);
  },
  'attention-scores': () => {
    const g = new GraphBuilder('attention');
    const q = g.add('Input', { shape: [4, 6], feature: 'query' }, undefined, 'query');
    const v = g.add('Input', { shape: [5, 6], feature: 'values' }, undefined, 'values');
    const m = g.add('Input', { shape: [5], feature: 'mask' }, undefined, 'mask');
    const dot = g.add('Attention', { score: 'dot' }, { query: q, values: v, mask: m }, 'dot');
    const general = g.add('Attention', { score: 'general' }, { query: q, values: v }, 'general');
    const scaled = g.add('Attention', { score: 'scaledDot', causal: true }, { query: q, values: v }, 'scaled');
    const sum = g.add('Add', {}, { in: [dot.out('context'), general.out('context'), scaled.out('context')] }, 'sum');
    return finish(g, sum, [4, 6]);
  },
  'multi-head-attention': () => {
    const g = new GraphBuilder('mha');
    const q = g.add('Input', { shape: [4, 6], feature: 'query' }, undefined, 'query');
    const v = g.add('Input', { shape: [5, 8], feature: 'values' }, undefined, 'values');
    const k = g.add('Input', { shape: [5, 3], feature: 'keys' }, undefined, 'keys');
    const m = g.add('Input', { shape: [5], feature: 'mask' }, undefined, 'mask');
    const a = g.add('MultiHeadAttention', { numHeads: 3, keyDim: 2, valueDim: 4, outputDim: 7, causal: true }, { query: q, value: v, key: k, mask: m }, 'mha');
    return finish(g, a, [4, 7]);
  },
  'transformer-pre-ln-gelu': () => {
    const g = new GraphBuilder('block');
    const x = g.add('Input', { shape: [6, 8], feature: 'sequence' }, undefined, 'sequence');
    const m = g.add('Input', { shape: [6], feature: 'mask' }, undefined, 'mask');
    const p = g.add('PositionEmbedding', { maxLength: 10 }, x, 'positions');
    const b = g.add('TransformerEncoderBlock', { numHeads: 2, keyDim: 4, ffDim: 12, activation: 'gelu', normPlacement: 'pre', causal: true }, { in: p, mask: m }, 'block');
    return finish(g, b, [6, 8]);
  },
  'permute-repeat-vector': () => {
    const g = new GraphBuilder('reorder');
    const x = g.add('Input', { shape: [3, 4, 2], feature: 'x' }, undefined, 'x');
    const p = g.add('Permute', { dims: [3, 1, 2] }, x, 'permuted');
    const c = g.add('Conv2D', { filters: 3, kernelSize: [2] }, p, 'conv');
    const q = g.add('Permute', { dims: [2, 3, 1] }, c, 'back');
    const f = g.add('Flatten', {}, q, 'flat');
    const d = g.add('Dense', { units: 4, activation: 'tanh' }, f, 'dense');
    const r = g.add('RepeatVector', { n: 3 }, d, 'repeated');
    const t = g.add('Permute', { dims: [2, 1] }, r, 'transposed');
    return finish(g, t, [4, 3]);
  },
  'pad-crop-upsample': () => {
    const g = new GraphBuilder('resize');
    const x = image(g, 5, 6, 2);
    const a = g.add('Conv2D', { filters: 3, kernelSize: [2] }, x, 'a');
    const p = g.add('ZeroPadding2D', { padding: [1, 2, 0, 3] }, a, 'padded');
    const c = g.add('Cropping2D', { cropping: [2, 0, 1, 2] }, p, 'cropped');
    const n = g.add('UpSampling2D', { size: [2, 3] }, c, 'nearest');
    const b = g.add('UpSampling2D', { size: [3, 2], interpolation: 'bilinear' }, c, 'bilinear');
    const s = g.add('ZeroPadding2D', { padding: [1] }, g.add('Cropping2D', { cropping: [1, 2] }, b, 'cropped_b'), 'padded_b');
    const fn = g.add('Flatten', {}, n, 'flat_n');
    const fb = g.add('Flatten', {}, s, 'flat_b');
    const both = g.add('Concatenate', { axis: 1 }, { in: [fn, fb] }, 'both');
    return finish(g, both, [10 * 15 * 3 + 15 * 8 * 3]);
  },
  'sequence-loss-softmax-decoder': () => {
    // An imported Keras decoder ends in a softmax: the sequence loss then reads probabilities (From logits off).
    const g = new GraphBuilder('softmax-decoder');
    const tokens = g.add('Input', { shape: [6], dtype: 'int32', feature: 'tokens' }, undefined, 'tokens');
    const emb = g.add('Embedding', { inputDim: 7, outputDim: 4 }, tokens, 'embedding');
    const lstm = g.add('LSTM', { units: 5, returnSequences: true }, emb, 'decoder');
    const probs = g.add('Dense', { units: 7, activation: 'softmax' }, lstm, 'probabilities');
    const target = g.add('Input', { shape: [6], dtype: 'int32', feature: 'target' }, undefined, 'target');
    g.add('SequenceCrossentropy', { padId: 0, fromLogits: false }, { prediction: probs, target });
    return g.build();
  },
  'activations-merges': () => {
    const g = new GraphBuilder('activations');
    const x = g.add('Input', { shape: [6], feature: 'x' }, undefined, 'x');
    const parts = g.add('Split', { parts: 2, sizes: [2, 4] }, x, 'split');
    const a = g.add('Dense', { units: 5, activation: 'softplus' }, parts.out('out1'), 'a');
    const b = g.add('Dense', { units: 5, activation: 'swish' }, parts.out('out2'), 'b');
    const c = g.add('Dense', { units: 5, activation: 'leakyRelu' }, x, 'c');
    const d = g.add('Dense', { units: 5, activation: 'gelu' }, x, 'd');
    const s = g.add('Subtract', {}, { b, a }, 'difference');
    const p = g.add('Multiply', {}, { in: [s, c] }, 'product');
    const avg = g.add('Average', {}, { in: [p, d] }, 'average');
    const act = g.add('Activation', { activation: 'leakyRelu', alpha: 0.1 }, avg, 'leaky');
    const r = g.add('Reshape', { targetShape: [5, 1] }, act, 'column');
    const f = g.add('Flatten', {}, r, 'flat');
    const soft = g.add('Activation', { activation: 'softmax' }, f, 'softmax');
    return finish(g, soft, [5]);
  },
};

const why = skipReason();
if (why) console.log(`PyTorch convention checks skipped: ${why}`);

describe.skipIf(why !== null)('PyTorch export conventions, checked by PyTorch', () => {
  const prepared: Prepared[] = [];
  let results = new Map<string, CaseResult>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const root = mkdtempSync(join(tmpdir(), 'netwright-torch-conventions-'));
    for (const [name, build] of Object.entries(CASES)) prepared.push(prepareCase(name, build(), root));
    results = runPython(prepared.flatMap((p) => (p.ok ? [p.case] : [])));
  }, 300_000);

  for (const name of Object.keys(CASES)) {
    it(name, () => {
      const p = prepared.find((x) => (x.ok ? x.case.name : x.name) === name);
      expect(p, name).toBeDefined();
      if (!p?.ok) throw new Error(`${name} was refused: ${p?.ok === false ? p.refusal : ''}`);
      const r = results.get(name);
      expect(r?.error, `${name}: ${r?.error}`).toBeUndefined();
      const worst = Math.max(...Object.values(r?.outputs ?? {}), ...Object.values(r?.losses ?? {}));
      console.log(`${name}: largest relative difference PyTorch vs tfjs ${worst.toExponential(2)}`);
      expect(r?.trainable).toBe(p.case.trainable);
      expect(r?.nonTrainable).toBe(p.case.nonTrainable);
      expect(Object.keys(r?.outputs ?? {}).length).toBeGreaterThan(0);
      for (const [key, rel] of Object.entries(r?.outputs ?? {})) expect(rel, `${name} output ${key}`).toBeLessThan(1e-5);
      for (const [key, rel] of Object.entries(r?.losses ?? {})) expect(rel, `${name} loss ${key}`).toBeLessThan(1e-5);
    });
  }

  it("draws cell dropout as tfjs in train mode: one mask per sequence for the input and one for h, none in eval mode", () => {
    const g = new GraphBuilder('cell dropout');
    const x = g.add('Input', { shape: [6, 3], feature: 'sequence' }, undefined, 'sequence');
    const lstm = g.add('LSTM', { units: 4, dropout: 0.5, recurrentDropout: 0.5, returnSequences: true }, x, 'lstm');
    const bi = g.add('Bidirectional', { layer: 'GRU', units: 2, dropout: 0.25, recurrentDropout: 0.25 }, lstm, 'bi');
    const graph = finish(g, bi, [4]);
    const dir = mkdtempSync(join(tmpdir(), 'netwright-torch-dropout-'));
    writeFileSync(join(dir, 'model.py'), buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights: null }).files.get('model.py') as Uint8Array);
    // Records every dropout draw (its shape and rate) during one forward pass in each mode.
    const script = `
import sys, json, torch
sys.path.insert(0, ${JSON.stringify(dir)})
import model as m
draws = []
original = m.F.dropout
def recording(x, p=0.5, training=True, inplace=False):
    draws.append([list(x.shape), p])
    return original(x, p, training, inplace)
m.F.dropout = recording
net = m.Model()
x = torch.rand(5, 6, 3)
net.train(); net(x); train = list(draws); draws.clear()
net.eval(); net(x)
print(json.dumps({"train": train, "eval": draws}))
`;
    const out = JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } })) as { train: [number[], number][]; eval: unknown[] };
    // Per sequence, not per step: the LSTM's input mask [batch, 1, features] (the same for all 6
    // steps) and its h mask [batch, units]; then the same two per direction of the Bidirectional.
    expect(out.train).toEqual([
      [[5, 1, 3], 0.5],
      [[5, 4], 0.5],
      [[5, 1, 4], 0.25],
      [[5, 2], 0.25],
      [[5, 1, 4], 0.25],
      [[5, 2], 0.25],
    ]);
    expect(out.eval).toEqual([]);
  });
});
