/**
 * The waves forecasting dataset: seeded, shaped by its options, noise of the stated size, and
 * learnable: the LSTM template trained by the CLI beats the forecast "the last value again".
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getDatasetSpec, loadDataset, NO_FILES, validateDatasetOptions } from '../../../core/data';
import { generateWaves } from '../../../core/data/waves';
import { runCli } from '../cli/run-cli';

function allRows(split: { size: number; gather(rows: ArrayLike<number>): { features: Readonly<Record<string, { data: Float32Array | Int32Array }>> } }) {
  const batch = split.gather(Array.from({ length: split.size }, (_, i) => i));
  return { series: batch.features.series?.data as Float32Array, next: batch.features.next?.data as Float32Array };
}

describe('waves', () => {
  it('is in the registry with its options, 70/10/20 splits and shapes from steps and horizon', async () => {
    const spec = getDatasetSpec('waves', { size: 1000, steps: 16, horizon: 3 });
    expect(spec.task).toBe('time-series-forecasting');
    expect(spec.sizes).toEqual({ train: 700, validation: 100, test: 200 });
    expect(spec.features.map((f) => [f.name, f.shape])).toEqual([['series', [16, 1]]]);
    expect(spec.labels.map((f) => [f.name, f.shape, f.dtype])).toEqual([['next', [3], 'float32']]);
    const dataset = await loadDataset('waves', NO_FILES, { size: 1000, steps: 16, horizon: 3 });
    expect(dataset.spec).toEqual(spec);
    const { series, next } = allRows(dataset.test);
    expect(series.length).toBe(200 * 16);
    expect(next.length).toBe(200 * 3);
    expect(validateDatasetOptions('waves', { horizon: 0 })).toMatchObject({ ok: false, issues: [{ key: 'horizon' }] });
    expect(validateDatasetOptions('waves', { classes: 3 })).toMatchObject({ ok: false, issues: [{ key: 'classes' }] });
  });

  it('repeats with a seed and changes with another', () => {
    const a = allRows(generateWaves({ size: 200, seed: 7 }).train);
    const b = allRows(generateWaves({ size: 200, seed: 7 }).train);
    const c = allRows(generateWaves({ size: 200, seed: 8 }).train);
    expect(a.series).toEqual(b.series);
    expect(a.next).toEqual(b.next);
    expect(a.series).not.toEqual(c.series);
  });

  it('adds noise of the stated standard deviation to series within [-1, 1]', () => {
    // The noise draws come from the same stream whatever the noise level, so noisy - clean = noise * N(0, 1).
    const clean = allRows(generateWaves({ size: 2000, noise: 0 }).train);
    const noisy = allRows(generateWaves({ size: 2000, noise: 0.3 }).train);
    expect(Math.max(...clean.series.map(Math.abs), ...clean.next.map(Math.abs))).toBeLessThanOrEqual(1);
    const z = noisy.series.map((v, i) => (v - (clean.series[i] as number)) / 0.3);
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.99);
    expect(sd).toBeLessThan(1.01);
  });

  it('the next value continues the window: a clean series is a smooth sum of sinusoids', () => {
    // With periods of at least 6 steps a step changes the clean series by at most 2π/6 of its range.
    const { series, next } = allRows(generateWaves({ size: 500, noise: 0 }).train);
    for (let i = 0; i < next.length; i++) {
      expect(Math.abs((next[i] as number) - (series[i * 32 + 31] as number))).toBeLessThanOrEqual((2 * Math.PI) / 6);
    }
  });

  it('netwright train: the LSTM template forecasts better than repeating the last value', async () => {
    const { series, next } = allRows(generateWaves().test);
    let repeatLast = 0;
    for (let i = 0; i < next.length; i++) repeatLast += ((next[i] as number) - (series[i * 32 + 31] as number)) ** 2;
    repeatLast /= next.length;
    const r = await runCli(['train', join(__dirname, '../../../examples/lstm-waves.json'), '--json', '--epochs', '4', '--backend', 'wasm']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const done = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { event: string; test: { loss: number; samples: number } };
    expect(done.test.samples).toBe(next.length);
    // Measured: 4 seeded epochs give a test MSE of about 0.015; repeating the last value 0.041.
    expect(done.test.loss).toBeLessThan(repeatLast / 2);
  }, 120_000);
});
