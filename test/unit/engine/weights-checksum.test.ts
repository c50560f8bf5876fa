/**
 * Kept weights carry a checksum over their specs (in order) and bytes: a version 3 file whose
 * specs were reordered or renamed, or whose data changed, is refused at parse; a version 2 file
 * (no checksum) opens, and its layout is checked when the weights are loaded, naming the node.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_VERSION, GraphBuilder, parseGraph, parseGraphText, serializeGraph, toSavedRun, type GraphDocument, type SavedWeights } from '../../../core/graph';
import type { CompiledGraph } from '../../../core/engine/compile';
import { compileSeeded } from '../../../core/engine/run';
import { applyWeights, captureWeights, decodeWeights, WeightsError } from '../../../core/engine/weights';
import { migrate, MIGRATIONS } from '../../../core/graph/migrations';
import { crc32 } from '../../../core/data/checksum';
import { weightsChecksum, weightsChecksumOfBase64 } from '../../../core/graph/weights-checksum';
import { runCli } from '../cli/run-cli';

let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'netwright-checksum-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Dense -> BatchNorm -> Dense: hidden's bias and norm's four weights all have shape [16]. */
function moonsNet(): GraphDocument {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const h = g.add('Dense', { units: 16, activation: 'relu' }, x, 'hidden');
  const n = g.add('BatchNorm', {}, h, 'norm');
  const o = g.add('Dense', { units: 2 }, n, 'logits');
  const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' });
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: y });
  g.training({ dataset: { id: 'moons', options: {} }, batchSize: 32, epochs: 1, seed: 5 });
  return g.build();
}

function outputsOf(compiled: CompiledGraph): number[] {
  return tf.tidy(() => Array.from((compiled.model.predict(tf.tensor2d([[0.5, -0.25], [1, 2], [-1, 0.3]])) as tf.Tensor).dataSync()));
}

/** Weights that are not their initial values (the norm's gamma and beta differ). */
function distinctWeights(compiled: CompiledGraph): SavedWeights {
  compiled.model.layers.forEach((layer, l) =>
    tf.tidy(() => layer.setWeights(layer.getWeights().map((w, i) => tf.add(w, tf.mul(tf.randomUniform(w.shape, -1, 1, 'float32', 10 * l + i), 0.5))))),
  );
  return captureWeights(compiled.model);
}

/** A graph file keeping one run with these weights, as JSON of the given version. */
function fileWith(graph: GraphDocument, weights: SavedWeights | Record<string, unknown>, version = 3): Record<string, unknown> {
  const run = toSavedRun({
    id: 'run-1',
    name: 'Run 1',
    status: 'completed',
    graph,
    manifest: {
      graphHash: 'a'.repeat(64),
      graphName: 'moons',
      dataset: { id: 'moons', version: 1, options: {} },
      seed: 5,
      backend: 'cpu',
      tfjsVersion: tf.version_core,
      training: graph.training,
      limit: null,
      startedAt: new Date(0).toISOString(),
    },
    curves: { steps: [], losses: [], epochSteps: [], epochLoss: [], validationLoss: [], metrics: {}, validationMetrics: {} },
    test: null,
    weights: weights as SavedWeights,
  });
  const doc = JSON.parse(serializeGraph({ ...graph, runs: [run] })) as Record<string, unknown> & { runs: { weights: Record<string, unknown> }[] };
  // toSavedRun/serializeGraph keep only known keys; put the weights back as given.
  (doc.runs[0] as { weights: unknown }).weights = weights;
  return { ...doc, version };
}

/** The weights with spec entries `a` and `b` swapped (the data left as it is). */
function swapped(weights: SavedWeights, a: string, b: string): SavedWeights {
  const specs = [...weights.specs];
  const i = specs.findIndex((s) => s.name.endsWith(a));
  const j = specs.findIndex((s) => s.name.endsWith(b));
  expect(i).toBeGreaterThanOrEqual(0);
  expect(j).toBeGreaterThanOrEqual(0);
  [specs[i], specs[j]] = [specs[j]!, specs[i]!];
  return { ...weights, specs };
}

function withoutChecksum(weights: SavedWeights): Record<string, unknown> {
  return { specs: weights.specs, data: weights.data };
}

function loadError(compiled: CompiledGraph, graph: GraphDocument, weights: SavedWeights): WeightsError {
  try {
    applyWeights(compiled, graph, weights);
  } catch (err) {
    if (err instanceof WeightsError) return err;
    throw err;
  }
  throw new Error('the weights were loaded');
}

describe('the checksum of kept weights', () => {
  it('is written with captured weights and verified when the file is read back', () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    expect(weights.checksum).toMatch(/^crc32:[0-9a-f]{8}$/);
    const reread = parseGraph(fileWith(graph, weights));
    expect(reread.ok).toBe(true);
    if (!reread.ok) return;
    expect(reread.graph.version).toBe(GRAPH_VERSION);
    expect(reread.graph.runs[0]?.weights?.checksum).toBe(weights.checksum);
    const fresh = compileSeeded(graph);
    applyWeights(fresh, graph, reread.graph.runs[0]!.weights!);
    expect(outputsOf(fresh)).toEqual(outputsOf(compiled));
    compiled.model.dispose();
    fresh.model.dispose();
  });

  it('refuses a version 3 file whose same-shape specs were swapped, renamed, or whose data changed', () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    compiled.model.dispose();
    const mismatch = { path: '$.runs[0].weights', message: expect.stringMatching(/^checksum mismatch: /) as string };
    // Two [16] weights of different nodes, and two of the same node.
    for (const changed of [
      swapped(weights, 'hidden/bias', 'gamma'),
      swapped(weights, 'gamma', 'beta'),
      { ...weights, specs: weights.specs.map((s, i) => (i === 0 ? { ...s, name: s.name.replace('kernel', 'kernal') } : s)) },
      // One base64 character changed: still base64 and the same length.
      { ...weights, data: `${weights.data[0] === 'A' ? 'B' : 'A'}${weights.data.slice(1)}` },
    ]) {
      const r = parseGraph(fileWith(graph, changed));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors).toEqual([mismatch]);
    }
  });

  it('is checked again when weights are decoded outside the parser', () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    const changed = swapped(weights, 'moving_mean', 'moving_variance');
    expect(() => decodeWeights(changed)).toThrow(WeightsError);
    expect(() => decodeWeights(changed)).toThrow(/^checksum mismatch/);
    expect(() => applyWeights(compiled, graph, changed)).toThrow(/^checksum mismatch/);
    compiled.model.dispose();
  });

  it('refuses a version 3 file without a checksum key', () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    compiled.model.dispose();
    const r = parseGraph(fileWith(graph, withoutChecksum(weights)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.path).toBe('$.runs[0].weights.checksum');
  });
});

describe('a version 2 file (no checksum)', () => {
  it('migrates to version 3 with checksum null on each kept run', () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    compiled.model.dispose();
    const v2 = fileWith(graph, withoutChecksum(weights), 2);
    const migrated = migrate(v2, MIGRATIONS, 3);
    expect(migrated.ok).toBe(true);
    if (!migrated.ok) return;
    expect(migrated.value.version).toBe(3);
    expect((migrated.value.runs as { weights: unknown }[])[0]?.weights).toEqual({ ...withoutChecksum(weights), checksum: null });
    // Malformed runs are left for the schema to name.
    const odd = migrate({ version: 2, runs: [null, { weights: null }, { weights: [] }] }, MIGRATIONS, 3);
    expect(odd).toEqual({ ok: true, value: { version: 3, runs: [null, { weights: null }, { weights: [] }] } });
  });

  it('opens, and its weights load when their layout is the model\'s', () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    const r = parseGraphText(JSON.stringify(fileWith(graph, withoutChecksum(weights), 2)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.graph.runs[0]?.weights?.checksum).toBeNull();
    const fresh = compileSeeded(graph);
    applyWeights(fresh, graph, r.graph.runs[0]!.weights!);
    expect(outputsOf(fresh)).toEqual(outputsOf(compiled));
    compiled.model.dispose();
    fresh.model.dispose();
  });

  it('with swapped same-shape specs opens, but loading its weights is refused naming the node', () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    compiled.model.dispose();
    const fresh = compileSeeded(graph);
    const cases: [SavedWeights, string][] = [
      [swapped(weights, 'hidden/bias', 'gamma'), 'hidden'],
      [swapped(weights, 'gamma', 'beta'), 'norm'],
      [{ ...weights, specs: weights.specs.map((s) => (s.name.endsWith('logits/kernel') ? { ...s, name: s.name.replace('logits/', 'renamed/') } : s)) }, 'logits'],
    ];
    for (const [changed, nodeId] of cases) {
      const r = parseGraph(fileWith(graph, withoutChecksum(changed), 2));
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const error = loadError(fresh, graph, r.graph.runs[0]!.weights!);
      expect(error.nodeId).toBe(nodeId);
      expect(error.message).toContain(`node "${nodeId}"`);
    }
    const swap = loadError(fresh, graph, { ...withoutChecksum(swapped(weights, 'gamma', 'beta')), checksum: null } as SavedWeights);
    expect(swap.message).toMatch(/^the saved weights are not laid out as node "norm" expects: entry \d+ of their specs is .*beta of layer .*, where the model has .*gamma of layer .* \(the specs were reordered or renamed\)$/);
    fresh.model.dispose();
  });

  it('with swapped same-shape specs: the CLI export refuses it, names the node and exits 1', async () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = distinctWeights(compiled);
    compiled.model.dispose();
    const file = join(dir, 'v2-swapped.json');
    writeFileSync(file, JSON.stringify(fileWith(graph, withoutChecksum(swapped(weights, 'gamma', 'beta')), 2)));
    const before = readFileSync(file, 'utf8');
    const r = await runCli(['export', file, '--out', join(dir, 'exported')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/run run-1: the saved weights are not laid out as node "norm" expects/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('crc32 chaining (what the weights checksum relies on)', () => {
  it('crc32(b, crc32(a)) is the CRC-32 of a then b, and crc32 of "123456789" is the standard cbf43926', () => {
    const a = new TextEncoder().encode('1234');
    const b = new TextEncoder().encode('56789');
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
    expect(crc32(b, crc32(a))).toBe(crc32(new TextEncoder().encode('123456789')));
    expect(crc32(new Uint8Array(0), crc32(a))).toBe(crc32(a));
  });
});

describe('the checksum of base64 weight data', () => {
  it('is the checksum of its bytes, also when decoded in several chunks', () => {
    const specs = [{ layer: 'dense', name: 'dense/kernel', shape: [3_000_001], dtype: 'float32' as const }];
    const bytes = new Uint8Array(3_000_001 * 4).map((_, i) => Math.imul(i, 2654435761) >>> 24);
    const data = Buffer.from(bytes).toString('base64');
    // 16,000,008 base64 characters: three full 4 MiB chunks and a tail ending in "==" padding.
    expect(data.length).toBeGreaterThan(3 * 4 * 1024 * 1024);
    expect(data.endsWith('==')).toBe(true);
    expect(weightsChecksumOfBase64(specs, data)).toBe(weightsChecksum(specs, bytes));
    expect(weightsChecksumOfBase64(specs, data)).not.toBe(weightsChecksum([{ ...specs[0]!, name: 'dense/bias' }], bytes));
  });
});
