import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyzeGraph,
  emptyGraph,
  GRAPH_VERSION,
  GraphBuilder,
  parseGraph,
  parseGraphText,
  serializeGraph,
  type GraphDocument,
  type Migration,
} from '../../../core/graph';
import { migrate } from '../../../core/graph/migrations';
import { graphArb } from './arbitraries';

function mnistMlp(): GraphDocument {
  const g = new GraphBuilder('MLP');
  const x = g.add('Input', { shape: [28, 28, 1], feature: 'image' });
  const f = g.add('Flatten', {}, x);
  const h = g.add('Dense', { units: 128, activation: 'relu' }, f);
  const o = g.add('Dense', { units: 10 }, h);
  const y = g.add('Input', { shape: [10], feature: 'label' });
  g.add('CategoricalCrossentropy', {}, { prediction: o, target: y });
  return g.build();
}

function errorsOf(value: unknown) {
  const r = parseGraph(value);
  if (r.ok) throw new Error('expected the document to be refused');
  return r.errors;
}

describe('graph document validation', () => {
  it('accepts a valid document and fills missing parameters with defaults', () => {
    const doc = mnistMlp();
    delete (doc.nodes[2] as { params: Record<string, unknown> }).params.useBias;
    const r = parseGraph(doc);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.graph.nodes[2]?.params.useBias).toBe(true);
  });

  it('names the JSON path and what was expected', () => {
    const doc = mnistMlp() as unknown as { nodes: { params: Record<string, unknown> }[] };
    (doc.nodes[2] as { params: Record<string, unknown> }).params.units = 'many';
    const errors = errorsOf(doc);
    expect(errors[0]?.path).toBe('$.nodes[2].params.units');
    expect(errors[0]?.message).toMatch(/number/);
  });

  it('refuses out-of-range and non-finite parameters', () => {
    for (const bad of [0, -3, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e12]) {
      const doc = mnistMlp();
      (doc.nodes[2] as { params: Record<string, unknown> }).params.units = bad;
      expect(errorsOf(doc)[0]?.path).toBe('$.nodes[2].params.units');
    }
  });

  it('names an unknown layer type', () => {
    const doc = mnistMlp();
    (doc.nodes[1] as { type: string }).type = 'Flattener';
    expect(errorsOf(doc)).toEqual([{ path: '$.nodes[1].type', message: 'unknown layer type "Flattener"' }]);
  });

  it('refuses unknown parameters and unknown fields', () => {
    const doc = mnistMlp() as unknown as { nodes: { params: Record<string, unknown> }[]; extra?: number };
    (doc.nodes[2] as { params: Record<string, unknown> }).params.unitz = 3;
    // The unknown key itself is the path's last step.
    expect(errorsOf(doc)[0]).toEqual({ path: '$.nodes[2].params.unitz', message: 'unknown key' });
    const doc2 = mnistMlp() as unknown as Record<string, unknown>;
    doc2.extra = 1;
    expect(errorsOf(doc2)[0]?.path).toBe('$.extra');
  });

  it('refuses prototype keys, deep nesting and oversized strings', () => {
    const proto = JSON.parse(serializeGraph(mnistMlp()).replace('"params": {', '"params": {"__proto__": {"polluted": 1},')) as unknown;
    expect(errorsOf(proto)[0]?.message).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const deep = mnistMlp() as unknown as { metadata: Record<string, unknown> };
    let nest: Record<string, unknown> = {};
    deep.metadata.name = nest as unknown as string;
    for (let i = 0; i < 40; i++) nest = (nest.a = {}) as Record<string, unknown>;
    expect(errorsOf(deep)[0]?.message).toMatch(/nested deeper/);
    const long = mnistMlp();
    long.metadata.description = 'x'.repeat(100_000);
    expect(errorsOf(long)[0]).toEqual({ path: '$.metadata.description', message: expect.stringMatching(/longer than the limit/) as string });
  });

  it('refuses duplicate ids', () => {
    const doc = mnistMlp();
    (doc.nodes[3] as { id: string }).id = (doc.nodes[2] as { id: string }).id;
    expect(errorsOf(doc)[0]?.path).toBe('$.nodes[3].id');
  });

  it('explains files that are not graphs, broken JSON and newer versions', () => {
    expect(parseGraphText('{"nodes": [')).toEqual({ ok: false, errors: [{ path: '$', message: expect.stringMatching(/^not valid JSON/) as string }] });
    expect(errorsOf([1, 2])[0]?.message).toMatch(/JSON object/);
    expect(errorsOf({ format: 'keras' })[0]).toEqual({ path: '$.format', message: expect.stringMatching(/not a Netwright graph/) as string });
    expect(errorsOf({ ...mnistMlp(), version: 99 })[0]?.message).toMatch(/newer Netwright/);
  });

  it('migrates older versions step by step, and says which step failed', () => {
    const migrations: Migration[] = [
      { from: 1, describe: 'layers -> nodes', up: ({ layers, ...rest }) => ({ ...rest, nodes: layers }) },
      { from: 2, describe: 'add metadata', up: (doc) => ({ ...doc, metadata: { name: 'm', description: '' } }) },
    ];
    const legacy = { format: 'netwright.graph', version: 1, layers: [1] };
    const r = migrate(legacy, migrations, 3);
    expect(r).toEqual({ ok: true, value: { format: 'netwright.graph', version: 3, nodes: [1], metadata: { name: 'm', description: '' } } });
    const broken = migrate(legacy, [{ from: 1, describe: 'boom', up: () => { throw new Error('bad layers'); } }], 2);
    expect(broken).toEqual({ ok: false, error: { path: '$', message: 'migration from version 1 (boom) failed: bad layers' } });
    expect(migrate({ version: 1 }, [], 2)).toEqual({ ok: false, error: { path: '$.version', message: 'no migration from version 1' } });
    expect(migrate({ version: '1' }, [], 1).ok).toBe(false);
  });
});

describe('canonical serialization', () => {
  it('round-trips 500 random valid graphs byte-identically', () => {
    let checked = 0;
    fc.assert(
      fc.property(graphArb, (doc) => {
        const first = parseGraph(JSON.parse(JSON.stringify(doc)));
        expect(first.ok, JSON.stringify(first)).toBe(true);
        if (!first.ok) return;
        const text = serializeGraph(first.graph);
        const second = parseGraphText(text);
        expect(second.ok).toBe(true);
        if (!second.ok) return;
        expect(second.graph).toEqual(first.graph);
        expect(serializeGraph(second.graph)).toBe(text);
        checked++;
      }),
      { numRuns: 500, seed: 11 },
    );
    expect(checked).toBe(500);
  });

  it('writes keys in a fixed order whatever order they came in', () => {
    const doc = mnistMlp();
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]))
          : v;
    const r = parseGraph(reverseKeys(doc));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(serializeGraph(r.graph)).toBe(serializeGraph(doc));
      expect(serializeGraph(r.graph).startsWith(`{\n  "format": "netwright.graph",\n  "version": ${GRAPH_VERSION},`)).toBe(true);
    }
  });

  it('an empty graph is valid', () => {
    expect(parseGraph(emptyGraph()).ok).toBe(true);
    expect(analyzeGraph(emptyGraph()).issues).toEqual([]);
  });
});
