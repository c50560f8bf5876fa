/**
 * The hostile-document generator: seeded mutations of valid graph files (deletions, wrong types,
 * non-finite numbers, prototype keys, deep nesting, cycles, dangling wires, unknown types...).
 * Shared by test/unit/graph/hostile.test.ts and scripts/fuzz.ts.
 */
import fc from 'fast-check';
import { GraphBuilder, parseGraph, serializeGraph, toSavedRun, weightsChecksumOfBase64 } from '../../core/graph';

/** Valid documents to mutate: an MNIST MLP, and a small graph with a kept run. */
export function templates(): unknown[] {
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
  if (!parseGraph(withRun).ok) throw new Error('the template with a kept run must parse');
  return [JSON.parse(serializeGraph(mlp.build())) as unknown, withRun];
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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

export type Mutation =
  | { kind: 'delete' | 'replace' | 'nonFinite' | 'protoKey' | 'deepNest'; pick: number; value: number }
  | { kind: 'cycle' | 'dangling' | 'unknownType' | 'duplicateEdge'; pick: number; value: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'replace', 'nonFinite', 'protoKey', 'deepNest', 'cycle', 'dangling', 'unknownType', 'duplicateEdge'),
  pick: fc.nat(),
  value: fc.nat(),
}) as fc.Arbitrary<Mutation>;

/** Applies one mutation in place. */
export function mutate(doc: Record<string, unknown>, m: Mutation): void {
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
