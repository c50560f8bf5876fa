/** The dataset registry: specs without loading, and loading through a ByteSource. */
import { datesSpec, loadDates } from './dates';
import { g2pSpec, loadG2p } from './g2p';
import { imageDatasetSpec, loadImageDataset } from './images';
import { generatePoints, pointsSpec, POINTS_KINDS, type PointsKind } from './points';
import { loadSentiment, sentimentSpec } from './sentiment';
import { loadStringTask, stringTaskSpec } from './strings';
import { irisSpec, loadIris, loadPenguins, penguinsSpec } from './tabular';
import { loadTranslation, translationSpec } from './translation';
import type { ByteSource, Dataset, DatasetSpec, FeatureSpec } from './types';

/** Options a dataset may take; each dataset reads only the ones it knows. */
export interface DatasetOptions {
  /** Generators: the seed of the generated samples. */
  readonly seed?: number;
  /** 2-D point sets: total points over the three splits. */
  readonly size?: number;
  /** 2-D point sets: standard deviation of the jitter. */
  readonly noise?: number;
  /** Gaussian blobs: number of classes. */
  readonly classes?: number;
  /** Image sets: also verify the SHA-256 of the decoded content. */
  readonly verifySha256?: boolean;
}

interface RegistryEntry {
  spec(options: DatasetOptions): DatasetSpec;
  load(source: ByteSource, options: DatasetOptions): Promise<Dataset>;
}

function seedOnly(options: DatasetOptions): { seed?: number } {
  return options.seed === undefined ? {} : { seed: options.seed };
}

function pointsOptions(options: DatasetOptions) {
  const { seed, size, noise, classes } = options;
  return {
    ...(seed === undefined ? {} : { seed }),
    ...(size === undefined ? {} : { size }),
    ...(noise === undefined ? {} : { noise }),
    ...(classes === undefined ? {} : { classes }),
  };
}

const ENTRIES: ReadonlyMap<string, RegistryEntry> = new Map<string, RegistryEntry>([
  ['mnist', { spec: () => imageDatasetSpec('mnist'), load: (s, o) => loadImageDataset('mnist', s, { verifySha256: o.verifySha256 ?? false }) }],
  [
    'fashion-mnist',
    { spec: () => imageDatasetSpec('fashion-mnist'), load: (s, o) => loadImageDataset('fashion-mnist', s, { verifySha256: o.verifySha256 ?? false }) },
  ],
  ['iris', { spec: () => irisSpec(), load: (s) => loadIris(s) }],
  ['penguins', { spec: () => penguinsSpec(), load: (s) => loadPenguins(s) }],
  ...POINTS_KINDS.map(
    (kind: PointsKind): [string, RegistryEntry] => [
      kind,
      { spec: (o) => pointsSpec(kind, pointsOptions(o)), load: async (_s, o) => generatePoints(kind, pointsOptions(o)) },
    ],
  ),
  ['dates', { spec: (o) => datesSpec(seedOnly(o)), load: async (_s, o) => loadDates(seedOnly(o)) }],
  ['g2p-cmudict', { spec: () => g2pSpec(), load: (s) => loadG2p(s) }],
  ['en-fr', { spec: (o) => translationSpec(seedOnly(o)), load: async (_s, o) => loadTranslation(seedOnly(o)) }],
  ['reverse', { spec: (o) => stringTaskSpec('reverse', seedOnly(o)), load: async (_s, o) => loadStringTask('reverse', seedOnly(o)) }],
  ['sort', { spec: (o) => stringTaskSpec('sort', seedOnly(o)), load: async (_s, o) => loadStringTask('sort', seedOnly(o)) }],
  ['sentiment', { spec: (o) => sentimentSpec(seedOnly(o)), load: (s, o) => loadSentiment(s, seedOnly(o)) }],
]);

export function datasetIds(): string[] {
  return [...ENTRIES.keys()];
}

function entry(id: string): RegistryEntry {
  const found = ENTRIES.get(id);
  if (!found) throw new Error(`unknown dataset '${id}' (known: ${datasetIds().join(', ')})`);
  return found;
}

/** Specs of every dataset with default options. Cheap: reads no data. */
export function listDatasets(): DatasetSpec[] {
  return datasetIds().map((id) => entry(id).spec({}));
}

/** The spec of one dataset (synchronous, reads no data). Throws on an unknown id. */
export function getDatasetSpec(id: string, options: DatasetOptions = {}): DatasetSpec {
  return entry(id).spec(options);
}

/** Loads a dataset; files listed in its spec are read through `source`. */
export async function loadDataset(id: string, source: ByteSource, options: DatasetOptions = {}): Promise<Dataset> {
  return entry(id).load(source, options);
}

/**
 * Finds a feature or label of a dataset by name, for binding graph Input nodes (reads no data).
 * The shape has no batch dimension.
 */
export function resolveDatasetFeature(
  datasetId: string,
  featureName: string,
  options: DatasetOptions = {},
): { readonly feature: FeatureSpec; readonly spec: DatasetSpec } | { readonly error: string } {
  const found = ENTRIES.get(datasetId);
  if (!found) return { error: `unknown dataset '${datasetId}'` };
  const spec = found.spec(options);
  const feature = [...spec.features, ...spec.labels].find((f) => f.name === featureName);
  if (!feature) {
    const names = [...spec.features, ...spec.labels].map((f) => f.name).join(', ');
    return { error: `dataset '${datasetId}' has no feature '${featureName}' (it has ${names})` };
  }
  return { feature, spec };
}
