/**
 * What the engine worker sends back for a dataset preview: plain data (typed arrays are
 * transferred), computed from the real loaded dataset.
 */
import type { TaskKind } from '../data/types';

export interface DatasetPreviewRequest {
  id: string;
  /** Generator options (seed, size, noise, classes); the graph's own when previewing its dataset. */
  options?: Readonly<Record<string, number>>;
  /** At most this many samples (default and maximum 32). */
  samples?: number;
}

export interface ClassCount {
  name: string;
  count: number;
}

export type DatasetSamples =
  | {
      kind: 'images';
      /** n images of height x width x channels, values in [0, 1], row-major. */
      values: Float32Array;
      n: number;
      height: number;
      width: number;
      channels: number;
      /** Class index per image. */
      labels: Int32Array;
    }
  | {
      kind: 'text';
      /** Source and target text of each sample; `label` is the class name for text classification. */
      pairs: { source: string; target: string; label: string | null }[];
    }
  | {
      kind: 'points';
      /** All train points (up to 1,000): x, y and class index. */
      x: Float32Array;
      y: Float32Array;
      labels: Int32Array;
    }
  | {
      kind: 'series';
      /** n windows of `steps` values, row-major, oldest first. */
      values: Float32Array;
      /** The `horizon` values after each window (the target), row-major. */
      next: Float32Array;
      n: number;
      steps: number;
      horizon: number;
    }
  | {
      kind: 'table';
      columns: string[];
      /** Row-major, rows x columns.length. */
      values: Float32Array;
      rows: number;
      labels: Int32Array;
    };

export interface DatasetPreview {
  id: string;
  task: TaskKind;
  /** Train rows the samples were taken from. */
  rows: number[];
  samples: DatasetSamples;
  /** Class names of the label feature, if it has any. */
  classNames: string[] | null;
  /** Counts per class over the whole train split; null when the dataset has no class label. */
  classBalance: ClassCount[] | null;
  sizes: { train: number; validation: number; test: number };
  /** Notes of the loader (dropped rows, statistics). */
  notes: string[];
}
