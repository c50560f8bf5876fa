/**
 * The dataset of an exported PyTorch project (`data/<split>.npz`, one array per feature, batch
 * first): the same arrays from the CLI (`--with-data`) and the app ("PyTorch project with data…").
 * Pure: a loaded Dataset in, typed arrays out; progress is reported per gathered chunk of rows.
 */
import type { Dataset, DatasetSplit } from '../../data/types';
import type { DatasetArrays } from './project';
import type { NpyArray } from './npz';

/** Rows gathered at once: bounds the temporary copy and sets the progress granularity. */
const CHUNK_ROWS = 4096;

export type ExportProgress = (fraction: number, stage: string) => void;

function gatherSplit(split: DatasetSplit, done: number, total: number, onProgress: ExportProgress | undefined): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (let start = 0; start < split.size; start += CHUNK_ROWS) {
    const end = Math.min(split.size, start + CHUNK_ROWS);
    const batch = split.gather(Uint32Array.from({ length: end - start }, (_, i) => start + i));
    for (const [name, f] of Object.entries(batch.features)) {
      const rowSize = f.shape.reduce((a, b) => a * b, 1);
      let array = arrays.get(name);
      if (!array) {
        const shape = [split.size, ...f.shape];
        array = f.dtype === 'int32' ? { dtype: 'int32', shape, values: new Int32Array(split.size * rowSize) } : { dtype: 'float32', shape, values: new Float32Array(split.size * rowSize) };
        arrays.set(name, array);
      }
      array.values.set(f.data, start * rowSize);
    }
    onProgress?.((done + end) / total, `gathering the ${split.name} split (${end.toLocaleString('en-US')} of ${split.size.toLocaleString('en-US')} rows)`);
  }
  return arrays;
}

/** Every non-empty split of the dataset, whole, as arrays by feature name. */
export function datasetArrays(dataset: Dataset, onProgress?: ExportProgress): DatasetArrays {
  const splits = [dataset.train, dataset.validation, dataset.test].filter((s) => s.size > 0);
  const total = splits.reduce((n, s) => n + s.size, 0);
  const out = new Map<string, Map<string, NpyArray>>();
  let done = 0;
  for (const split of splits) {
    out.set(split.name, gatherSplit(split, done, total, onProgress));
    done += split.size;
  }
  return { splits: out };
}
