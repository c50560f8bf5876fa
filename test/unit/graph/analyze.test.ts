import { describe, expect, it } from 'vitest';
import { analyzeGraph, checkConnection, createAnalyzer, GraphBuilder, type GraphDocument } from '../../../core/graph';

function chain(): { graph: GraphDocument; ids: Record<string, string> } {
  const g = new GraphBuilder('chain');
  const x = g.add('Input', { shape: [28, 28, 1], feature: 'image' });
  const f = g.add('Flatten', {}, x);
  const d = g.add('Dense', { units: 128 }, f);
  const o = g.add('Dense', { units: 10 }, d);
  return { graph: g.build(), ids: { x: x.node, f: f.node, d: d.node, o: o.node } };
}

const errors = (graph: GraphDocument) => analyzeGraph(graph).issues.filter((i) => i.severity === 'error');

describe('shape inference over a graph', () => {
  it('gives every edge its shape', () => {
    const { graph } = chain();
    const a = analyzeGraph(graph);
    expect([...a.edgeShapes.values()]).toEqual([
      [null, 28, 28, 1],
      [null, 784],
      [null, 128],
    ]);
  });

  it('says what to do when Dense gets an image', () => {
    const { graph, ids } = chain();
    // Wire the image straight into the Dense, skipping the Flatten.
    graph.edges = graph.edges.map((e) => (e.target.node === ids.d ? { ...e, source: { node: ids.x as string, port: 'out' } } : e));
    const [first] = errors(graph);
    expect(first?.nodeId).toBe(ids.d);
    expect(first?.port).toBe('in');
    expect(first?.message).toBe('dense: Dense expects rank 2..3 but got [batch, 28, 28, 1]; add a Flatten before it');
    expect(first?.detail).toBe('Dense expects rank 2..3 but got [batch, 28, 28, 1]; add a Flatten before it');
  });

  it('reports a missing required input on the node and port', () => {
    const { graph, ids } = chain();
    graph.edges = graph.edges.filter((e) => e.target.node !== ids.f);
    const issues = analyzeGraph(graph).issues;
    expect(issues).toContainEqual({ severity: 'error', nodeId: ids.f, port: 'in', message: 'Flatten: input "in" is not connected', detail: 'input "in" is not connected' });
    // Downstream nodes wait without piling on errors of their own.
    expect(issues.filter((i) => i.nodeId === ids.d).every((i) => i.severity === 'warning')).toBe(true);
  });

  it('reports cycles without throwing', () => {
    const { graph, ids } = chain();
    graph.edges.push({ id: 'loop', source: { node: ids.o as string, port: 'out' }, target: { node: ids.f as string, port: 'in' } });
    const a = analyzeGraph(graph);
    const cyclic = a.issues.filter((i) => /on a cycle/.test(i.message)).map((i) => i.nodeId);
    expect(cyclic.sort()).toEqual([ids.d, ids.f, ids.o].sort());
  });

  it('reports dangling wires and unknown ports', () => {
    const { graph, ids } = chain();
    graph.edges.push({ id: 'ghost', source: { node: 'nobody', port: 'out' }, target: { node: ids.o as string, port: 'in' } });
    graph.edges.push({ id: 'badport', source: { node: ids.x as string, port: 'out' }, target: { node: ids.o as string, port: 'query' } });
    const messages = errors(graph).map((i) => i.message);
    expect(messages).toContain('wire ghost is dangling: node "nobody" does not exist');
    expect(messages).toContain('Dense: there is no input named "query"');
  });

  it('reports two wires into a single-wire port', () => {
    const { graph, ids } = chain();
    graph.edges.push({ id: 'twice', source: { node: ids.f as string, port: 'out' }, target: { node: ids.o as string, port: 'in' } });
    expect(errors(graph).map((i) => i.message)).toContain('Dense: input "in" takes one wire but has several');
  });

  it('binds Input nodes to the bundled datasets by default', () => {
    const { graph, ids } = chain();
    graph.training.dataset = { id: 'mnist', options: {} };
    expect(analyzeGraph(graph).issues.filter((i) => i.nodeId === ids.x)).toEqual([]);
    (graph.nodes[0] as { params: Record<string, unknown> }).params.feature = 'pixels';
    expect(errors(graph)[0]?.message).toMatch(/dataset 'mnist' has no feature 'pixels' \(it has image, label\)/);
  });

  it('binds Input nodes to dataset features', () => {
    const { graph, ids } = chain();
    graph.training.dataset = { id: 'mnist', options: {} };
    const resolveFeature = ({ id }: { id: string }, feature: string) =>
      id === 'mnist' && feature === 'image' ? { shape: [null, 14, 14, 1] } : { error: `dataset ${id} has no feature "${feature}"` };
    const a = analyzeGraph(graph, { resolveFeature });
    expect(a.edgeShapes.get(graph.edges[1]?.id as string)).toEqual([null, 196]);
    expect(a.issues.find((i) => i.nodeId === ids.x)?.message).toMatch(/replaced by \[batch, 14, 14, 1\]/);
    (graph.nodes[0] as { params: Record<string, unknown> }).params.feature = 'pixels';
    expect(analyzeGraph(graph, { resolveFeature }).issues[0]?.message).toMatch(/has no feature "pixels"/);
  });
});

describe('incremental analysis', () => {
  it('reuses the results of nodes an edit did not touch', () => {
    const { graph, ids } = chain();
    const analyzer = createAnalyzer();
    const first = analyzer.analyze(graph);
    const edited: GraphDocument = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === ids.o ? { ...n, params: { ...n.params, units: 5 } } : n)),
    };
    const second = analyzer.analyze(edited);
    expect(second.nodes.get(ids.d as string)?.outputs).toBe(first.nodes.get(ids.d as string)?.outputs);
    expect(second.nodes.get(ids.o as string)?.outputs).toEqual({ out: [null, 5] });
    expect(second.totals.trainable).toBe(784 * 128 + 128 + 128 * 5 + 5);
  });
});

describe('trial connections', () => {
  it('refuses a wire shape inference rejects, with the reason', () => {
    const { graph, ids } = chain();
    graph.edges = graph.edges.filter((e) => e.target.node !== ids.d);
    const analyzer = createAnalyzer();
    const bad = checkConnection(analyzer, graph, { source: { node: ids.x as string, port: 'out' }, target: { node: ids.d as string, port: 'in' } });
    expect(bad).toEqual({ ok: false, reason: 'dense: Dense expects rank 2..3 but got [batch, 28, 28, 1]; add a Flatten before it' });
    const good = checkConnection(analyzer, graph, { source: { node: ids.f as string, port: 'out' }, target: { node: ids.d as string, port: 'in' } });
    expect(good).toEqual({ ok: true, shape: [null, 784] });
  });

  it('refuses cycles, self loops and a second wire into a single-wire port', () => {
    const { graph, ids } = chain();
    const analyzer = createAnalyzer();
    expect(checkConnection(analyzer, graph, { source: { node: ids.o as string, port: 'out' }, target: { node: ids.o as string, port: 'in' } }).ok).toBe(false);
    const taken = checkConnection(analyzer, graph, { source: { node: ids.f as string, port: 'out' }, target: { node: ids.o as string, port: 'in' } });
    expect(taken).toEqual({ ok: false, reason: 'input "in" already has a wire; remove it first' });
    const { graph: g2, ids: i2 } = chain();
    g2.edges = g2.edges.filter((e) => e.target.node !== i2.f);
    const cycle = checkConnection(analyzer, g2, { source: { node: i2.o as string, port: 'out' }, target: { node: i2.f as string, port: 'in' } });
    expect(cycle).toEqual({ ok: false, reason: 'this wire would make a cycle; networks are acyclic' });
  });
});
