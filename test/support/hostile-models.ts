/**
 * Hostile TensorFlow.js model files for the importer: valid small models written by hand (a
 * Sequential and a Functional one with their weight bytes) and seeded mutations of them (truncated
 * or padded shards, huge or negative shapes, cyclic or dangling layer references, deep nesting,
 * hostile values anywhere). Used by test/unit/import/hostile-models.test.ts and `npm run fuzz`.
 */
import fc from 'fast-check';

export interface ModelCase {
  json: Record<string, unknown>;
  shards: Map<string, Uint8Array>;
}

function dense(name: string, units: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { class_name: 'Dense', config: { name, units, activation: 'relu', use_bias: true, trainable: true, ...extra } };
}

function weightBytes(count: number, seed: number): Uint8Array {
  const values = Float32Array.from({ length: count }, (_, i) => Math.sin(i + seed) / 2);
  return new Uint8Array(values.buffer);
}

/** Two valid models: a Sequential of Dense layers and a Functional one with a Concatenate. */
export function baseModels(): ModelCase[] {
  const sequential: ModelCase = {
    json: {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'seq', layers: [dense('d1', 3, { batch_input_shape: [null, 4], dtype: 'float32' }), dense('d2', 2)] },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
          weights: [
            { name: 'd1/kernel', shape: [4, 3], dtype: 'float32' },
            { name: 'd1/bias', shape: [3], dtype: 'float32' },
            { name: 'd2/kernel', shape: [3, 2], dtype: 'float32' },
            { name: 'd2/bias', shape: [2], dtype: 'float32' },
          ],
        },
      ],
    },
    shards: new Map(),
  };
  const all = weightBytes(12 + 3 + 6 + 2, 1);
  sequential.shards.set('group1-shard1of2.bin', all.slice(0, 40));
  sequential.shards.set('group1-shard2of2.bin', all.slice(40));
  const functional: ModelCase = {
    json: {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Model',
        config: {
          name: 'fn',
          layers: [
            { name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 3], dtype: 'float32' }, inbound_nodes: [] },
            { ...dense('a', 2), name: 'a', inbound_nodes: [[['x', 0, 0, {}]]] },
            { name: 'cat', class_name: 'Concatenate', config: { name: 'cat', axis: -1 }, inbound_nodes: [[['a', 0, 0, {}], ['x', 0, 0, {}]]] },
            { ...dense('out', 1), name: 'out', inbound_nodes: [[['cat', 0, 0, {}]]] },
          ],
          input_layers: [['x', 0, 0]],
          output_layers: [['out', 0, 0]],
        },
      },
      weightsManifest: [
        {
          paths: ['weights.bin'],
          weights: [
            { name: 'a/kernel', shape: [3, 2], dtype: 'float32' },
            { name: 'a/bias', shape: [2], dtype: 'float32' },
            { name: 'out/kernel', shape: [5, 1], dtype: 'float32' },
            { name: 'out/bias', shape: [1], dtype: 'float32' },
          ],
        },
      ],
    },
    shards: new Map([['weights.bin', weightBytes(6 + 2 + 5 + 1, 2)]]),
  };
  return [sequential, functional];
}

export type ModelMutation =
  | { kind: 'truncateShard'; pick: number; keep: number }
  | { kind: 'padShard'; pick: number; extra: number }
  | { kind: 'dropShard'; pick: number }
  | { kind: 'weightShape'; pick: number; shape: number[] }
  | { kind: 'cycle'; pick: number }
  | { kind: 'dangling'; pick: number }
  | { kind: 'deepNesting'; depth: number }
  | { kind: 'replace'; path: number[]; value: unknown }
  | { kind: 'remove'; path: number[] };

const hostileValue = fc.oneof(
  fc.constantFrom(null, -1, 0, 1e308, Number.MAX_SAFE_INTEGER, '', 'x'.repeat(300), [], {}, [null], true),
  fc.array(fc.integer({ min: -5, max: 1e9 }), { maxLength: 6 }),
  fc.string({ maxLength: 20 }),
);

export const modelMutationArb: fc.Arbitrary<ModelMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncateShard' as const), pick: fc.nat(), keep: fc.nat() }),
  fc.record({ kind: fc.constant('padShard' as const), pick: fc.nat(), extra: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('dropShard' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('weightShape' as const), pick: fc.nat(), shape: fc.array(fc.integer({ min: -2, max: 2_000_000_000 }), { maxLength: 5 }) }),
  fc.record({ kind: fc.constant('cycle' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('dangling' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('deepNesting' as const), depth: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('replace' as const), path: fc.array(fc.nat(), { minLength: 1, maxLength: 7 }), value: hostileValue }),
  fc.record({ kind: fc.constant('remove' as const), path: fc.array(fc.nat(), { minLength: 1, maxLength: 7 }) }),
);

function at<T>(list: readonly T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

type Json = Record<string, unknown> | unknown[];

/** Walks `path` (indices into keys or elements) and returns the container and key of the last step. */
function locate(root: Json, path: readonly number[]): { parent: Json; key: string | number } | null {
  let node: unknown = root;
  let parent: Json | null = null;
  let key: string | number = '';
  for (const step of path) {
    if (Array.isArray(node)) {
      if (node.length === 0) break;
      parent = node;
      key = step % node.length;
      node = node[key];
    } else if (typeof node === 'object' && node !== null) {
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      parent = node as Record<string, unknown>;
      key = keys[step % keys.length] as string;
      node = (node as Record<string, unknown>)[key];
    } else break;
  }
  return parent ? { parent, key } : null;
}

function functionalLayers(json: Record<string, unknown>): Record<string, unknown>[] {
  const topology = json.modelTopology as { config?: { layers?: unknown } } | undefined;
  const layers = topology?.config?.layers;
  return Array.isArray(layers) ? (layers as Record<string, unknown>[]) : [];
}

/** Applies one mutation in place. */
export function mutateModel(c: ModelCase, m: ModelMutation): void {
  const manifest = (c.json.weightsManifest as { paths: string[]; weights: { shape: unknown }[] }[] | undefined) ?? [];
  const shardNames = [...c.shards.keys()];
  switch (m.kind) {
    case 'truncateShard': {
      const name = at(shardNames, m.pick);
      const bytes = name ? c.shards.get(name) : undefined;
      if (name && bytes) c.shards.set(name, bytes.slice(0, m.keep % Math.max(1, bytes.length)));
      return;
    }
    case 'padShard': {
      const name = at(shardNames, m.pick);
      const bytes = name ? c.shards.get(name) : undefined;
      if (name && bytes) {
        const padded = new Uint8Array(bytes.length + m.extra);
        padded.set(bytes);
        c.shards.set(name, padded);
      }
      return;
    }
    case 'dropShard': {
      const name = at(shardNames, m.pick);
      if (name) c.shards.delete(name);
      return;
    }
    case 'weightShape': {
      const weight = at(manifest.flatMap((g) => g.weights ?? []), m.pick);
      if (weight) weight.shape = m.shape;
      return;
    }
    case 'cycle': {
      // A layer reads a layer defined after it (or itself).
      const layers = functionalLayers(c.json).filter((l) => Array.isArray(l.inbound_nodes) && (l.inbound_nodes as unknown[]).length > 0);
      const layer = at(layers, m.pick);
      const all = functionalLayers(c.json);
      const later = all[all.length - 1];
      if (layer && later) layer.inbound_nodes = [[[later.name, 0, 0, {}]]];
      return;
    }
    case 'dangling': {
      const layer = at(functionalLayers(c.json).filter((l) => Array.isArray(l.inbound_nodes) && (l.inbound_nodes as unknown[]).length > 0), m.pick);
      if (layer) layer.inbound_nodes = [[['no_such_layer', 0, 0, {}]]];
      return;
    }
    case 'deepNesting': {
      let model: Record<string, unknown> = { class_name: 'Sequential', config: { name: 'inner0', layers: [dense('deep0', 2, { batch_input_shape: [null, 2] })] } };
      for (let i = 1; i < m.depth; i++) model = { class_name: 'Sequential', config: { name: `inner${i}`, layers: [model] } };
      c.json.modelTopology = model;
      return;
    }
    case 'replace': {
      const spot = locate(c.json, m.path);
      if (spot) (spot.parent as Record<string | number, unknown>)[spot.key] = structuredClone(m.value);
      return;
    }
    case 'remove': {
      const spot = locate(c.json, m.path);
      if (!spot) return;
      if (Array.isArray(spot.parent)) spot.parent.splice(spot.key as number, 1);
      else delete spot.parent[spot.key as string];
      return;
    }
  }
}

export function cloneModelCase(c: ModelCase): ModelCase {
  return { json: structuredClone(c.json), shards: new Map([...c.shards].map(([k, v]) => [k, v.slice()])) };
}
