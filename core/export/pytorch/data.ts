/**
 * The dataset of an exported PyTorch project (`data/<split>.npz`, one array per feature, batch
 * first), written as a stream of chunks: the CLI (`--with-data`) writes them to files, the app
 * ("PyTorch project with data…") deflates them into its zip. Neither holds a whole split: rows are
 * gathered a chunk at a time and their bytes go straight out, so MNIST's 220 MB of float32 arrays
 * never exist at once (only the features smaller than the largest one are kept until the end).
 * Pure: a loaded Dataset in, bytes out.
 */
import { Zip, ZipPassThrough } from 'fflate';
import type { Dataset, DatasetSplit } from '../../data/types';
import { checkNpzName, littleEndianBytes, npyHeader } from './npz';

/** Rows gathered at once: bounds the temporary copy and sets the progress granularity. */
export const CHUNK_ROWS = 4096;

export type ExportProgress = (fraction: number, stage: string) => void;

/** One data file of the project: `data/<split>.npz` and the split it holds. */
export interface DataFile {
  path: string;
  split: DatasetSplit;
}

/** Every non-empty split of the dataset, as the project's data files. */
export function dataFiles(dataset: Dataset): DataFile[] {
  return [dataset.train, dataset.validation, dataset.test].filter((s) => s.size > 0).map((split) => ({ path: `data/${split.name}.npz`, split }));
}

/** A piece of a split's `.npz` and how many of the split's rows have gone out with it so far. */
export interface NpzChunk {
  bytes: Uint8Array;
  rows: number;
}

/**
 * A split's `.npz` (a stored zip of one `.npy` per feature, each [rows, ...shape]) as a stream of
 * chunks. The feature with the most bytes per row is streamed as its rows are gathered; the others
 * are collected and written after it. Every row is gathered once.
 */
export function* splitNpz(split: DatasetSplit, chunkRows: number = CHUNK_ROWS): Generator<NpzChunk, void, undefined> {
  if (split.size === 0) throw new Error(`npz: the ${split.name} split has no rows`);
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else pending.push(chunk);
  });
  // Each piece the zip wrote since the last call, as it is (no copy: the gathered arrays are fresh).
  const flush = (rows: number): NpzChunk[] => {
    if (failure) throw failure;
    return pending.splice(0).map((bytes) => ({ bytes, rows }));
  };

  let streamed: { name: string; entry: ZipPassThrough } | null = null;
  // The other features, filled chunk by chunk and written once the streamed one is complete.
  const held = new Map<string, { dtype: 'float32' | 'int32'; shape: number[]; values: Float32Array | Int32Array; rowSize: number }>();
  for (let start = 0; start < split.size; start += chunkRows) {
    const end = Math.min(split.size, start + chunkRows);
    const batch = split.gather(Uint32Array.from({ length: end - start }, (_, i) => start + i));
    const features = Object.entries(batch.features);
    if (streamed === null) {
      const widest = features.reduce((a, b) => (b[1].data.length > a[1].data.length ? b : a));
      for (const [name, f] of features) {
        checkNpzName(name);
        const shape = [split.size, ...f.shape];
        if (name === widest[0]) {
          const entry = new ZipPassThrough(`${name}.npy`);
          zip.add(entry);
          entry.push(npyHeader(f.dtype, shape));
          streamed = { name, entry };
        } else {
          const rowSize = f.shape.reduce((a, b) => a * b, 1);
          const values = f.dtype === 'int32' ? new Int32Array(split.size * rowSize) : new Float32Array(split.size * rowSize);
          held.set(name, { dtype: f.dtype, shape, values, rowSize });
        }
      }
    }
    for (const [name, f] of features) {
      if (name === streamed?.name) streamed.entry.push(littleEndianBytes(f.data));
      else {
        const keep = held.get(name);
        if (!keep) throw new Error(`npz: the ${split.name} split's rows ${start}-${end - 1} have a feature "${name}" its first rows lacked`);
        keep.values.set(f.data, start * keep.rowSize);
      }
    }
    yield* flush(end);
  }
  streamed?.entry.push(new Uint8Array(0), true);
  for (const [name, array] of held) {
    const entry = new ZipPassThrough(`${name}.npy`);
    zip.add(entry);
    entry.push(npyHeader(array.dtype, array.shape));
    entry.push(littleEndianBytes(array.values), true);
    held.delete(name);
    yield* flush(split.size);
  }
  zip.end();
  yield* flush(split.size);
}

/** The bytes a split's `.npy` arrays hold (without headers): what its `.npz` mostly is. */
export function splitDataBytes(split: DatasetSplit): number {
  if (split.size === 0) return 0;
  const first = split.gather([0]);
  return split.size * Object.values(first.features).reduce((n, f) => n + f.data.byteLength, 0);
}
