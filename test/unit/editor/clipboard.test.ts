import { describe, expect, it } from 'vitest';
import { extractSubgraph, pasteSubgraph } from '../../../core/graph/edit';
import { getTemplate } from '../../../core/templates';
import { decodeClipboard, encodeClipboard } from '../../../renderer/editor/clipboard';

const graph = (getTemplate('lenet-mnist') ?? (() => { throw new Error('no template'); })()).build();

describe('clipboard JSON', () => {
  it('round-trips a selection with exactly its internal wires', () => {
    const ids = graph.nodes.slice(1, 4).map((n) => n.id);
    const sub = extractSubgraph(graph, ids);
    expect(sub.edges.length).toBeGreaterThan(0);
    expect(sub.edges.every((e) => ids.includes(e.source.node) && ids.includes(e.target.node))).toBe(true);
    expect(decodeClipboard(encodeClipboard(sub))).toEqual(sub);
  });

  it('pastes as fresh nodes whose wires join the pasted copies only', () => {
    const ids = graph.nodes.slice(1, 4).map((n) => n.id);
    const sub = decodeClipboard(encodeClipboard(extractSubgraph(graph, ids)));
    if (!sub) throw new Error('decode failed');
    const { graph: after, nodeIds } = pasteSubgraph(graph, sub, { x: 40, y: 40 });
    expect(after.nodes).toHaveLength(graph.nodes.length + 3);
    const fresh = new Set(nodeIds);
    const newEdges = after.edges.slice(graph.edges.length);
    expect(newEdges).toHaveLength(sub.edges.length);
    expect(newEdges.every((e) => fresh.has(e.source.node) && fresh.has(e.target.node))).toBe(true);
  });

  it('refuses text that is not valid clipboard data', () => {
    const sub = extractSubgraph(graph, [graph.nodes[1]?.id ?? '']);
    const good = JSON.parse(encodeClipboard(sub)) as { nodes: { type: string; params: Record<string, unknown> }[] };
    expect(decodeClipboard('hello')).toBeNull();
    expect(decodeClipboard('{}')).toBeNull();
    expect(decodeClipboard(JSON.stringify({ ...good, nodes: [] }))).toBeNull();
    const unknownType = structuredClone(good);
    (unknownType.nodes[0] as { type: string }).type = 'NoSuchLayer';
    expect(decodeClipboard(JSON.stringify(unknownType))).toBeNull();
    const badParam = structuredClone(good);
    (badParam.nodes[0] as { params: Record<string, unknown> }).params.filters = -3;
    expect(decodeClipboard(JSON.stringify(badParam))).toBeNull();
    expect(decodeClipboard(JSON.stringify({ ...good, __proto__: { polluted: true }, extra: 1 }))).toBeNull();
  });

  it('drops wires that point outside the copied nodes', () => {
    const sub = extractSubgraph(graph, [graph.nodes[1]?.id ?? '', graph.nodes[2]?.id ?? '']);
    const withStray = { ...sub, edges: [...sub.edges, { id: 'stray', source: { node: 'elsewhere', port: 'out' }, target: { node: sub.nodes[0]?.id ?? '', port: 'in' } }] };
    expect(decodeClipboard(encodeClipboard(withStray))?.edges).toEqual(sub.edges);
  });
});
