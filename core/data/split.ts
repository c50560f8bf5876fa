/**
 * Splits over column storage: each column holds ALL rows of its source once; a split is a list of
 * row numbers into it, so validation carved from train and every epoch's shuffle copy nothing but
 * indices. Batches are gathered into arrays preallocated once per iteration.
 */
import { mixSeed, permutation } from './random';
import type {
  Batch,
  BatchFeature,
  BatchOptions,
  DatasetSplit,
  FeatureDType,
  SplitName,
} from './types';

export type ColumnValues = Uint8Array | Int32Array | Float32Array;

/** One feature's values for every source row, row-major. */
export interface Column {
  readonly name: string;
  readonly values: ColumnValues;
  /** Shape of one row; values.length === rowCount * product(shape). */
  readonly shape: readonly number[];
  readonly dtype: FeatureDType;
  /** float32 output = stored * scale + offset (lets images stay uint8 until the batch). */
  readonly scale?: number;
  readonly offset?: number;
}

export function rowLength(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function allocate(dtype: FeatureDType, length: number): Float32Array | Int32Array {
  return dtype === 'float32' ? new Float32Array(length) : new Int32Array(length);
}

/** Copies source rows `rows[0..count)` of a column into `out` (row-major). */
function gatherColumn(column: Column, rows: ArrayLike<number>, count: number, out: Float32Array | Int32Array): void {
  const length = rowLength(column.shape);
  const values = column.values;
  const scale = column.scale;
  if (scale === undefined) {
    for (let k = 0; k < count; k++) {
      const from = (rows[k] as number) * length;
      const to = k * length;
      for (let j = 0; j < length; j++) out[to + j] = values[from + j] as number;
    }
    return;
  }
  const offset = column.offset ?? 0;
  for (let k = 0; k < count; k++) {
    const from = (rows[k] as number) * length;
    const to = k * length;
    for (let j = 0; j < length; j++) out[to + j] = (values[from + j] as number) * scale + offset;
  }
}

export class ColumnSplit implements DatasetSplit {
  readonly size: number;

  constructor(
    readonly name: SplitName,
    private readonly columns: readonly Column[],
    /** Source row of each split row. */
    readonly sourceRows: Uint32Array,
  ) {
    this.size = sourceRows.length;
    for (const column of columns) {
      const needed = rowLength(column.shape);
      const available = column.values.length / needed;
      for (const row of sourceRows) {
        if (row >= available) throw new RangeError(`split ${name}: row ${row} outside column ${column.name}`);
      }
    }
  }

  batchCount(batchSize: number, dropRemainder = false): number {
    checkBatchSize(batchSize);
    return dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  *batches(options: BatchOptions): IterableIterator<Batch> {
    const { batchSize } = options;
    const count = this.batchCount(batchSize, options.dropRemainder ?? false);
    const order = options.shuffle
      ? permutation(this.size, mixSeed(options.seed ?? 0, options.epoch ?? 0))
      : null;
    const buffers = this.columns.map((c) => allocate(c.dtype, batchSize * rowLength(c.shape)));
    const indexBuffer = new Uint32Array(batchSize);
    const sourceBuffer = new Uint32Array(batchSize);
    for (let b = 0; b < count; b++) {
      const start = b * batchSize;
      const size = Math.min(batchSize, this.size - start);
      for (let k = 0; k < size; k++) {
        const splitRow = order ? (order[start + k] as number) : start + k;
        indexBuffer[k] = splitRow;
        sourceBuffer[k] = this.sourceRows[splitRow] as number;
      }
      const features: Record<string, BatchFeature> = {};
      this.columns.forEach((column, i) => {
        const buffer = buffers[i] as Float32Array | Int32Array;
        gatherColumn(column, sourceBuffer, size, buffer);
        const used = size * rowLength(column.shape);
        features[column.name] = {
          data: used === buffer.length ? buffer : buffer.subarray(0, used),
          shape: column.shape,
          dtype: column.dtype,
        };
      });
      yield { size, indices: indexBuffer.subarray(0, size), features };
    }
  }

  gather(rows: ArrayLike<number>): Batch {
    const size = rows.length;
    const indices = new Uint32Array(size);
    const source = new Uint32Array(size);
    for (let k = 0; k < size; k++) {
      const row = rows[k] as number;
      if (!(row >= 0 && row < this.size)) throw new RangeError(`split ${this.name}: no row ${row}`);
      indices[k] = row;
      source[k] = this.sourceRows[row] as number;
    }
    const features: Record<string, BatchFeature> = {};
    for (const column of this.columns) {
      const out = allocate(column.dtype, size * rowLength(column.shape));
      gatherColumn(column, source, size, out);
      features[column.name] = { data: out, shape: column.shape, dtype: column.dtype };
    }
    return { size, indices, features };
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
}

/** Row numbers [start, end). */
export function rowRange(start: number, end: number): Uint32Array {
  const rows = new Uint32Array(Math.max(0, end - start));
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  return rows;
}

/**
 * Seeded split of `rowCount` rows into train/validation/test counts (the rest of the permutation
 * order). Returns disjoint row lists, each sorted so a split reads its source in order.
 */
export function seededSplit(
  rows: Uint32Array,
  counts: { train: number; validation: number; test: number },
  seed: number,
): Record<SplitName, Uint32Array> {
  if (counts.train + counts.validation + counts.test !== rows.length) {
    throw new RangeError(`split counts ${counts.train}+${counts.validation}+${counts.test} != ${rows.length} rows`);
  }
  const order = permutation(rows.length, seed);
  const pick = (from: number, to: number): Uint32Array => {
    const out = new Uint32Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = rows[order[i] as number] as number;
    return out.sort();
  };
  return {
    test: pick(0, counts.test),
    validation: pick(counts.test, counts.test + counts.validation),
    train: pick(counts.test + counts.validation, rows.length),
  };
}
