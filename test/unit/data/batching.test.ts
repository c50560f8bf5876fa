/**
 * Batching: seeded per-epoch shuffles, full coverage, reuse of preallocated buffers, gather
 * correctness, and tfjs conversion without leaked tensors.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchToTensors, loadDataset, NO_FILES, tensorBatches, type Batch, type DatasetSplit } from '../../../core/data';
import { ColumnSplit, seededSplit, rowRange } from '../../../core/data/split';
import { dataSource, ensureBuilt } from './helpers';

beforeAll(async () => {
  await ensureBuilt();
  await tf.setBackend('cpu');
}, 300_000);

function epochOrder(split: DatasetSplit, seed: number, epoch: number, batchSize = 64): number[] {
  const order: number[] = [];
  for (const batch of split.batches({ batchSize, shuffle: true, seed, epoch })) order.push(...batch.indices);
  return order;
}

function snapshot(batch: Batch): Record<string, number[]> {
  return Object.fromEntries(Object.entries(batch.features).map(([k, v]) => [k, Array.from(v.data)]));
}

describe('epoch iteration', () => {
  it('visits every row exactly once per epoch, shuffled or not, with a partial last batch', async () => {
    const dataset = await loadDataset('moons', NO_FILES, { size: 1003 });
    const split = dataset.train;
    expect(split.size).toBe(702); // 1003 - round(100.3) - round(200.6)
    for (const shuffle of [false, true]) {
      const sizes: number[] = [];
      const seen: number[] = [];
      for (const batch of split.batches({ batchSize: 64, shuffle, seed: 5 })) {
        sizes.push(batch.size);
        seen.push(...batch.indices);
        expect(batch.features.point?.data.length).toBe(batch.size * 2);
        expect(batch.features.label?.data.length).toBe(batch.size);
      }
      expect(sizes.length).toBe(split.batchCount(64));
      expect(sizes.at(-1)).toBe(702 % 64);
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 702 }, (_, i) => i));
    }
    expect(split.batchCount(64, true)).toBe(10);
    expect([...split.batches({ batchSize: 64, dropRemainder: true })].length).toBe(10);
  });

  it('same seed and epoch give identical batches; other seeds or epochs give other orders', async () => {
    const dataset = await loadDataset('iris', dataSource());
    const a = [...dataset.train.batches({ batchSize: 16, shuffle: true, seed: 3, epoch: 0 })].map(snapshot);
    const b = [...dataset.train.batches({ batchSize: 16, shuffle: true, seed: 3, epoch: 0 })].map(snapshot);
    expect(b).toEqual(a);
    const base = epochOrder(dataset.train, 3, 0);
    expect(epochOrder(dataset.train, 4, 0)).not.toEqual(base);
    expect(epochOrder(dataset.train, 3, 1)).not.toEqual(base);
    expect(epochOrder(dataset.train, 3, 1)).toEqual(epochOrder(dataset.train, 3, 1));
  });

  it('batch values are the gathered rows (checked against gather of the same indices)', async () => {
    const dataset = await loadDataset('mnist', dataSource());
    let checked = 0;
    for (const batch of dataset.validation.batches({ batchSize: 100, shuffle: true, seed: 11 })) {
      const fresh = dataset.validation.gather(batch.indices);
      expect(Array.from(batch.features.image?.data ?? [])).toEqual(Array.from(fresh.features.image?.data ?? []));
      expect(Array.from(batch.features.label?.data ?? [])).toEqual(Array.from(fresh.features.label?.data ?? []));
      if (++checked === 3) break;
    }
  }, 60_000);

  it('reuses one buffer per feature across the batches of an epoch', async () => {
    const dataset = await loadDataset('circles', NO_FILES);
    const buffers = new Set<ArrayBufferLike>();
    for (const batch of dataset.train.batches({ batchSize: 50 })) buffers.add(batch.features.point?.data.buffer as ArrayBufferLike);
    expect(buffers.size).toBe(1);
  });

  it('rejects bad batch sizes and out-of-range gathers', async () => {
    const dataset = await loadDataset('xor', NO_FILES);
    expect(() => dataset.train.batchCount(0)).toThrow(RangeError);
    expect(() => [...dataset.train.batches({ batchSize: 2.5 })]).toThrow(RangeError);
    expect(() => dataset.train.gather([dataset.train.size])).toThrow(RangeError);
  });
});

describe('seededSplit', () => {
  it('gives disjoint splits covering all rows, the same for the same seed', () => {
    const rows = rowRange(0, 100);
    const a = seededSplit(rows, { train: 70, validation: 10, test: 20 }, 1);
    const b = seededSplit(rows, { train: 70, validation: 10, test: 20 }, 1);
    const c = seededSplit(rows, { train: 70, validation: 10, test: 20 }, 2);
    expect(b).toEqual(a);
    expect(c.test).not.toEqual(a.test);
    const all = [...a.train, ...a.validation, ...a.test].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(() => seededSplit(rows, { train: 70, validation: 10, test: 10 }, 1)).toThrow(RangeError);
  });

  it('ColumnSplit refuses rows outside its columns', () => {
    expect(() => new ColumnSplit('train', [{ name: 'x', values: new Float32Array(4), shape: [2], dtype: 'float32' }], Uint32Array.of(0, 2))).toThrow(RangeError);
  });
});

describe('batchToTensors', () => {
  it('builds tensors of shape [batch, ...feature] with the batch values and leaks none', async () => {
    const dataset = await loadDataset('en-fr', NO_FILES);
    const before = tf.memory().numTensors;
    let batches = 0;
    for (const batch of dataset.train.batches({ batchSize: 32, shuffle: true, seed: 1 })) {
      tf.tidy(() => {
        const tensors = batchToTensors(tf, batch);
        expect(tensors.encoderInput?.shape).toEqual([batch.size, 9]);
        expect(tensors.encoderInput?.dtype).toBe('int32');
        expect(tensors.targetMask?.dtype).toBe('float32');
        expect(Array.from(tensors.decoderTarget?.dataSync() ?? [])).toEqual(Array.from(batch.features.decoderTarget?.data ?? []));
      });
      if (++batches === 5) break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('copies the values: a tensor does not change when the next batch overwrites the buffer', async () => {
    const dataset = await loadDataset('spirals', NO_FILES);
    const iterator = dataset.train.batches({ batchSize: 10 });
    const first = iterator.next().value as Batch;
    const tensors = batchToTensors(tf, first, ['point']);
    const firstValues = Array.from(first.features.point?.data ?? []);
    iterator.next();
    expect(Array.from(tensors.point?.dataSync() ?? [])).toEqual(firstValues);
    expect(Array.from(first.features.point?.data ?? [])).not.toEqual(firstValues);
    tf.dispose(Object.values(tensors));
    expect(() => batchToTensors(tf, first, ['nope'])).toThrow(/no feature 'nope'/);
  });

  it('tensorBatches: one epoch of tensors, all rows, no leak when the caller disposes', async () => {
    const dataset = await loadDataset('sentiment', (await import('./helpers')).dataSource());
    const before = tf.memory().numTensors;
    let rows = 0;
    let labelSum = 0;
    for (const { size, tensors } of tensorBatches(tf, dataset.validation, { batchSize: 128, shuffle: true, seed: 2 }, ['tokens', 'label'])) {
      expect(Object.keys(tensors).sort()).toEqual(['label', 'tokens']);
      expect(tensors.tokens?.shape).toEqual([size, 17]);
      rows += size;
      labelSum += tf.tidy(() => tf.sum(tensors.label as tf.Tensor).dataSync()[0] as number);
      tf.dispose(Object.values(tensors));
    }
    const all = dataset.validation.gather(Array.from({ length: dataset.validation.size }, (_, i) => i));
    expect(rows).toBe(1000);
    expect(labelSum).toBe((all.features.label?.data as Int32Array).reduce((a, b) => a + b, 0));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('images become float32 [batch, 28, 28, 1] in [0, 1]', async () => {
    const dataset = await loadDataset('fashion-mnist', dataSource());
    const batch = dataset.test.gather([0, 1, 2, 3]);
    const before = tf.memory().numTensors;
    const tensors = batchToTensors(tf, batch);
    expect(tensors.image?.shape).toEqual([4, 28, 28, 1]);
    expect(tensors.label?.shape).toEqual([4]);
    expect(tf.max(tensors.image as tf.Tensor).dataSync()[0]).toBeLessThanOrEqual(1);
    tf.dispose(Object.values(tensors));
    expect(tf.memory().numTensors).toBe(before + 1); // the max() result above, left on purpose
  }, 60_000);
});

describe('fetchByteSource', () => {
  it('loads through fetch and names the URL on HTTP errors', async () => {
    const { fetchByteSource } = await import('../../../core/data');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const served = new Map([['https://example.test/data/iris.json', new Uint8Array(readFileSync(join(__dirname, '../../../data/build/iris.json')))]]);
    const fakeFetch = async (url: string) => {
      const bytes = served.get(url);
      return {
        ok: bytes !== undefined,
        status: bytes ? 200 : 404,
        arrayBuffer: async () => (bytes ?? new Uint8Array()).slice().buffer,
      };
    };
    const source = fetchByteSource('https://example.test/data', fakeFetch);
    const dataset = await loadDataset('iris', source);
    expect(dataset.train.size).toBe(105);
    await expect(loadDataset('penguins', source)).rejects.toThrow(/https:\/\/example\.test\/data\/penguins\.json: HTTP 404/);
    const failing = fetchByteSource('https://down.test/', async () => {
      throw new Error('network down');
    });
    await expect(loadDataset('iris', failing)).rejects.toThrow(/https:\/\/down\.test\/iris\.json: cannot fetch \(network down\)/);
  });
});
