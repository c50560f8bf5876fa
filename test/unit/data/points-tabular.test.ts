/** 2-D generators (determinism, geometry, balance) and the tabular sets (rows, standardisation). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDatasetSpec, loadDataset, NO_FILES, POINTS_KINDS, type Dataset, type DatasetSplit } from '../../../core/data';
import { dataSource, ensureBuilt } from './helpers';

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

function all(split: DatasetSplit): { x: Float32Array; labels: Int32Array } {
  const rows = Array.from({ length: split.size }, (_, i) => i);
  const batch = split.gather(rows);
  const x = (batch.features.point ?? batch.features.features)?.data as Float32Array;
  return { x, labels: batch.features.label?.data as Int32Array };
}

describe('2-D generators', () => {
  it.each(POINTS_KINDS)('%s: same seed -> same points, other seed -> other points', async (kind) => {
    const a = all((await loadDataset(kind, NO_FILES, { seed: 7 })).train);
    const b = all((await loadDataset(kind, NO_FILES, { seed: 7 })).train);
    const c = all((await loadDataset(kind, NO_FILES, { seed: 8 })).train);
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(c.x)).not.toEqual(Array.from(a.x));
    expect(a.x.every(Number.isFinite)).toBe(true);
  });

  it.each(POINTS_KINDS)('%s: sizes follow the options, classes balanced, splits differ', async (kind) => {
    const dataset = await loadDataset(kind, NO_FILES, { size: 500, seed: 2 });
    expect(dataset.spec).toEqual(getDatasetSpec(kind, { size: 500, seed: 2 }));
    expect([dataset.train.size, dataset.validation.size, dataset.test.size]).toEqual([350, 50, 100]);
    const { labels } = all(dataset.train);
    const classes = dataset.spec.labels[0]?.classNames?.length ?? 0;
    const counts = new Array<number>(classes).fill(0);
    for (const l of labels) counts[l] = (counts[l] as number) + 1;
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(Array.from(all(dataset.test).x.slice(0, 20))).not.toEqual(Array.from(all(dataset.train).x.slice(0, 20)));
  });

  it('noise 0 gives the exact shapes: circle radii, quadrant XOR, moons arcs, spiral radius/angle', async () => {
    const circles = all((await loadDataset('circles', NO_FILES, { noise: 0 })).train);
    for (let i = 0; i < circles.labels.length; i++) {
      const r = Math.hypot(circles.x[2 * i] as number, circles.x[2 * i + 1] as number);
      expect(r).toBeCloseTo(circles.labels[i] === 0 ? 1 : 0.5, 5);
    }
    const xor = all((await loadDataset('xor', NO_FILES, { noise: 0 })).train);
    for (let i = 0; i < xor.labels.length; i++) {
      expect((xor.x[2 * i] as number) * (xor.x[2 * i + 1] as number) < 0 ? 1 : 0).toBe(xor.labels[i]);
    }
    const moons = all((await loadDataset('moons', NO_FILES, { noise: 0 })).train);
    for (let i = 0; i < moons.labels.length; i++) {
      const [x, y] = [moons.x[2 * i] as number, moons.x[2 * i + 1] as number];
      // Class 0: unit circle around (-0.5, -0.25), upper half; class 1: around (0.5, 0.25), lower half.
      const [cx, cy] = moons.labels[i] === 0 ? [-0.5, -0.25] : [0.5, 0.25];
      expect(Math.hypot(x - cx, y - cy)).toBeCloseTo(1, 5);
      expect(moons.labels[i] === 0 ? y >= cy - 1e-6 : y <= cy + 1e-6).toBe(true);
    }
    const spirals = all((await loadDataset('spirals', NO_FILES, { noise: 0 })).train);
    for (let i = 0; i < spirals.labels.length; i++) {
      const [x, y] = [spirals.x[2 * i] as number, spirals.x[2 * i + 1] as number];
      const r = Math.hypot(x, y);
      // Point = r (sin t, cos t) with t = 3.5 pi r + pi * label.
      const t = 3.5 * Math.PI * r + Math.PI * (spirals.labels[i] as number);
      expect(x).toBeCloseTo(r * Math.sin(t), 4);
      expect(y).toBeCloseTo(r * Math.cos(t), 4);
    }
  });

  it('blobs: class means near the unit-circle centres, spread near the noise', async () => {
    const dataset = await loadDataset('blobs', NO_FILES, { classes: 4, noise: 0.2, size: 4000 });
    const { x, labels } = all(dataset.train);
    for (let c = 0; c < 4; c++) {
      let sx = 0;
      let sy = 0;
      let n = 0;
      for (let i = 0; i < labels.length; i++) {
        if (labels[i] !== c) continue;
        sx += x[2 * i] as number;
        sy += x[2 * i + 1] as number;
        n++;
      }
      expect(sx / n).toBeCloseTo(Math.cos((2 * Math.PI * c) / 4), 1);
      expect(sy / n).toBeCloseTo(Math.sin((2 * Math.PI * c) / 4), 1);
    }
  });

  it('rejects bad options', () => {
    expect(() => getDatasetSpec('moons', { size: 3 })).toThrow(RangeError);
    expect(() => getDatasetSpec('moons', { noise: -1 })).toThrow(RangeError);
    expect(() => getDatasetSpec('blobs', { classes: 12 })).toThrow(RangeError);
    expect(() => getDatasetSpec('nope')).toThrow(/unknown dataset 'nope'/);
  });
});

function columnStats(dataset: Dataset, split: 'train' | 'test', column: number, width: number): { mean: number; std: number } {
  const { x } = all(dataset[split]);
  const values: number[] = [];
  for (let i = column; i < x.length; i += width) values.push(x[i] as number);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std };
}

describe('tabular sets', () => {
  it('iris: 150 rows split 105/15/30; train features standardised to mean 0, std 1', async () => {
    const dataset = await loadDataset('iris', dataSource());
    expect([dataset.train.size, dataset.validation.size, dataset.test.size]).toEqual([105, 15, 30]);
    for (let j = 0; j < 4; j++) {
      const { mean, std } = columnStats(dataset, 'train', j, 4);
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 5);
      // Test rows use the TRAIN statistics, so their mean is not exactly 0.
      expect(Math.abs(columnStats(dataset, 'test', j, 4).mean)).toBeGreaterThan(1e-4);
    }
    const labels = [dataset.train, dataset.validation, dataset.test].flatMap((s) => Array.from(all(s).labels));
    expect([0, 1, 2].map((c) => labels.filter((l) => l === c).length)).toEqual([50, 50, 50]);
  });

  it('penguins: drops the 11 incomplete rows (344 -> 333), one-hot islands, 0/1 sex, standardised numerics', async () => {
    const dataset = await loadDataset('penguins', dataSource());
    expect(dataset.train.size + dataset.validation.size + dataset.test.size).toBe(333);
    expect(dataset.notes.join(' ')).toMatch(/dropped 11 of 344 rows/);
    const { x } = all(dataset.train);
    for (let i = 0; i < dataset.train.size; i++) {
      const island = [4, 5, 6].map((j) => x[i * 8 + j] as number);
      expect(island.sort()).toEqual([0, 0, 1]);
      expect([0, 1]).toContain(x[i * 8 + 7]);
    }
    for (let j = 0; j < 4; j++) {
      const { mean, std } = columnStats(dataset, 'train', j, 8);
      expect(mean).toBeCloseTo(0, 4);
      expect(std).toBeCloseTo(1, 4);
    }
    // Independent count of complete rows in the vega-datasets source.
    const raw = JSON.parse(readFileSync(join(__dirname, '../../../node_modules/vega-datasets/data/penguins.json'), 'utf8')) as Record<string, unknown>[];
    const complete = raw.filter((r) => Object.values(r).every((v) => v !== null && v !== '.'));
    expect(complete.length).toBe(333);
  });
});
