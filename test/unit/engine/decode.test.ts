import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeIds, loadDataset, NO_FILES, SeededRandom, type Dataset } from '../../../core/data';
import { END_ID } from '../../../core/data/types';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import { compileGraph, type CompiledGraph } from '../../../core/engine/compile';
import { beamSearchDecode, decodeLatent, decoderCausality, greedyDecode, sequenceLogProbs } from '../../../core/engine/decode';
import { nodeOutputs, type NodeOutput } from '../../../core/engine/inspect';
import { compileSeeded } from '../../../core/engine/run';
import { Trainer } from '../../../core/engine/trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The seq2seq-dates template's wiring at toy sizes, on the string-reversal task. */
function tinySeq2seq(vocab: number, sourceLength: number, targetLength: number, selfAttention = false): GraphDocument {
  const g = new GraphBuilder('tiny seq2seq');
  const source = g.add('Input', { shape: [sourceLength], dtype: 'int32', feature: 'encoderInput' }, undefined, 'source');
  const sourceMask = g.add('Input', { shape: [sourceLength], feature: 'sourceMask' }, undefined, 'source_mask');
  const decoderIn = g.add('Input', { shape: [targetLength], dtype: 'int32', feature: 'decoderInput' }, undefined, 'decoder_input');
  const srcEmb = g.add('Embedding', { inputDim: vocab, outputDim: 16 }, source, 'source_embedding');
  const encoder = g.add('LSTM', { units: 32, returnSequences: true, returnState: true }, srcEmb, 'encoder');
  let tgtEmb = g.add('Embedding', { inputDim: vocab, outputDim: 16 }, decoderIn, 'target_embedding');
  if (selfAttention) {
    // Non-causal self-attention over the decoder input: position t sees later tokens.
    tgtEmb = g.add('MultiHeadAttention', { numHeads: 1, keyDim: 8 }, { query: tgtEmb, value: tgtEmb }, 'decoder_self_attention');
  }
  const decoder = g.add('LSTM', { units: 32, returnSequences: true }, { in: tgtEmb, initialH: encoder.out('h'), initialC: encoder.out('c') }, 'decoder');
  const attention = g.add('Attention', { score: 'dot' }, { query: decoder, values: encoder, mask: sourceMask }, 'attention');
  const merged = g.add('Concatenate', {}, { in: [decoder, attention.out('context')] }, 'concat');
  const hidden = g.add('Dense', { units: 32, activation: 'tanh' }, merged, 'attentional');
  const logits = g.add('Dense', { units: vocab }, hidden, 'logits');
  const target = g.add('Input', { shape: [targetLength], dtype: 'int32', feature: 'decoderTarget' }, undefined, 'target');
  const targetMask = g.add('Input', { shape: [targetLength], feature: 'targetMask' }, undefined, 'target_mask');
  g.add('SequenceCrossentropy', {}, { prediction: logits, target, mask: targetMask }, 'loss');
  // No dataset binding: it would reset the Inputs to the dataset's full lengths (12 and 13).
  return g.training({ dataset: null, optimizer: 'adam', learningRate: 0.02, batchSize: 32, gradientClipNorm: 5, seed: 3 }).build();
}

const FEATURES = ['encoderInput', 'sourceMask', 'decoderInput', 'decoderTarget', 'targetMask'];

function feedsOf(compiled: CompiledGraph, tensors: Record<string, tf.Tensor>): tf.Tensor[] {
  return compiled.feeds.map((f) => tensors[f.feature] as tf.Tensor);
}

/** The reversal task cut to strings of at most MAX letters (shorter sequences train faster). */
const MAX = 5;
const [S, T] = [MAX, MAX + 1];

interface ShortSplit {
  size: number;
  columns: Record<string, { data: Int32Array | Float32Array; width: number }>;
  texts: { source: string; target: string }[];
}

function shortRows(dataset: Dataset, split: 'train' | 'test'): ShortSplit {
  const all = dataset[split].gather(Uint32Array.from({ length: dataset[split].size }, (_, i) => i));
  const mask = all.features.sourceMask?.data as Float32Array;
  const rows: number[] = [];
  for (let r = 0; r < all.size; r++) {
    let length = 0;
    for (let i = 0; i < 12; i++) length += mask[r * 12 + i] as number;
    if (length <= MAX) rows.push(r);
  }
  const columns: ShortSplit['columns'] = {};
  for (const name of FEATURES) {
    const f = all.features[name];
    if (!f) throw new Error(`no feature ${name}`);
    const full = f.shape[0] as number;
    const width = name === 'encoderInput' || name === 'sourceMask' ? S : T;
    const data = f.dtype === 'int32' ? new Int32Array(rows.length * width) : new Float32Array(rows.length * width);
    // Columns past MAX (+1 for END) only hold padding for these rows.
    rows.forEach((r, k) => data.set(f.data.subarray(r * full, r * full + width), k * width));
    columns[name] = { data, width };
  }
  return { size: rows.length, columns, texts: rows.map((r) => dataset.texts?.[split][r] as { source: string; target: string }) };
}

function tensorsOf(split: ShortSplit, rows: readonly number[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, { data, width }] of Object.entries(split.columns)) {
    const picked = data instanceof Int32Array ? new Int32Array(rows.length * width) : new Float32Array(rows.length * width);
    rows.forEach((r, k) => picked.set(data.subarray(r * width, (r + 1) * width), k * width));
    out[name] = tf.tensor2d(picked, [rows.length, width], data instanceof Int32Array ? 'int32' : 'float32');
  }
  return out;
}

const STEPS = 80;
let trained: { dataset: Dataset; test: ShortSplit; graph: GraphDocument; compiled: CompiledGraph; losses: number[]; seconds: number } | null = null;

/** Trains the tiny model once (STEPS steps of 32 on the cpu backend) for the decoding tests. */
async function trainedReverse() {
  if (trained) return trained;
  const dataset = await loadDataset('reverse', NO_FILES);
  const train = shortRows(dataset, 'train');
  const test = shortRows(dataset, 'test');
  const vocab = dataset.spec.vocabularies.target?.tokens.length as number;
  const graph = tinySeq2seq(vocab, S, T);
  const compiled = compileSeeded(graph);
  const trainer = new Trainer(compiled, graph.training);
  const losses: number[] = [];
  const started = performance.now();
  const random = new SeededRandom(5);
  for (let step = 0; step < STEPS; step++) {
    const rows = Array.from({ length: 32 }, () => random.int(train.size));
    const tensors = tensorsOf(train, rows);
    losses.push(trainer.trainStep(feedsOf(compiled, tensors)).loss);
    tf.dispose(Object.values(tensors));
  }
  trainer.dispose();
  trained = { dataset, test, graph, compiled, losses, seconds: (performance.now() - started) / 1000 };
  return trained;
}

function sourceIdsOf(test: ShortSplit, row: number): number[] {
  const ids = Array.from((test.columns.encoderInput?.data as Int32Array).subarray(row * S, (row + 1) * S));
  return ids.slice(0, ids.indexOf(0) < 0 ? ids.length : ids.indexOf(0));
}

describe('seq2seq decoding', () => {
  it('trains the tiny reversal model and decodes greedily, step by step as the teacher-forced pass scores it', async () => {
    const { dataset, test, graph, compiled, losses, seconds } = await trainedReverse();
    console.info(`tiny reverse model: ${STEPS} steps in ${seconds.toFixed(1)} s, loss ${losses[0]?.toFixed(3)} -> ${losses.slice(-20).reduce((a, b) => a + b, 0) / 20}`);
    expect(losses.slice(-20).reduce((a, b) => a + b, 0) / 20).toBeLessThan((losses[0] as number) * 0.6);
    const vocabulary = dataset.spec.vocabularies.target;
    const letters = new Set('abcdefghijklmnopqrstuvwxyz');
    let correctChars = 0;
    let totalChars = 0;
    for (let row = 0; row < 20; row++) {
      const source = sourceIdsOf(test, row);
      const result = greedyDecode(compiled, graph, source, T);
      expect(result.tokens.length).toBe(result.logProbs.length);
      expect(result.tokens.length).toBeLessThanOrEqual(T);
      expect(result.finished).toBe(result.tokens[result.tokens.length - 1] === END_ID);
      // Each step's log-probability is what one teacher-forced pass over the result gives.
      const scored = sequenceLogProbs(compiled, graph, source, result.tokens);
      result.logProbs.forEach((lp, t) => expect(lp).toBeCloseTo(scored[t] as number, 4));
      expect(result.totalLogProb).toBeCloseTo(result.logProbs.reduce((a, b) => a + b, 0), 6);
      result.logProbs.forEach((lp) => expect(lp).toBeLessThanOrEqual(0));
      // Ids decode to text over the dataset's vocabulary.
      const text = decodeIds(vocabulary as NonNullable<typeof vocabulary>, result.tokens);
      for (const ch of text) expect(letters.has(ch)).toBe(true);
      const expected = test.texts[row]?.target ?? '';
      if (process.env.DEBUG_DECODE) console.info(test.texts[row]?.source, expected, text, result.tokens.join(','), sequenceLogProbs(compiled, graph, source, [...(test.columns.decoderTarget?.data as Int32Array).subarray(row * T, row * T + expected.length + 1)]).map((v) => v.toFixed(2)).join(' '));
      for (let i = 0; i < expected.length; i++) {
        totalChars++;
        if (text[i] === expected[i]) correctChars++;
      }
      // The attention matrix covers the decoded tokens x the real source tokens; rows sum to 1.
      expect(result.attention?.nodeId).toBe('attention');
      expect(result.attention?.weights).toHaveLength(result.tokens.length);
      for (const r of result.attention?.weights ?? []) {
        expect(r).toHaveLength(source.length);
        expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      }
    }
    console.info(`greedy character accuracy on 20 test strings: ${correctChars}/${totalChars}`);
    // Trained, the model mostly reverses strings it never saw.
    expect(correctChars / totalChars).toBeGreaterThan(0.5);
  }, 120_000);

  it("the exact-match metric (teacher-forced) counts exactly the strings greedy decoding gets right", async () => {
    const { test, graph, compiled } = await trainedReverse();
    const trainer = new Trainer(compiled, graph.training);
    const rows = Array.from({ length: Math.min(24, test.size) }, (_, i) => i);
    let greedyRight = 0;
    for (const row of rows) {
      const result = greedyDecode(compiled, graph, sourceIdsOf(test, row), T);
      const target = Array.from((test.columns.decoderTarget?.data as Int32Array).subarray(row * T, (row + 1) * T));
      const expected = target.slice(0, target.indexOf(END_ID) + 1);
      const right = result.tokens.length === expected.length && result.tokens.every((id, t) => id === expected[t]);
      if (right) greedyRight++;
      const tensors = tensorsOf(test, [row]);
      const metric = trainer.evaluate([feedsOf(compiled, tensors)]).metrics['exactMatch'];
      tf.dispose(Object.values(tensors));
      expect(metric, `test row ${row}: greedy ${right ? 'right' : 'wrong'}`).toBe(right ? 1 : 0);
    }
    // Both outcomes occur, so the comparison means something.
    console.info(`greedy exact match on ${rows.length} test strings: ${greedyRight}`);
    expect(greedyRight).toBeGreaterThan(0);
    expect(greedyRight).toBeLessThan(rows.length);
    trainer.dispose();
  }, 120_000);

  it('beam search of width 1 is greedy; wider beams never score lower than greedy', async () => {
    const { test, graph, compiled } = await trainedReverse();
    for (const row of [0, 1, 2, 3, 4, 5]) {
      const source = sourceIdsOf(test, row);
      const greedy = greedyDecode(compiled, graph, source);
      const beam1 = beamSearchDecode(compiled, graph, source, 1);
      expect(beam1.tokens).toEqual(greedy.tokens);
      expect(beam1.totalLogProb).toBeCloseTo(greedy.totalLogProb, 4);
      const beam3 = beamSearchDecode(compiled, graph, source, 3);
      expect(beam3.totalLogProb).toBeGreaterThanOrEqual(greedy.totalLogProb - 1e-4);
      expect(beam3.hypotheses.length).toBeLessThanOrEqual(3);
      // Hypotheses are sorted, and their totals are the model's teacher-forced scores.
      for (const h of beam3.hypotheses) {
        const scored = sequenceLogProbs(compiled, graph, source, h.tokens).reduce((a, b) => a + b, 0);
        expect(h.totalLogProb).toBeCloseTo(scored, 3);
      }
      beam3.hypotheses.slice(1).forEach((h, i) => expect(h.totalLogProb).toBeLessThanOrEqual((beam3.hypotheses[i] as { totalLogProb: number }).totalLogProb));
    }
  }, 120_000);

  it('checks the causality decoding relies on: LSTM + attention decoders are causal, self-attention over the decoder input is not', async () => {
    const { dataset, test, graph, compiled } = await trainedReverse();
    const source = sourceIdsOf(test, 0);
    expect(decoderCausality(compiled, graph, source).causal).toBe(true);
    const vocab = dataset.spec.vocabularies.target?.tokens.length as number;
    const leaky = tinySeq2seq(vocab, S, T, true);
    const leakyCompiled = compileSeeded(leaky); // seeded: the size of the leak depends on the weights
    const check = decoderCausality(leakyCompiled, leaky, source);
    expect(check.causal).toBe(false);
    expect(check.maxDifference).toBeGreaterThan(1e-3);
  }, 120_000);

  it('leaks no tensors while decoding', async () => {
    const { test, graph, compiled } = await trainedReverse();
    const source = sourceIdsOf(test, 1);
    greedyDecode(compiled, graph, source);
    beamSearchDecode(compiled, graph, source, 2);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      greedyDecode(compiled, graph, source);
      beamSearchDecode(compiled, graph, source, 2);
    }
    expect(tf.memory().numTensors).toBe(count);
  }, 120_000);
});

function tinyVae(deterministic: boolean, conditional = false): GraphDocument {
  const g = new GraphBuilder('tiny vae');
  const x = g.add('Input', { shape: [6], feature: 'x' }, undefined, 'x');
  const h = g.add('Dense', { units: 8, activation: 'relu' }, x, 'encoder');
  const mu = g.add('Dense', { units: 2 }, h, 'mu');
  const logvar = g.add('Dense', { units: 2 }, h, 'logvar');
  const z = g.add('Sampling', { deterministic }, { mu, logvar }, 'z');
  let decIn = z.out('z');
  if (conditional) {
    const label = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }, undefined, 'label');
    const onehot = g.add('OneHot', { depth: 3 }, label, 'onehot');
    decIn = g.add('Concatenate', {}, { in: [z.out('z'), onehot] }, 'decoder_input');
  }
  const d = g.add('Dense', { units: 8, activation: 'relu' }, decIn, 'decoder');
  const logits = g.add('Dense', { units: 6 }, d, 'reconstruction');
  g.add('BinaryCrossentropy', { fromLogits: true, reduction: 'sum' }, { prediction: logits, target: x }, 'reconstruction_loss');
  g.add('GaussianKL', { weight: 1 }, { mu, logvar }, 'kl');
  return g.build();
}

describe('VAE latent decoding', () => {
  const xData = [
    [0.1, 0.9, 0.3, 0.5, 0.2, 0.7],
    [0.8, 0.1, 0.6, 0.4, 0.9, 0.05],
  ];

  it('gives the full model reconstruction for the z the model itself sampled', () => {
    const graph = tinyVae(false);
    const compiled = compileGraph(graph);
    const x = tf.tensor2d(xData);
    const feeds = compiled.feeds.map(() => x);
    // One pass: the sampled z and the reconstruction made from that same z.
    const [z, recon] = nodeOutputs(compiled, graph, feeds, [
      { nodeId: 'z', port: 'z' },
      { nodeId: 'reconstruction', port: 'out' },
    ]) as [NodeOutput, NodeOutput];
    const rows = [Array.from(z.values.slice(0, 2)), Array.from(z.values.slice(2, 4))];
    const decoded = decodeLatent(compiled, graph, 'z', rows);
    expect(decoded.nodeId).toBe('reconstruction');
    expect(decoded.shape).toEqual([2, 6]);
    decoded.values.forEach((v, i) => expect(v).toBeCloseTo(recon.values[i] as number, 5));
    decoded.probabilities?.forEach((p, i) => expect(p).toBeCloseTo(1 / (1 + Math.exp(-(decoded.values[i] as number))), 5));
    expect(decoded.probabilities).not.toBeNull();
    // A different latent gives a different output (the decoder really reads z).
    const other = decodeLatent(compiled, graph, 'z', [[3, -3], [0, 0]]);
    expect(Array.from(other.values)).not.toEqual(Array.from(decoded.values));
    x.dispose();
  });

  it('with the deterministic Sampling option, decoding mu reproduces model.predict', () => {
    const graph = tinyVae(true);
    const compiled = compileGraph(graph);
    const x = tf.tensor2d(xData);
    const feeds = compiled.feeds.map(() => x);
    const [mu] = nodeOutputs(compiled, graph, feeds, [{ nodeId: 'mu', port: 'out' }]) as [NodeOutput];
    const outputs = compiled.model.predict(x) as tf.Tensor[];
    const reconIndex = compiled.outputs.findIndex((o) => o.nodeId === 'reconstruction');
    const expected = (outputs[reconIndex] as tf.Tensor).dataSync();
    const decoded = decodeLatent(compiled, graph, 'z', [Array.from(mu.values.slice(0, 2)), Array.from(mu.values.slice(2, 4))]);
    decoded.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
    tf.dispose([x, ...outputs]);
  });

  it('decodes the VAE templates (dense and up-convolution decoders) as the model does', async () => {
    const { getTemplate } = await import('../../../core/templates');
    for (const [id, latent] of [['vae-mlp-mnist', 20], ['vae-conv-mnist', 2]] as const) {
      const graph = (getTemplate(id) as { build(): GraphDocument }).build();
      const compiled = compileGraph(graph);
      const image = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11);
      const feeds = compiled.feeds.map(() => image);
      const [z, recon] = nodeOutputs(compiled, graph, feeds, [
        { nodeId: 'z', port: 'z' },
        { nodeId: 'reconstruction', port: 'out' },
      ]) as [NodeOutput, NodeOutput];
      expect(z.shape).toEqual([3, latent]);
      const rows = [0, 1, 2].map((r) => Array.from(z.values.slice(r * latent, (r + 1) * latent)));
      const decoded = decodeLatent(compiled, graph, 'z', rows);
      expect(decoded.shape, id).toEqual(recon.shape);
      decoded.values.forEach((v, i) => expect(v).toBeCloseTo(recon.values[i] as number, 4));
      image.dispose();
    }
  });

  it('decodes a conditional VAE given its label, and leaks no tensors', () => {
    const graph = tinyVae(false, true);
    const compiled = compileGraph(graph);
    const x = tf.tensor2d(xData);
    const label = tf.tensor1d([2, 0], 'int32');
    const feeds = compiled.feeds.map((f) => (f.feature === 'label' ? label : x));
    const [z, recon] = nodeOutputs(compiled, graph, feeds, [
      { nodeId: 'z', port: 'z' },
      { nodeId: 'reconstruction', port: 'out' },
    ]) as [NodeOutput, NodeOutput];
    const rows = [Array.from(z.values.slice(0, 2)), Array.from(z.values.slice(2, 4))];
    expect(() => decodeLatent(compiled, graph, 'z', rows)).toThrow(/also reads Input label/);
    const decoded = decodeLatent(compiled, graph, 'z', rows, feeds);
    decoded.values.forEach((v, i) => expect(v).toBeCloseTo(recon.values[i] as number, 5));
    const count = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) decodeLatent(compiled, graph, 'z', rows, feeds);
    expect(tf.memory().numTensors).toBe(count);
    tf.dispose([x, label]);
  });
});
