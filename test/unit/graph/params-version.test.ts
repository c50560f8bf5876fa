/**
 * Per-type parameter versions (`paramsVersion` + `migrate` on a declaration): parsing brings a
 * node's older parameters up to date, the serializer writes the current version, and a file from a
 * newer version or a failed migration is refused at the node's path. A test type stands in for a
 * type whose parameter changed meaning: version 1 stored Dropout's `keep` probability, version 2
 * stores `rate` (the probability of dropping).
 */
import { describe, expect, it, vi } from 'vitest';
import type { LayerDecl } from '../../../core/catalogue/decl';
import { dropout } from '../../../core/catalogue/layers/core/dropout';
import { allDecls } from '../../../core/catalogue/registry';
import { GraphBuilder, parseGraph, parseGraphText, serializeGraph, type GraphDocument } from '../../../core/graph';

const keepToRate: LayerDecl = {
  ...dropout,
  type: 'KeepDropout',
  paramsVersion: 2,
  migrate(params, from) {
    if (from !== 1) throw new Error(`no step from version ${from}`);
    const { keep, ...rest } = params;
    if (typeof keep !== 'number') throw new Error('version 1 needs a numeric keep');
    return { ...rest, rate: 1 - keep };
  },
};

vi.mock('../../../core/catalogue/registry', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../core/catalogue/registry')>();
  return { ...original, getDecl: (type: string) => (type === 'KeepDropout' ? keepToRate : original.getDecl(type)) };
});

/** A document as a version-1 writer left it: the node has `keep` and no paramsVersion. */
function oldFile(keep: unknown): Record<string, unknown> {
  const g = new GraphBuilder('old dropout');
  const x = g.add('Input', { shape: [4] });
  g.add('Dense', { units: 3 }, g.add('Dropout', { rate: 0.1 }, x));
  const doc = JSON.parse(serializeGraph(g.build())) as { nodes: Record<string, unknown>[] };
  const node = doc.nodes[1] as Record<string, unknown>;
  node.type = 'KeepDropout';
  node.params = { keep };
  return doc;
}

function parsed(value: unknown): GraphDocument {
  const r = parseGraph(value);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.graph;
}

describe('per-type parameter versions', () => {
  it('migrates an old params shape at parse, writes the current version, and reads its own file back unchanged', () => {
    const graph = parsed(oldFile(0.75));
    expect(graph.nodes[1]).toMatchObject({ type: 'KeepDropout', params: { rate: 0.25 } });
    expect(graph.nodes[1]).not.toHaveProperty('paramsVersion');
    const text = serializeGraph(graph);
    expect(JSON.parse(text).nodes[1]).toMatchObject({ paramsVersion: 2, params: { rate: 0.25 } });
    // Read again: version 2 is not migrated a second time (it has no `keep`, which would fail).
    const again = parseGraphText(text);
    expect(again.ok && again.graph.nodes[1]?.params).toEqual(graph.nodes[1]?.params);
    expect(again.ok && serializeGraph(again.graph)).toBe(text);
  });

  it('refuses parameters from a newer version, and a failed migration, at the node', () => {
    const newer = { ...oldFile(0.5) };
    (newer.nodes as Record<string, unknown>[])[1] = { ...(newer.nodes as Record<string, unknown>[])[1], paramsVersion: 3, params: { rate: 0.5 } };
    const r1 = parseGraph(newer);
    expect(r1.ok ? [] : r1.errors).toEqual([{ path: '$.nodes[1].paramsVersion', message: expect.stringContaining('KeepDropout parameters of version 3 were written by a newer Netwright (this one reads up to 2)') }]);
    const r2 = parseGraph(oldFile('most'));
    expect(r2.ok ? [] : r2.errors).toEqual([{ path: '$.nodes[1].params', message: 'KeepDropout parameters of version 1 could not be migrated: version 1 needs a numeric keep' }]);
  });

  it('every declaration above version 1 has a migrate; version-1 types write no paramsVersion', () => {
    for (const decl of allDecls()) if ((decl.paramsVersion ?? 1) > 1) expect(decl.migrate, decl.type).toBeTypeOf('function');
    const g = new GraphBuilder('plain');
    g.add('Dense', { units: 2 }, g.add('Input', { shape: [3] }));
    expect(serializeGraph(g.build())).not.toContain('paramsVersion');
  });
});
