/** A small in-memory dataset for inspection tests: columns given row-major, splits by row list. */
import { ColumnSplit, type Column } from '../../../core/data/split';
import type { Dataset, FeatureSpec, TaskKind } from '../../../core/data/types';

export interface MemoryColumn {
  spec: FeatureSpec;
  values: Float32Array | Int32Array;
}

export function memoryDataset(options: {
  id: string;
  task: TaskKind;
  features: MemoryColumn[];
  labels: MemoryColumn[];
  train: number[];
  validation: number[];
}): Dataset {
  const columns: Column[] = [...options.features, ...options.labels].map((c) => ({ name: c.spec.name, values: c.values, shape: c.spec.shape, dtype: c.spec.dtype }));
  const split = (name: 'train' | 'validation' | 'test', rows: number[]) => new ColumnSplit(name, columns, Uint32Array.from(rows));
  return {
    spec: {
      id: options.id,
      version: 1,
      title: options.id,
      description: 'in-memory test data',
      task: options.task,
      features: options.features.map((c) => c.spec),
      labels: options.labels.map((c) => c.spec),
      vocabularies: {},
      sizes: { train: options.train.length, validation: options.validation.length, test: 0 },
      files: [],
      origin: { package: 'generated', license: 'MIT' },
    },
    train: split('train', options.train),
    validation: split('validation', options.validation),
    test: split('test', []),
    notes: [],
  };
}

export function floatFeature(name: string, shape: number[], rows: number[][] /* one flattened sample per row */, role: FeatureSpec['role'] = 'input'): MemoryColumn {
  return { spec: { name, role, shape, dtype: 'float32', description: name }, values: Float32Array.from(rows.flat()) };
}

export function classLabel(name: string, classNames: string[], values: number[]): MemoryColumn {
  return { spec: { name, role: 'label', shape: [], dtype: 'int32', description: name, classNames }, values: Int32Array.from(values) };
}
