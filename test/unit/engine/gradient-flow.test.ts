import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import { compileGraph } from '../../../core/engine/compile';
import { compileSeeded } from '../../../core/engine/run';
import {
  cleanCopy,
  compileSeededWithGradientProbes,
  compileWithGradientProbes,
  copyWeightsByLayerName,
  gradientFlow,
  GradientProbeLayer,
  probeLayers,
} from '../../../core/engine/gradient-flow';
import { Trainer } from '../../../core/engine/trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** x -> h1 (relu) -> h2 (tanh); logits read concat(h1, h2) (h1 has two consumers); MSE + CE. */
function skipMlp(): GraphDocument {
  const g = new GraphBuilder('skip mlp');
  const x = g.add('Input', { shape: [4], feature: 'x' }, undefined, 'x');
  const h1 = g.add('Dense', { units: 8, activation: 'relu' }, x, 'h1');
  const h2 = g.add('Dense', { units: 6, activation: 'tanh' }, h1, 'h2');
  const cat = g.add('Concatenate', {}, { in: [h1, h2] }, 'cat');
  const logits = g.add('Dense', { units: 3 }, cat, 'logits');
  const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }, undefined, 'label');
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: logits, target: y }, 'ce');
  // A second, weighted loss on h2 alone, so the total is a weighted sum of two terms.
  const t = g.add('Input', { shape: [6], feature: 't' }, undefined, 'target');
  g.add('MeanSquaredError', { weight: 0.5 }, { prediction: h2, target: t }, 'mse');
  return g.training({ optimizer: 'sgd', learningRate: 0.1 }).build();
}

function feedsFor(compiled: ReturnType<typeof compileGraph>): tf.Tensor[] {
  const x = tf.tensor2d([
    [0.5, -1, 2, 0.1],
    [1.5, 0.3, -0.7, 0.9],
    [-0.2, 0.8, 0.4, -1.3],
    [0.7, 0.7, -0.1, 0.2],
    [-1.1, 0.05, 0.6, 0.3],
  ]);
  const label = tf.tensor1d([0, 2, 1, 1, 0], 'int32');
  const target = tf.randomUniform([5, 6], -1, 1, 'float32', 3);
  return compiled.feeds.map((f) => (f.feature === 'x' ? x : f.feature === 'label' ? label : target));
}

const relClose = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('gradient probes', () => {
  it('leave the model and its outputs unchanged, and export without probes via a weight copy', () => {
    const graph = skipMlp();
    const probed = compileWithGradientProbes(graph);
    const clean = compileGraph(graph);
    expect(probeLayers(probed).map((p) => `${p.nodeId}.${p.port}`).sort()).toEqual(['cat.out', 'h1.out', 'h2.out', 'logits.out']);
    expect(probeLayers(clean)).toHaveLength(0);
    expect(copyWeightsByLayerName(probed.model, clean.model)).toBe(6);
    const feeds = feedsFor(clean);
    const run = (m: tfl.LayersModel, c: typeof clean) => {
      const out = m.apply(c.modelInputs.map((i) => feeds[i] as tf.Tensor), { training: false }) as tf.Tensor[];
      const v = out.map((t) => Array.from(t.dataSync()));
      tf.dispose(out);
      return v;
    };
    expect(run(probed.model, probed)).toEqual(run(clean.model, clean));
    const json = JSON.stringify(clean.model.toJSON(null, false));
    expect(json).not.toContain(GradientProbeLayer.className);
    const copy = cleanCopy(graph, probed);
    expect(JSON.stringify(copy.model.toJSON(null, false))).not.toContain(GradientProbeLayer.className);
    expect(run(copy.model, copy)).toEqual(run(probed.model, probed));
    expect(JSON.stringify(probed.model.toJSON(null, false))).toContain(GradientProbeLayer.className);
    tf.dispose(feeds);
  });

  it('start from the same seeded weights as the clean compile', () => {
    const graph = skipMlp();
    const a = compileSeededWithGradientProbes(graph).model.getWeights().map((w) => Array.from(w.dataSync()));
    const b = compileSeeded(graph).model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(a).toEqual(b);
  });

  it('match dL/d(activation) computed by splitting the model by hand (oracle)', () => {
    const graph = skipMlp();
    const compiled = compileWithGradientProbes(graph);
    const feeds = feedsFor(compiled);
    const flow = gradientFlow(compiled, graph, feeds);
    const norm = (node: string) => flow.ports.find((p) => p.nodeId === node)?.norm as number;

    // The oracle: the same layers applied by hand, with the loss as a function of one activation.
    const layer = (id: string) => compiled.model.getLayer(compiled.layerNames.get(id) as string);
    const [x, label, target] = ['x', 'label', 't'].map((f) => feeds[compiled.feeds.findIndex((s) => s.feature === f)] as tf.Tensor) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const ce = (logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(label as tf.Tensor1D, 3), logits);
    const mse = (h2: tf.Tensor) => tf.mean(tf.square(tf.sub(h2, target)));
    const fromLogits = (logits: tf.Tensor, h2: tf.Tensor) => tf.add(ce(logits), tf.mul(0.5, mse(h2)));
    const fromCat = (cat: tf.Tensor, h2: tf.Tensor) => fromLogits(layer('logits').apply(cat) as tf.Tensor, h2);
    const fromH2 = (h1: tf.Tensor, h2: tf.Tensor) => fromCat(tf.concat([h1, h2], 1), h2);
    const fromH1 = (h1: tf.Tensor) => fromH2(h1, layer('h2').apply(h1) as tf.Tensor);
    const fromX = (input: tf.Tensor) => fromH1(layer('h1').apply(input) as tf.Tensor);
    const gNorm = (f: (a: tf.Tensor) => tf.Tensor, a: tf.Tensor) => tf.tidy(() => tf.norm(tf.grad(f)(a)).dataSync()[0] as number);

    const h1 = layer('h1').apply(x) as tf.Tensor;
    const h2 = layer('h2').apply(h1) as tf.Tensor;
    const cat = tf.concat([h1, h2], 1);
    const logits = layer('logits').apply(cat) as tf.Tensor;
    const expected = {
      x: gNorm(fromX, x),
      h1: gNorm(fromH1, h1),
      // h2 reaches the loss through concat AND directly through the MSE: the total derivative.
      h2: gNorm((a) => fromH2(h1, a), h2),
      cat: gNorm((a) => fromCat(a, h2), cat),
      logits: gNorm((a) => fromLogits(a, h2), logits),
      target: gNorm((t) => tf.mul(0.5, tf.mean(tf.square(tf.sub(h2, t)))), target),
    };
    for (const [node, value] of Object.entries(expected)) {
      expect(value, node).toBeGreaterThan(0);
      expect(relClose(norm(node), value), node).toBeLessThan(1e-4);
    }
    expect(flow.loss).toBeCloseTo(tf.tidy(() => fromX(x).dataSync()[0] as number), 5);
    // Token ids have no gradient; every edge carries its source port's norm.
    expect(norm('label')).toBeNull();
    for (const e of flow.edges) expect(e.norm).toBe(flow.ports.find((p) => p.nodeId === e.source.node && p.port === e.source.port)?.norm ?? null);
    expect(flow.edges).toHaveLength(graph.edges.length);
    tf.dispose([h1, h2, cat, logits, ...new Set(feeds)]);
  });

  it('changes no weight, leaks no tensor, and the probed model trains like the clean one', () => {
    const graph = skipMlp();
    const probed = compileWithGradientProbes(graph);
    const clean = compileGraph(graph);
    copyWeightsByLayerName(probed.model, clean.model);
    const feeds = feedsFor(probed);
    const before = probed.model.getWeights().map((w) => Array.from(w.dataSync()));
    gradientFlow(probed, graph, feeds);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) gradientFlow(probed, graph, feeds);
    expect(tf.memory().numTensors).toBe(count);
    expect(probed.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);

    const a = new Trainer(probed, graph.training);
    const b = new Trainer(clean, graph.training);
    for (let i = 0; i < 3; i++) {
      const sa = a.trainStep(feeds);
      const sb = b.trainStep(feeds);
      expect(sa.loss).toBeCloseTo(sb.loss, 6);
    }
    const wa = probed.model.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = clean.model.getWeights().map((w) => Array.from(w.dataSync()));
    wa.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(wb[i]?.[j] as number, 6)));
    a.dispose();
    b.dispose();
    tf.dispose([...new Set(feeds)]);
  });
});

describe('gradient flow on the templates', () => {
  it('probes every layer port, gives finite norms, and leaves outputs identical to the clean model', async () => {
    const { TEMPLATES } = await import('../../../core/templates');
    // 2-D convolutions are slow on the cpu backend, and seq2seq-g2p is wired like seq2seq-dates;
    // the others cover masks, recurrent initial states, attention, sampling, one-hot, coupling.
    const templates = TEMPLATES.filter((t) => t.id !== 'seq2seq-g2p' && !t.build().nodes.some((n) => n.type.startsWith('Conv2D')));
    expect(templates.length).toBeGreaterThanOrEqual(10);
    for (const template of templates) {
      const started = performance.now();
      const graph = template.build();
      const probed = compileWithGradientProbes(graph);
      // The orthogonal initializer of 64-unit LSTMs takes ~10 s on cpu: one compile of those.
      const clean = graph.nodes.some((n) => n.type === 'LSTM') ? null : compileGraph(graph);
      if (clean) copyWeightsByLayerName(probed.model, clean.model);
      // Two samples: zeros are valid ids and labels (PAD / class 0); floats uniform in [0, 1).
      const feeds = probed.feeds.map((f, i) =>
        f.dtype === 'int32' ? tf.zeros([2, ...f.shape.slice(1).map((d) => d ?? 1)], 'int32') : tf.randomUniform([2, ...f.shape.slice(1).map((d) => d ?? 1)], 0, 1, 'float32', i),
      );
      const flow = gradientFlow(probed, graph, feeds);
      expect(Number.isFinite(flow.loss), template.id).toBe(true);
      const layerPorts = [...probed.nodeTensors.entries()].flatMap(([id, ports]) =>
        probed.feeds.some((f) => f.nodeId === id) ? [] : Object.keys(ports).map((p) => `${id}.${p}`),
      );
      expect(probeLayers(probed).map((p) => `${p.nodeId}.${p.port}`).sort(), template.id).toEqual(layerPorts.sort());
      for (const p of flow.ports) if (p.norm !== null) expect(Number.isFinite(p.norm), `${template.id} ${p.nodeId}.${p.port}`).toBe(true);
      if (template.id === 'seq2seq-dates') {
        // The padding mask reaches the loss only through a comparison (no gradient): no norm, no
        // failure; the loss mask is multiplied in, so it has one.
        expect(flow.ports.find((p) => p.nodeId === 'source_mask')?.norm).toBeNull();
        expect(flow.ports.find((p) => p.nodeId === 'target_mask')?.norm).toBeGreaterThan(0);
      }
      // Every edge into a loss's prediction carries a gradient.
      const lossIds = new Set(probed.losses.map((l) => l.nodeId));
      for (const e of flow.edges) {
        if (lossIds.has(e.target.node) && e.target.port === 'prediction') expect(e.norm, `${template.id} ${e.edgeId}`).toBeGreaterThan(0);
      }
      const run = (c: typeof probed) =>
        tf.tidy(() => {
          const out = c.model.apply(c.modelInputs.map((i) => feeds[i] as tf.Tensor), { training: false });
          return (Array.isArray(out) ? out : [out]).map((t) => Array.from((t as tf.Tensor).dataSync()));
        });
      // Sampling and Noise layers draw noise: compare models without one only.
      if (clean && !graph.nodes.some((n) => n.type === 'Sampling' || n.type === 'Noise')) expect(run(probed), template.id).toEqual(run(clean));
      tf.dispose(feeds);
      console.info(`${template.id}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  }, 120_000);
});
