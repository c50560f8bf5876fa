/**
 * Each inspection view's computation on a hand-set model whose answer is known in closed form:
 * confusion counts, attention weights (softmax of dot products), the latent grid through a linear
 * decoder, gradient flow through a fan-out (the input's gradient is the sum of both paths) and
 * weight/gradient histograms. Every view leaves tf.memory().numTensors flat, and disposing the
 * session gives back every tensor the compile made.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../../core/engine/compile';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import { availableViews, computeView, defaultRequest, VIEW_KINDS, viewTransferables } from '../../../core/inspect/registry';
import { InspectionSession } from '../../../core/inspect/session';
import type { InspectRequest } from '../../../core/inspect/types';
import { binned } from '../../../core/inspect/views/histograms';
import { latentGrid } from '../../../core/inspect/views/latent';
import type { Dataset } from '../../../core/data/types';
import { classLabel, floatFeature, memoryDataset } from './memory-dataset';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Compiles the graph, sets the named layers' weights, and opens a session on the dataset. */
function openSession(graph: GraphDocument, dataset: Dataset, weights: Record<string, number[][][] | number[][]>): InspectionSession {
  const compiled = compileGraph(graph);
  for (const [nodeId, values] of Object.entries(weights)) {
    const layer = compiled.model.getLayer(compiled.layerNames.get(nodeId) as string);
    // getWeights() returns the variables themselves: read their shapes, never dispose them.
    const shapes = layer.getWeights().map((w) => w.shape);
    const tensors = values.map((v, i) => tf.tensor((v as number[][]).flat(), shapes[i]));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return new InspectionSession(graph, compiled, dataset);
}

/** Computes a view 1 + 5 times: the tensor count after the first call holds. */
function computeFlat<R extends InspectRequest>(session: InspectionSession, request: R): ReturnType<typeof computeView> {
  const first = computeView(session, request);
  const count = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) computeView(session, request);
  expect(tf.memory().numTensors, request.kind).toBe(count);
  return first;
}

describe('confusion', () => {
  // logits = x (identity kernel, no bias): the prediction is the argmax of x.
  const x = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 2, 1], [3, 0, 1], [0, 0, 5]];
  const labels = [0, 0, 2, 1, 2, 2];

  function classifier(): GraphDocument {
    const g = new GraphBuilder('identity classifier');
    const input = g.add('Input', { shape: [3], feature: 'x' }, undefined, 'x');
    const logits = g.add('Dense', { units: 3, useBias: false }, input, 'logits');
    const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }, undefined, 'label');
    g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: logits, target: y }, 'loss');
    return g.build();
  }

  it('counts true x predicted classes of the inspection split, by hand', () => {
    const before = tf.memory().numTensors;
    const dataset = memoryDataset({ id: 'three', task: 'tabular-classification', features: [floatFeature('x', [3], x)], labels: [classLabel('label', ['a', 'b', 'c'], labels)], train: [0, 1], validation: [0, 1, 2, 3, 4, 5] });
    const session = openSession(classifier(), dataset, { logits: [[[1, 0, 0], [0, 1, 0], [0, 0, 1]]] });
    const all = computeFlat(session, { kind: 'confusion', samples: 100 });
    expect(all.kind).toBe('confusion');
    if (all.kind !== 'confusion') return;
    expect(all.classes).toEqual(['a', 'b', 'c']);
    expect(all.samples).toBe(6);
    // rows: true class, columns: predicted. Row 0: x0 -> a, x1 -> b; row 1: x3 -> b; row 2: x4 -> a, x2 and x5 -> c.
    expect(Array.from(all.counts)).toEqual([1, 1, 0, 0, 1, 0, 1, 0, 2]);
    const first4 = computeView(session, { kind: 'confusion', samples: 4 });
    expect(Array.from(first4.counts)).toEqual([1, 1, 0, 0, 1, 0, 0, 0, 1]);
    expect(viewTransferables(all)).toEqual([all.counts.buffer]);
    expect(availableViews(session)).toEqual(['sample', 'activations', 'gradient-flow', 'histograms', 'confusion']);
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('attention', () => {
  const q = [[1, 0, 0, 2], [0.5, -1, 2, 1]]; // per sample: 2 query steps of 2
  const v = [[1, 1, 0, 1, -1, 0.5], [2, 0, 0, 0, 1, 3]]; // per sample: 3 value steps of 2

  function attentionGraph(): GraphDocument {
    const g = new GraphBuilder('dot attention');
    const query = g.add('Input', { shape: [2, 2], feature: 'q' }, undefined, 'q');
    const values = g.add('Input', { shape: [3, 2], feature: 'v' }, undefined, 'v');
    const att = g.add('Attention', { score: 'dot' }, { query, values }, 'att');
    const pooled = g.add('GlobalAvgPool1D', {}, att.out('context'), 'pool');
    const logits = g.add('Dense', { units: 2 }, pooled, 'logits');
    const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }, undefined, 'label');
    g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: logits, target: y }, 'loss');
    return g.build();
  }

  /** softmax_j(q_i . v_j) for one sample, row-major [Tq x Tv]. */
  function expected(qs: number[], vs: number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < 2; i++) {
      const scores = [0, 1, 2].map((j) => (qs[i * 2] as number) * (vs[j * 2] as number) + (qs[i * 2 + 1] as number) * (vs[j * 2 + 1] as number));
      const top = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - top));
      const sum = e.reduce((a, b) => a + b, 0);
      out.push(...e.map((x) => x / sum));
    }
    return out;
  }

  it('gives softmax(q . v) per query step for the chosen sample', () => {
    const before = tf.memory().numTensors;
    const dataset = memoryDataset({ id: 'qv', task: 'tabular-classification', features: [floatFeature('q', [2, 2], q), floatFeature('v', [3, 2], v)], labels: [classLabel('label', ['no', 'yes'], [0, 1])], train: [0, 1], validation: [0, 1] });
    const session = openSession(attentionGraph(), dataset, {});
    for (const sample of [0, 1]) {
      const result = computeFlat(session, { kind: 'attention', sample });
      if (result.kind !== 'attention') throw new Error(result.kind);
      expect(result.sample).toBe(sample);
      expect(result.maps.map((m) => m.nodeId)).toEqual(['att']);
      const map = result.maps[0]!;
      expect([map.rows, map.cols, map.heads.length]).toEqual([2, 3, 1]);
      expect(map.rowLabels).toEqual(['1', '2']);
      Array.from(map.heads[0]!).forEach((w, k) => expect(w).toBeCloseTo(expected(q[sample]!, v[sample]!)[k]!, 5));
      expect(result.source).toBeNull();
    }
    expect(availableViews(session)).toContain('attention');
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('VAE latent space', () => {
  const x = [[0.2, -0.4], [1, 0.5], [-1.5, 0.25]];

  /** mu = x (identity), deterministic Sampling, decoder = [0.1 z0 + 0.5, 0.2 z1 + 0.5]. */
  function linearVae(): GraphDocument {
    const g = new GraphBuilder('linear vae');
    const input = g.add('Input', { shape: [2], feature: 'x' }, undefined, 'x');
    const mu = g.add('Dense', { units: 2, useBias: false }, input, 'mu');
    const logvar = g.add('Dense', { units: 2 }, input, 'logvar');
    const z = g.add('Sampling', { deterministic: true }, { mu, logvar }, 'z');
    const recon = g.add('Dense', { units: 2 }, z.out('z'), 'reconstruction');
    g.add('MeanSquaredError', {}, { prediction: recon, target: input }, 'reconstruction_loss');
    g.add('GaussianKL', { weight: 1 }, { mu, logvar }, 'kl');
    return g.build();
  }

  const decoder = (z: readonly number[]) => [0.1 * (z[0] as number) + 0.5, 0.2 * (z[1] as number) + 0.5];

  it('decodes the latent grid through the decoder, and the vae view scatters mu', () => {
    const before = tf.memory().numTensors;
    const dataset = memoryDataset({ id: 'points', task: 'points-classification', features: [floatFeature('x', [2], x)], labels: [], train: [0, 1, 2], validation: [0, 1, 2] });
    const session = openSession(linearVae(), dataset, { mu: [[[1, 0], [0, 1]]], reconstruction: [[[0.1, 0], [0, 0.2]], [[0.5, 0.5]]] });
    const grid = latentGrid(2, 3);
    expect(grid).toEqual([[-2, 2], [0, 2], [2, 2], [-2, 0], [0, 0], [2, 0], [-2, -2], [0, -2], [2, -2]]);
    const decoded = computeFlat(session, { kind: 'decode-latent', z: grid });
    if (decoded.kind !== 'decode-latent') throw new Error(decoded.kind);
    expect([decoded.images.n, decoded.images.height, decoded.images.width, decoded.images.channels]).toEqual([9, 1, 2, 1]);
    Array.from(decoded.images.values).forEach((value, k) => expect(value).toBeCloseTo(decoder(grid[Math.floor(k / 2)]!)[k % 2]!, 5));
    // The CLI's default request is the 8 x 8 grid.
    expect(defaultRequest(session, 'decode-latent').z).toEqual(latentGrid(2, 8));

    const vae = computeFlat(session, { kind: 'vae', samples: 2, scatter: 3 });
    if (vae.kind !== 'vae') throw new Error(vae.kind);
    expect(vae.latentDim).toBe(2);
    x.forEach((row, i) => {
      expect(vae.scatter.x[i]).toBeCloseTo(row[0]!, 5);
      expect(vae.scatter.y[i]).toBeCloseTo(row[1]!, 5);
    });
    // Reconstructions decode mu = x (deterministic sampling).
    Array.from(vae.reconstructions.values).forEach((value, k) => expect(value).toBeCloseTo(decoder(x[Math.floor(k / 2)]!)[k % 2]!, 5));
    expect(availableViews(session)).toEqual(['sample', 'activations', 'gradient-flow', 'histograms', 'vae', 'decode-latent']);
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('gradient flow and histograms', () => {
  const x = [[1, 0], [0, 1], [2, 1], [-1, 1]];
  const t = [[0], [1], [3], [-2]];
  const wa = [1, 2];
  const wb = [3, -1];

  /** x fans out to a and b (one unit each, no bias), their sum is fit to t by MSE. */
  function fanOut(): GraphDocument {
    const g = new GraphBuilder('fan out');
    const input = g.add('Input', { shape: [2], feature: 'x' }, undefined, 'x');
    const a = g.add('Dense', { units: 1, useBias: false }, input, 'a');
    const b = g.add('Dense', { units: 1, useBias: false }, input, 'b');
    const sum = g.add('Add', {}, { in: [a, b] }, 'sum');
    const target = g.add('Input', { shape: [1], feature: 't' }, undefined, 't');
    g.add('MeanSquaredError', {}, { prediction: sum, target }, 'mse');
    return g.build();
  }

  function open(): InspectionSession {
    const dataset = memoryDataset({ id: 'fit', task: 'tabular-classification', features: [floatFeature('x', [2], x)], labels: [floatFeature('t', [1], t, 'score')], train: [0, 1, 2, 3], validation: [0, 1, 2, 3] });
    return openSession(fanOut(), dataset, { a: [[[wa[0]!], [wa[1]!]]], b: [[[wb[0]!], [wb[1]!]]] });
  }

  // s = x . (wa + wb); L = mean (s - t)^2, so dL/ds_i = 2 (s_i - t_i) / N.
  const s = x.map((row) => row[0]! * (wa[0]! + wb[0]!) + row[1]! * (wa[1]! + wb[1]!));
  const g = s.map((si, i) => (2 * (si - t[i]![0]!)) / x.length);
  const norm = (values: number[]) => Math.sqrt(values.reduce((acc, v) => acc + v * v, 0));

  it('gives dL/d(port) norms per edge; the fan-out input gets the sum of both paths', () => {
    const before = tf.memory().numTensors;
    const session = open();
    const flow = computeFlat(session, { kind: 'gradient-flow', samples: 32 });
    if (flow.kind !== 'gradient-flow') throw new Error(flow.kind);
    expect(flow.loss).toBeCloseTo(s.reduce((acc, si, i) => acc + (si - t[i]![0]!) ** 2, 0) / x.length, 4);
    const edgeNorm = (source: string, target: string) => {
      const edge = session.graph.edges.find((e) => e.source.node === source && e.target.node === target);
      return flow.edges.find((e) => e.edgeId === edge?.id)?.norm;
    };
    expect(edgeNorm('sum', 'mse')).toBeCloseTo(norm(g), 5);
    expect(edgeNorm('a', 'sum')).toBeCloseTo(norm(g), 5);
    // dL/dx_i = g_i (wa + wb): both paths summed, not either one alone.
    const dx = g.flatMap((gi) => [gi * (wa[0]! + wb[0]!), gi * (wa[1]! + wb[1]!)]);
    expect(edgeNorm('x', 'a')).toBeCloseTo(norm(dx), 5);
    expect(edgeNorm('x', 'b')).toBeCloseTo(norm(dx), 5);
    expect(edgeNorm('t', 'mse')).toBeCloseTo(norm(g), 5); // dL/dt = -dL/ds
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bins weights and full gradients per node', () => {
    expect(binned(Float32Array.from([0, 1, 2]), 4)).toEqual({ min: 0, max: 2, counts: [1, 0, 1, 1] });
    expect(binned(Float32Array.from([5, Number.NaN]), 3)).toEqual({ min: 5, max: 5, counts: [0, 1, 0] });
    const before = tf.memory().numTensors;
    const session = open();
    const result = computeFlat(session, { kind: 'histograms', samples: 64 });
    if (result.kind !== 'histograms') throw new Error(result.kind);
    const a = result.layers.find((l) => l.nodeId === 'a');
    expect(a?.weights).toEqual(binned(Float32Array.from(wa), 30));
    // dL/dwa = sum_i g_i x_i (each unit of x).
    const gradA = [0, 1].map((k) => g.reduce((acc, gi, i) => acc + gi * x[i]![k]!, 0));
    expect(a?.gradients.min).toBeCloseTo(Math.min(...gradA), 5);
    expect(a?.gradients.max).toBeCloseTo(Math.max(...gradA), 5);
    expect(a?.gradients.counts.reduce((acc, c) => acc + c, 0)).toBe(2);
    expect(result.layers.map((l) => l.nodeId).sort()).toEqual(['a', 'b']);
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the registry', () => {
  it('lists every request kind once', () => {
    expect(new Set(VIEW_KINDS).size).toBe(VIEW_KINDS.length);
    expect([...VIEW_KINDS].sort()).toEqual(['activations', 'attention', 'confusion', 'decode', 'decode-latent', 'gan-field', 'gan-game', 'gan-interpolate', 'gan-samples', 'generate', 'gradient-flow', 'histograms', 'sample', 'vae']);
  });
});
