import { describe, expect, it } from 'vitest';
import { analyzeGraph, GraphBuilder, summarize, formatSummary } from '../../../core/graph';

function mlp(hidden: number[]) {
  const g = new GraphBuilder('mlp');
  const x = g.add('Input', { shape: [28, 28, 1], feature: 'image' });
  let h = g.add('Flatten', {}, x);
  for (const units of hidden) h = g.add('Dense', { units, activation: 'relu' }, h);
  const logits = g.add('Dense', { units: 10 }, h);
  const y = g.add('Input', { shape: [10], feature: 'label' });
  g.add('CategoricalCrossentropy', { fromLogits: true }, { prediction: logits, target: y });
  return g.build();
}

describe('summary of reference models', () => {
  it('MLP 784-128-10 has 101,770 parameters', () => {
    const graph = mlp([128]);
    const s = summarize(graph, analyzeGraph(graph));
    expect(s.errors).toEqual([]);
    expect(s.totals.total).toBe(101_770);
    expect(s.rows.map((r) => r.outputShapes[0])).toEqual([
      '[batch, 28, 28, 1]',
      '[batch, 784]',
      '[batch, 128]',
      '[batch, 10]',
      '[batch, 10]',
    ]);
    expect(s.losses).toHaveLength(1);
    // 2 * (784*128 + 128*10) multiply-adds per sample.
    expect(s.totals.flops).toBe(2 * (784 * 128 + 128 * 10));
    expect(formatSummary(s)).toContain('Total params: 101,770');
  });

  it('MLP 784-512-512-10 has 669,706 parameters', () => {
    const graph = mlp([512, 512]);
    expect(summarize(graph, analyzeGraph(graph)).totals.total).toBe(669_706);
  });
});
