import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import { compileGraph, type CompiledGraph } from '../../../core/engine/compile';
import { attentionWeights, cachedInspectionModel, disposeInspection, fullGradients, nodeOutputs, summarize } from '../../../core/engine/inspect';
import { Trainer } from '../../../core/engine/trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Token ids -> embedding -> transformer block (2 heads) and a seq2seq-style Attention -> heads. */
function attentionModel(): GraphDocument {
  const g = new GraphBuilder('tiny attention');
  const tokens = g.add('Input', { shape: [5], dtype: 'int32', feature: 'tokens' }, undefined, 'tokens');
  const mask = g.add('Input', { shape: [5], feature: 'mask' }, undefined, 'mask');
  const emb = g.add('Embedding', { inputDim: 7, outputDim: 8 }, tokens, 'emb');
  const block = g.add('TransformerEncoderBlock', { numHeads: 2, keyDim: 4, ffDim: 8 }, { in: emb, mask }, 'block');
  const mha = g.add('MultiHeadAttention', { numHeads: 3, keyDim: 2 }, { query: block, value: emb, mask }, 'mha');
  const att = g.add('Attention', { score: 'general' }, { query: mha, values: block, mask }, 'att');
  const pooled = g.add('GlobalAvgPool1D', {}, att.out('context'), 'pool');
  const relu = g.add('Dense', { units: 6, activation: 'relu' }, pooled, 'relu');
  const tanh = g.add('Dense', { units: 4, activation: 'tanh' }, relu, 'tanh');
  const sig = g.add('Dense', { units: 3, activation: 'sigmoid' }, tanh, 'sig');
  const logits = g.add('Dense', { units: 2 }, sig, 'logits');
  const label = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }, undefined, 'label');
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: logits, target: label }, 'loss');
  return g.training({ optimizer: 'adam', learningRate: 0.01 }).build();
}

function feedsFor(compiled: CompiledGraph): tf.Tensor[] {
  const tokens = tf.tensor2d([[1, 2, 3, 0, 0], [4, 5, 6, 2, 1], [3, 3, 1, 6, 0]], undefined, 'int32');
  const mask = tf.tensor2d([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]);
  const label = tf.tensor1d([0, 1, 1], 'int32');
  return compiled.feeds.map((f) => (f.feature === 'tokens' ? tokens : f.feature === 'mask' ? mask : label));
}

function weightsOf(compiled: CompiledGraph): number[][] {
  return compiled.model.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('summaries', () => {
  it('computes min, max, mean, std, histogram, zero and saturation shares by hand', () => {
    const v = [0, 0, 1, 2, 3, 0.995, -0.995, Number.NaN];
    const s = summarize(v, [2, 4], { relu: false, saturation: 'tanh' }, 4);
    const finite = v.slice(0, 7);
    const mean = finite.reduce((a, b) => a + b, 0) / 7;
    expect(s.count).toBe(8);
    expect(s.nonFinite).toBe(1);
    expect(s.min).toBe(-0.995);
    expect(s.max).toBe(3);
    expect(s.mean).toBeCloseTo(mean, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / 7), 12);
    // bins of width 0.99875 from -0.995: [-0.995, 0.004), [0.004, 1.0025), [1.0025, 2.00125), [2.00125, 3]
    expect(s.histogram.counts).toEqual([3, 2, 1, 1]);
    expect(s.zeroShare).toBeCloseTo(2 / 7, 12);
    expect(s.saturatedShare).toBeCloseTo(5 / 7, 12); // 1, 2, 3, 0.995 and -0.995
    const sig = summarize([0.005, 0.5, 0.999, 0.2], [4], { relu: false, saturation: 'sigmoid' });
    expect(sig.saturatedShare).toBe(0.5);
    // ReLU: unit 1 is 0 for both samples (dead), unit 0 is not.
    const relu = summarize([0, 0, 2, 0], [2, 2], { relu: true, saturation: null });
    expect(relu.deadUnitShare).toBe(0.5);
    expect(relu.saturatedShare).toBeNull();
  });
});

describe('inspection', () => {
  it('returns node outputs equal to a full forward pass, with summaries decided by activation', () => {
    const graph = attentionModel();
    const compiled = compileGraph(graph);
    const feeds = feedsFor(compiled);
    const outs = nodeOutputs(compiled, graph, feeds, [
      { nodeId: 'relu', port: 'out' },
      { nodeId: 'tanh', port: 'out' },
      { nodeId: 'sig', port: 'out' },
      { nodeId: 'logits', port: 'out' },
      { nodeId: 'tokens', port: 'out' },
    ]);
    const [relu, tanh, sig, logits, tokens] = outs as [typeof outs[0], typeof outs[0], typeof outs[0], typeof outs[0], typeof outs[0]];
    const full = compiled.model.apply(compiled.modelInputs.map((i) => feeds[i] as tf.Tensor), { training: false }) as tf.Tensor;
    expect(Array.from(logits.values)).toEqual(Array.from(full.dataSync()));
    full.dispose();
    expect(logits.shape).toEqual([3, 2]);
    expect(relu.summary.deadUnitShare).not.toBeNull();
    expect(relu.summary.zeroShare).toBeCloseTo(Array.from(relu.values).filter((v) => v === 0).length / relu.values.length, 12);
    expect(tanh.summary.saturation).toBe('tanh');
    expect(sig.summary.saturation).toBe('sigmoid');
    expect(logits.summary.saturation).toBeNull();
    expect(tokens.dtype).toBe('int32');
    expect(Array.from(tokens.values)).toEqual([1, 2, 3, 0, 0, 4, 5, 6, 2, 1, 3, 3, 1, 6, 0]);
    // The same port set reuses one inspection model.
    const ports = [{ nodeId: 'relu', port: 'out' }];
    const first = cachedInspectionModel(compiled, graph, ports);
    expect(cachedInspectionModel(compiled, graph, ports)).toBe(first);
    // The cache keeps the 32 most recently used port sets.
    const all = [...compiled.nodeTensors.entries()].flatMap(([nodeId, p]) => Object.keys(p).map((port) => ({ nodeId, port })));
    const sets = all.flatMap((a, i) => all.slice(i + 1, i + 4).map((b) => [a, b]));
    expect(sets.length).toBeGreaterThan(32);
    for (const set of sets) cachedInspectionModel(compiled, graph, set);
    expect(cachedInspectionModel(compiled, graph, ports)).not.toBe(first);
    tf.dispose([...new Set(feeds)]);
  });

  it('gives attention weights per head whose rows sum to 1 and respect the mask', () => {
    const graph = attentionModel();
    const compiled = compileGraph(graph);
    const feeds = feedsFor(compiled);
    const maps = attentionWeights(compiled, graph, feeds, 0);
    expect(maps.map((m) => [m.nodeId, m.type, m.weights.length])).toEqual([
      ['block', 'TransformerEncoderBlock', 2],
      ['mha', 'MultiHeadAttention', 3],
      ['att', 'Attention', 1],
    ]);
    for (const m of maps) {
      for (const head of m.weights) {
        expect(head).toHaveLength(5);
        for (const row of head) {
          expect(row).toHaveLength(5);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          // Sample 0 has 3 real tokens: padded source positions get no weight.
          expect(row[3]).toBeCloseTo(0, 6);
          expect(row[4]).toBeCloseTo(0, 6);
        }
      }
    }
    // Sample 1 is a different sample: its maps differ.
    const other = attentionWeights(compiled, graph, feeds, 1);
    expect(other[2]?.weights).not.toEqual(maps[2]?.weights);
    tf.dispose([...new Set(feeds)]);
  });

  it('gives full gradients equal to tf.variableGrads of the trainer loss, changing nothing', () => {
    const graph = attentionModel();
    const compiled = compileGraph(graph);
    const trainer = new Trainer(compiled, graph.training);
    const feeds = feedsFor(compiled);
    trainer.trainStep(feeds); // the optimizer now has state that must not move
    const before = weightsOf(compiled);
    const optimizerBefore = trainer.optimizer.getWeights().then((ws) => ws.map((w) => Array.from(w.tensor.dataSync())));
    const fromTrainer = fullGradients(trainer, feeds);
    const fromCompiled = fullGradients(compiled, feeds);
    expect(weightsOf(compiled)).toEqual(before);
    // The oracle: tf.variableGrads of the inference-mode cross-entropy, written out with tf.losses.
    const vars = compiled.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const label = feeds[compiled.feeds.findIndex((f) => f.feature === 'label')] as tf.Tensor1D;
    const { value, grads } = tf.variableGrads(() => {
      const logits = compiled.model.apply(compiled.modelInputs.map((i) => feeds[i] as tf.Tensor), { training: false }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(label, 2), logits) as tf.Scalar;
    }, vars);
    expect(fromTrainer.loss).toBeCloseTo(value.dataSync()[0] as number, 6);
    expect(fromCompiled.loss).toBeCloseTo(fromTrainer.loss, 6);
    expect(fromTrainer.gradients.map((g) => g.name)).toEqual(vars.map((v) => v.name));
    fromTrainer.gradients.forEach((g, i) => {
      const expected = grads[vars[i]?.name as string] as tf.Tensor;
      expect(g.shape).toEqual(expected.shape);
      const e = expected.dataSync();
      g.values.forEach((x, j) => expect(x).toBeCloseTo(e[j] as number, 6));
      fromCompiled.gradients[i]?.values.forEach((x, j) => expect(x).toBeCloseTo(e[j] as number, 6));
    });
    expect(fromTrainer.gradients.find((g) => g.name.startsWith('relu/'))?.nodeId).toBe('relu');
    expect(fromTrainer.gradients.filter((g) => g.nodeId === '')).toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    return optimizerBefore.then(async (ob) => {
      const after = (await trainer.optimizer.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
      expect(after).toEqual(ob);
      trainer.dispose();
      tf.dispose([...new Set(feeds)]);
    });
  });

  it('holds the tensor count over 1,000 inspection calls and keeps the model usable after disposeInspection', () => {
    const graph = attentionModel();
    const compiled = compileGraph(graph);
    const trainer = new Trainer(compiled, graph.training);
    const feeds = feedsFor(compiled);
    const ports = [
      { nodeId: 'relu', port: 'out' },
      { nodeId: 'block', port: 'out' },
    ];
    const calls = [
      () => nodeOutputs(compiled, graph, feeds, ports),
      () => attentionWeights(compiled, graph, feeds),
      () => fullGradients(trainer, feeds),
      () => fullGradients(compiled, feeds),
    ];
    calls.forEach((c) => c());
    const count = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) (calls[i % calls.length] as () => unknown)();
    expect(tf.memory().numTensors).toBe(count);
    disposeInspection(compiled);
    // The training model's weights were not disposed with the inspection models.
    expect(trainer.trainStep(feeds).nonFinite).toBeNull();
    expect(nodeOutputs(compiled, graph, feeds, ports)).toHaveLength(2);
    trainer.dispose();
    tf.dispose([...new Set(feeds)]);
    // A safety net, not a speed check: the whole file used 7 CPU-s, but this test took over 60 s
    // (the default timeout) beside two other vitest workers at load ~25.
  }, 300_000);
});
