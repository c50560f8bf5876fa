/**
 * Hostile input: thousands of seeded mutations of valid graph files. The reader must never throw;
 * a refused file is answered with errors that name a JSON path, an accepted one analyses cleanly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeGraph, formatSummary, GraphBuilder, parseGraph, parseGraphText, serializeGraph, summarize, toSavedRun, weightsChecksumOfBase64 } from '../../../core/graph';

function templates(): unknown[] {
  const mlp = new GraphBuilder('mlp');
  const x = mlp.add('Input', { shape: [28, 28, 1], feature: 'image' });
  const o = mlp.add('Dense', { units: 10 }, mlp.add('Dense', { units: 32, activation: 'relu' }, mlp.add('Flatten', {}, x)));
  mlp.add('CategoricalCrossentropy', {}, { prediction: o, target: mlp.add('Input', { shape: [10], feature: 'label' }) });
  // A document with a kept run: mutations also reach its graph, curves, manifest and weights.
  const small = new GraphBuilder('small');
  const h = small.add('Dense', { units: 3 }, small.add('Input', { shape: [2], feature: 'point' }), 'hidden');
  small.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: h, target: small.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
  small.training({ dataset: { id: 'moons', options: {} } });
  const graph = small.build();
  const specs = [
    { layer: 'hidden', name: 'hidden/kernel', shape: [2, 3], dtype: 'float32' as const },
    { layer: 'hidden', name: 'hidden/bias', shape: [3], dtype: 'float32' as const },
  ];
  const run = toSavedRun({
    id: 'run-1',
    name: 'Run 1',
    status: 'completed',
    graph,
    manifest: { graphHash: 'f'.repeat(64), graphName: 'small', dataset: { id: 'moons', version: 1, options: {} }, seed: 1, backend: 'cpu', tfjsVersion: '4.22.0', training: graph.training, limit: null, startedAt: '2026-11-21T00:00:00.000Z' },
    curves: { steps: [1, 2], losses: [0.7, 0.6], epochSteps: [2], epochLoss: [0.65], validationLoss: [0.66], metrics: { accuracy: [0.5] }, validationMetrics: { accuracy: [0.5] } },
    test: { loss: 0.6, metrics: { accuracy: 0.5 } },
    weights: { specs, data: 'A'.repeat(48), checksum: weightsChecksumOfBase64(specs, 'A'.repeat(48)) },
  });
  const withRun = JSON.parse(serializeGraph({ ...graph, runs: [run] })) as unknown;
  expect(parseGraph(withRun).ok).toBe(true);
  return [JSON.parse(serializeGraph(mlp.build())) as unknown, withRun];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a JSON value, so a mutation can pick one. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function parentAndKey(root: unknown, path: (string | number)[]): [Record<string | number, unknown>, string | number] | null {
  if (path.length === 0) return null;
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  return [parent, path[path.length - 1] as string | number];
}

const replacements: Json[] = [null, true, 0, -1, 1e308, -1e308, 0.5, '', 'x', [], {}, [1, 2], { a: 1 }, 'Dense', 'x'.repeat(5000)];

type Mutation =
  | { kind: 'delete' | 'replace' | 'nonFinite' | 'protoKey' | 'deepNest'; pick: number; value: number }
  | { kind: 'cycle' | 'dangling' | 'unknownType' | 'duplicateEdge'; pick: number; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'replace', 'nonFinite', 'protoKey', 'deepNest', 'cycle', 'dangling', 'unknownType', 'duplicateEdge'),
  pick: fc.nat(),
  value: fc.nat(),
}) as fc.Arbitrary<Mutation>;

function mutate(doc: Record<string, unknown>, m: Mutation): void {
  const all = paths(doc);
  const path = all[m.pick % all.length] as (string | number)[];
  const target = parentAndKey(doc, path);
  const nodes = doc.nodes as { id?: unknown; type?: unknown }[] | undefined;
  const edges = doc.edges as unknown[] | undefined;
  switch (m.kind) {
    case 'delete':
      if (target) {
        const [parent, key] = target;
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
      }
      break;
    case 'replace':
      if (target) target[0][target[1]] = structuredClone(replacements[m.value % replacements.length]);
      break;
    case 'nonFinite':
      if (target) target[0][target[1]] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][m.value % 3];
      break;
    case 'protoKey':
      if (target && typeof target[0] === 'object') {
        const key = ['__proto__', 'constructor', 'prototype'][m.value % 3] as string;
        Object.defineProperty(target[0], key, { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
      }
      break;
    case 'deepNest': {
      let v: Json = 1;
      for (let i = 0; i < 30 + (m.value % 50); i++) v = [v];
      if (target) target[0][target[1]] = v;
      break;
    }
    case 'cycle':
    case 'dangling':
    case 'duplicateEdge':
      if (Array.isArray(nodes) && Array.isArray(edges) && nodes.length > 1) {
        const a = nodes[m.pick % nodes.length]?.id;
        const b = nodes[m.value % nodes.length]?.id;
        const edge =
          m.kind === 'cycle'
            ? { id: `z${m.value}`, source: { node: b, port: 'out' }, target: { node: a, port: 'in' } }
            : m.kind === 'dangling'
              ? { id: `z${m.value}`, source: { node: 'ghost', port: 'out' }, target: { node: a, port: 'in' } }
              : structuredClone(edges[m.value % Math.max(1, edges.length)]);
        edges.push(edge);
      }
      break;
    case 'unknownType':
      if (Array.isArray(nodes) && nodes.length > 0) {
        const node = nodes[m.pick % nodes.length];
        if (node && typeof node === 'object') node.type = ['Dense2', 'toString', '', '__proto__', 'dense'][m.value % 5];
      }
      break;
  }
}

function checkAnswer(result: ReturnType<typeof parseGraph>): void {
  if (!result.ok) {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) {
      expect(e.path).toMatch(/^\$/);
      expect(e.message.length).toBeGreaterThan(0);
    }
    return;
  }
  const analysis = analyzeGraph(result.graph);
  for (const issue of analysis.issues) {
    expect(issue.message.length).toBeGreaterThan(0);
    // Graph-level issues aside, every issue points at the node or wire it is about.
    if (!/has no loss/.test(issue.message)) expect(issue.nodeId ?? issue.edgeId).toBeDefined();
  }
  expect(() => formatSummary(summarize(result.graph, analysis))).not.toThrow();
}

describe('hostile graph files', () => {
  it('1,000 seeded mutations: no exception, every refusal names a path', () => {
    const bases = templates();
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (baseIndex, mutations) => {
        const doc = structuredClone(bases[baseIndex]) as Record<string, unknown>;
        for (const m of mutations) mutate(doc, m);
        checkAnswer(parseGraph(doc));
        // The same file as text (NaN becomes null, prototype keys stay literal keys).
        checkAnswer(parseGraphText(JSON.stringify(doc)));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1000, seed: 20261121 },
    );
  });

  it('garbage text of any kind is answered, never thrown', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        checkAnswer(parseGraphText(text));
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
