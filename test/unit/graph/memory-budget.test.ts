/**
 * A graph too big to train is refused by analysis (on its largest node, with the estimate) and so
 * by compile, before any tensor is allocated.
 */
import { describe, expect, it } from 'vitest';
import { CompileError, compileGraph } from '../../../core/engine/compile';
import { analyzeGraph, GraphBuilder, TRAINING_MEMORY_BUDGET_BYTES, type GraphDocument } from '../../../core/graph';

function huge(): GraphDocument {
  const g = new GraphBuilder('huge');
  const x = g.add('Input', { shape: [1_000_000] });
  const big = g.add('Dense', { units: 1_000_000 }, x, 'wide');
  const o = g.add('Dense', { units: 10 }, big, 'head');
  g.add('CategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [10] }) });
  return g.build();
}

describe('memory budget', () => {
  it('10^12 parameters: an error on the largest node naming its estimate', () => {
    const graph = huge();
    const analysis = analyzeGraph(graph);
    const wide = graph.nodes.find((n) => n.name === 'wide');
    const issue = analysis.issues.find((i) => i.severity === 'error' && /memory/.test(i.message));
    expect(issue?.nodeId).toBe(wide?.id);
    expect(issue?.message).toMatch(/^wide \(Dense\)/);
    expect(issue?.message).toMatch(/1,000,001,000,000 parameters/);
    expect(issue?.message).toMatch(/14\.6 TiB here/);
    expect(issue?.message).toMatch(/memory budget of 4\.00 GiB/);
    expect(analysis.nodes.get(wide?.id ?? '')?.issues).toContainEqual(issue);
  });

  it('compile refuses it with the same text', () => {
    const graph = huge();
    const analysis = analyzeGraph(graph);
    const message = analysis.issues.find((i) => /memory/.test(i.message))?.message;
    let thrown: unknown;
    try {
      compileGraph(graph);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CompileError);
    expect((thrown as CompileError).issues.map((i) => i.message)).toContain(message);
  });

  it('activations count too: a big batch of big inputs is over the budget', () => {
    const g = new GraphBuilder('wide batch');
    const x = g.add('Input', { shape: [1000, 1000, 3] }, undefined, 'photo');
    const o = g.add('Dense', { units: 2 }, g.add('Flatten', {}, x));
    g.add('CategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [2] }) });
    g.training({ batchSize: 4096 });
    const analysis = analyzeGraph(g.build());
    expect(analysis.issues.some((i) => /memory/.test(i.message) && /batch 4,096/.test(i.message))).toBe(true);
  });

  it('ordinary graphs are well within it', () => {
    const g = new GraphBuilder('mlp');
    const o = g.add('Dense', { units: 10 }, g.add('Dense', { units: 128 }, g.add('Flatten', {}, g.add('Input', { shape: [28, 28, 1] }))));
    g.add('CategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [10] }) });
    expect(analyzeGraph(g.build()).issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(TRAINING_MEMORY_BUDGET_BYTES).toBeGreaterThan(1e9);
  });
});
