/**
 * The GAN tab's game chart (renderer/training/views/gan.tsx): from a run's per-step series, the
 * losses by node name, D(x), D(G(z)) and, for WGAN-GP, the gradient penalty as its own series
 * (the trainer's GP metric, gradient-penalty.test.ts), each at the steps that computed it.
 */
import { describe, expect, it } from 'vitest';
import { gameSeries } from '../../../renderer/training/views/gan';

const nodes = [
  { id: 'd_loss', name: 'critic loss' },
  { id: 'g_loss', name: 'generator loss' },
];

describe('the game chart series', () => {
  it('draws GP beside both losses and D(x), D(G(z)), only at the critic steps', () => {
    // Steps 1 and 3 trained the critic, 2 and 4 the generator (NaN: not computed that step).
    const series = gameSeries(
      {
        d_loss: [-0.5, Number.NaN, 0.25, Number.NaN],
        g_loss: [Number.NaN, 0.4, Number.NaN, 0.3],
        'D(x)': [1.5, Number.NaN, 0.75, Number.NaN],
        'D(G(z))': [-0.25, -0.4, 0.5, -0.3],
        GP: [0.25, Number.NaN, 0.5, Number.NaN],
      },
      [1, 2, 3, 4],
      nodes,
    );
    expect(series.map((s) => s.label)).toEqual(['critic loss', 'generator loss', 'D(x)', 'D(G(z))', 'GP']);
    const gp = series.find((s) => s.label === 'GP');
    expect(gp?.x).toEqual([1, 3]);
    expect(gp?.y).toEqual([0.25, 0.5]);
    // Distinct colours for every series.
    expect(new Set(series.map((s) => s.color)).size).toBe(series.length);
  });

  it('has no GP series without a gradient penalty, and names several critics\' penalties', () => {
    expect(gameSeries({ d_loss: [0.7], 'D(x)': [0.5], 'D(G(z))': [0.5] }, [1], nodes).map((s) => s.label)).toEqual(['critic loss', 'D(x)', 'D(G(z))']);
    const two = gameSeries({ 'd_loss.GP': [0.1], 'd2.GP': [0.2] }, [1], nodes).map((s) => s.label);
    expect(two).toEqual(['d_loss.GP', 'd2.GP']);
  });
});
