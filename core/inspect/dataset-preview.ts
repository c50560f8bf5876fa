/**
 * Builds a dataset preview from a loaded dataset (runs in the engine worker; no DOM, no tfjs).
 * Samples are spread evenly over the train split; class balance counts the whole train split.
 */
import type { Dataset, FeatureSpec } from '../data/types';
import type { ClassCount, DatasetPreview, DatasetSamples } from './dataset-preview-types';

export const MAX_PREVIEW_SAMPLES = 32;
export const MAX_PREVIEW_POINTS = 1000;

/** `count` train rows spread evenly over [0, size). */
export function spreadRows(size: number, count: number): number[] {
  const n = Math.min(size, count);
  return Array.from({ length: n }, (_, i) => Math.floor((i * size) / n));
}

function classLabel(dataset: Dataset): FeatureSpec | null {
  return dataset.spec.labels.find((l) => l.role === 'label' && l.classNames !== undefined) ?? null;
}

/** Counts per class over the train split, reading it batch by batch (no full copy). */
export function trainClassBalance(dataset: Dataset, label: FeatureSpec): ClassCount[] {
  const names = label.classNames ?? [];
  const counts = new Array<number>(names.length).fill(0);
  for (const batch of dataset.train.batches({ batchSize: 4096 })) {
    const values = batch.features[label.name]?.data;
    if (!values) throw new Error(`${dataset.spec.id}: batch has no '${label.name}'`);
    for (let i = 0; i < batch.size; i++) {
      const c = values[i] as number;
      if (c >= 0 && c < counts.length) counts[c] = (counts[c] as number) + 1;
    }
  }
  return names.map((name, i) => ({ name, count: counts[i] as number }));
}

/** Column names of a tabular feature, from its description ("a, b, c (note)"), else f1..fn. */
function tableColumns(feature: FeatureSpec): string[] {
  const width = feature.shape[0] ?? 0;
  const listed = feature.description.replace(/\s*\(.*$/, '').split(',').map((s) => s.trim());
  return listed.length === width && listed.every((s) => s.length > 0) ? listed : Array.from({ length: width }, (_, i) => `f${i + 1}`);
}

function labelsOf(dataset: Dataset, label: FeatureSpec | null, rows: number[]): Int32Array {
  if (!label || rows.length === 0) return new Int32Array(rows.length).fill(-1);
  const data = dataset.train.gather(rows).features[label.name]?.data;
  return data ? Int32Array.from(data) : new Int32Array(rows.length).fill(-1);
}

export function buildPreview(dataset: Dataset, sampleCount = MAX_PREVIEW_SAMPLES): DatasetPreview {
  const { spec } = dataset;
  const label = classLabel(dataset);
  const count = Math.max(1, Math.min(MAX_PREVIEW_SAMPLES, Math.floor(sampleCount)));
  let rows = spreadRows(dataset.train.size, count);
  let samples: DatasetSamples;
  const input = spec.features.find((f) => f.role === 'input');

  if (spec.task === 'points-classification' && input) {
    rows = spreadRows(dataset.train.size, MAX_PREVIEW_POINTS);
    const points = dataset.train.gather(rows).features[input.name]?.data;
    if (!points) throw new Error(`${spec.id}: no '${input.name}' feature`);
    const x = new Float32Array(rows.length);
    const y = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      x[i] = points[2 * i] as number;
      y[i] = points[2 * i + 1] as number;
    }
    samples = { kind: 'points', x, y, labels: labelsOf(dataset, label, rows) };
  } else if (spec.task === 'image-classification' && input && input.shape.length === 3) {
    const [height = 0, width = 0, channels = 0] = input.shape;
    const data = dataset.train.gather(rows).features[input.name]?.data;
    if (!data) throw new Error(`${spec.id}: no '${input.name}' feature`);
    samples = { kind: 'images', values: Float32Array.from(data), n: rows.length, height, width, channels, labels: labelsOf(dataset, label, rows) };
  } else if (spec.task === 'time-series-forecasting' && input) {
    const target = spec.labels[0];
    const batch = dataset.train.gather(rows);
    const values = batch.features[input.name]?.data;
    const next = target ? batch.features[target.name]?.data : undefined;
    if (!values || !next || !target) throw new Error(`${spec.id}: no '${input.name}' window or target feature`);
    samples = { kind: 'series', values: Float32Array.from(values), next: Float32Array.from(next), n: rows.length, steps: input.shape[0] ?? 0, horizon: target.shape[0] ?? 0 };
  } else if (spec.task === 'tabular-classification' && input) {
    const data = dataset.train.gather(rows).features[input.name]?.data;
    if (!data) throw new Error(`${spec.id}: no '${input.name}' feature`);
    samples = { kind: 'table', columns: tableColumns(input), values: Float32Array.from(data), rows: rows.length, labels: labelsOf(dataset, label, rows) };
  } else if (dataset.texts) {
    const texts = dataset.texts.train;
    const labels = label ? labelsOf(dataset, label, rows) : null;
    const names = label?.classNames ?? [];
    samples = {
      kind: 'text',
      pairs: rows.map((row, i) => {
        const text = texts[row];
        const c = labels ? (labels[i] as number) : -1;
        return { source: text?.source ?? '', target: text?.target ?? '', label: c >= 0 ? (names[c] ?? String(c)) : null };
      }),
    };
  } else {
    throw new Error(`${spec.id}: no preview for task '${spec.task}'`);
  }

  return {
    id: spec.id,
    task: spec.task,
    rows,
    samples,
    classNames: label?.classNames ? [...label.classNames] : null,
    classBalance: label ? trainClassBalance(dataset, label) : null,
    sizes: { train: dataset.train.size, validation: dataset.validation.size, test: dataset.test.size },
    notes: [...dataset.notes],
  };
}

/** The typed arrays of a preview, to transfer instead of copying. */
export function previewTransferables(preview: DatasetPreview): ArrayBufferLike[] {
  const s = preview.samples;
  switch (s.kind) {
    case 'images':
      return [s.values.buffer, s.labels.buffer];
    case 'points':
      return [s.x.buffer, s.y.buffer, s.labels.buffer];
    case 'table':
      return [s.values.buffer, s.labels.buffer];
    case 'series':
      return [s.values.buffer, s.next.buffer];
    default:
      return [];
  }
}
