/**
 * Dataset benchmark: load time and memory of MNIST / Fashion-MNIST, batch iteration throughput,
 * and the small sets' load times. Run: `npm run bench:data` (builds data/build first if missing).
 * Memory numbers are exact only with --expose-gc (the npm script sets it through NODE_OPTIONS).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { batchToTensors, datasetIds, loadDataset, type Dataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { buildData } from './build-data';

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;

async function memory(): Promise<{ heap: number; arrayBuffers: number }> {
  // ArrayBuffer backing stores are freed after the GC by a sweeper: collect, wait, collect again.
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / MB, arrayBuffers: m.arrayBuffers / MB };
}

interface Row {
  readonly what: string;
  readonly ms: number;
  readonly heapBefore?: number;
  readonly heapAfter?: number;
  readonly buffersBefore?: number;
  readonly buffersAfter?: number;
  readonly throughput?: string;
}

function iterate(dataset: Dataset, batchSize: number, withTensors: boolean): { ms: number; samples: number } {
  const started = performance.now();
  let samples = 0;
  for (const batch of dataset.train.batches({ batchSize, shuffle: true, seed: 1, epoch: 0 })) {
    if (withTensors) tf.dispose(Object.values(batchToTensors(tf, batch)));
    samples += batch.size;
  }
  return { ms: performance.now() - started, samples };
}

async function main(): Promise<void> {
  await buildData({ verify: false });
  await tf.setBackend('cpu');
  const source = nodeFileSource();
  const rows: Row[] = [];
  for (const id of ['mnist', 'fashion-mnist']) {
    const before = await memory();
    const started = performance.now();
    let dataset: Dataset | null = await loadDataset(id, source);
    const ms = performance.now() - started;
    const after = await memory();
    rows.push({
      what: `load ${id} (train file 60k + test 10k)`,
      ms,
      heapBefore: before.heap,
      heapAfter: after.heap,
      buffersBefore: before.arrayBuffers,
      buffersAfter: after.arrayBuffers,
    });
    const verifyStart = performance.now();
    await loadDataset(id, source, { verifySha256: true });
    rows.push({ what: `load ${id} with SHA-256 verification`, ms: performance.now() - verifyStart });
    for (const [batchSize, withTensors] of [[64, false], [256, false], [64, true]] as const) {
      const { ms: iterMs, samples } = iterate(dataset, batchSize, withTensors);
      rows.push({
        what: `${id} train epoch, batch ${batchSize}${withTensors ? ' + tfjs tensors' : ''}`,
        ms: iterMs,
        throughput: `${Math.round(samples / (iterMs / 1000)).toLocaleString('en-US')} samples/s`,
      });
    }
    dataset = null;
    void dataset;
  }
  for (const id of datasetIds().filter((d) => d !== 'mnist' && d !== 'fashion-mnist')) {
    const started = performance.now();
    const dataset = await loadDataset(id, source);
    rows.push({ what: `load ${id} (${dataset.train.size}/${dataset.validation.size}/${dataset.test.size})`, ms: performance.now() - started });
  }

  const f = (n: number | undefined, digits = 1) => (n === undefined ? '' : n.toFixed(digits));
  const header = ['what', 'ms', 'heap MB before', 'heap MB after', 'arrayBuffers MB before', 'arrayBuffers MB after', 'throughput'];
  const body = rows.map((r) => [r.what, f(r.ms, 0), f(r.heapBefore), f(r.heapAfter), f(r.buffersBefore), f(r.buffersAfter), r.throughput ?? '']);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const line of body) console.log(`| ${line.join(' | ')} |`);
  console.log(gc ? '\nmemory measured after a forced GC' : '\nrun with NODE_OPTIONS=--expose-gc for exact memory numbers');
  console.log('pixel bytes: MNIST/Fashion-MNIST train file 44.9 MB + test file 7.5 MB = 52.3 MB per dataset as uint8');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
