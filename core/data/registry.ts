/** The dataset registry: specs without loading, and loading through a ByteSource. */
import { param, paramsObjectSchema, type ParamSpecs } from '../catalogue/params';
import { datesSpec, loadDates } from './dates';
import { g2pSpec, loadG2p } from './g2p';
import { imageDatasetSpec, loadImageDataset } from './images';
import { generatePoints, pointsOptionSpecs, pointsSpec, POINTS_KINDS, seedOption, type PointsKind } from './points';
import { loadSentiment, sentimentSpec } from './sentiment';
import { loadStringTask, stringTaskSpec } from './strings';
import { irisSpec, loadIris, loadPenguins, penguinsSpec } from './tabular';
import { loadTranslation, translationSpec } from './translation';
import type { ByteSource, Dataset, DatasetSpec, FeatureSpec } from './types';
import { generateWaves, WAVES_OPTIONS, wavesSpec } from './waves';

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
  /** Waves: values in a window, and values after it to predict. */
  readonly steps?: number;
  readonly horizon?: number;
  /** Image sets: also verify the SHA-256 of the decoded content. */
  readonly verifySha256?: boolean;
}

interface RegistryEntry {
  /** The options this dataset takes, declared like layer parameters; any other is refused. */
  options: ParamSpecs;
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

const VERIFY_OPTIONS: ParamSpecs = {
  verifySha256: param.bool({ default: false, label: 'Verify SHA-256', help: 'Also check the SHA-256 of the decoded content (slower).' }),
};
const SEED_OPTIONS: ParamSpecs = { seed: seedOption };
const NO_OPTIONS: ParamSpecs = {};

const ENTRIES: ReadonlyMap<string, RegistryEntry> = new Map<string, RegistryEntry>([
  ['mnist', { options: VERIFY_OPTIONS, spec: () => imageDatasetSpec('mnist'), load: (s, o) => loadImageDataset('mnist', s, { verifySha256: o.verifySha256 ?? false }) }],
  [
    'fashion-mnist',
    { options: VERIFY_OPTIONS, spec: () => imageDatasetSpec('fashion-mnist'), load: (s, o) => loadImageDataset('fashion-mnist', s, { verifySha256: o.verifySha256 ?? false }) },
  ],
  ['iris', { options: NO_OPTIONS, spec: () => irisSpec(), load: (s) => loadIris(s) }],
  ['penguins', { options: NO_OPTIONS, spec: () => penguinsSpec(), load: (s) => loadPenguins(s) }],
  ...POINTS_KINDS.map(
    (kind: PointsKind): [string, RegistryEntry] => [
      kind,
      { options: pointsOptionSpecs(kind), spec: (o) => pointsSpec(kind, pointsOptions(o)), load: async (_s, o) => generatePoints(kind, pointsOptions(o)) },
    ],
  ),
  ['waves', { options: WAVES_OPTIONS, spec: (o) => wavesSpec(o), load: async (_s, o) => generateWaves(o) }],
  ['dates', { options: SEED_OPTIONS, spec: (o) => datesSpec(seedOnly(o)), load: async (_s, o) => loadDates(seedOnly(o)) }],
  ['g2p-cmudict', { options: NO_OPTIONS, spec: () => g2pSpec(), load: (s) => loadG2p(s) }],
  ['en-fr', { options: SEED_OPTIONS, spec: (o) => translationSpec(seedOnly(o)), load: async (_s, o) => loadTranslation(seedOnly(o)) }],
  ['reverse', { options: SEED_OPTIONS, spec: (o) => stringTaskSpec('reverse', seedOnly(o)), load: async (_s, o) => loadStringTask('reverse', seedOnly(o)) }],
  ['sort', { options: SEED_OPTIONS, spec: (o) => stringTaskSpec('sort', seedOnly(o)), load: async (_s, o) => loadStringTask('sort', seedOnly(o)) }],
  ['sentiment', { options: SEED_OPTIONS, spec: (o) => sentimentSpec(seedOnly(o)), load: (s, o) => loadSentiment(s, seedOnly(o)) }],
]);

export function datasetIds(): string[] {
  return [...ENTRIES.keys()];
}

function entry(id: string): RegistryEntry {
  const found = ENTRIES.get(id);
  if (!found) throw new Error(`unknown dataset '${id}' (known: ${datasetIds().join(', ')})`);
  return found;
}

/** The options a dataset takes (bounds, defaults, form hints); undefined for an unknown id. */
export function datasetOptionSpecs(id: string): ParamSpecs | undefined {
  return ENTRIES.get(id)?.options;
}

/** A problem with one option: `key` is the option's name (the JSON path's last step). */
export interface DatasetOptionIssue {
  readonly key: string | null;
  readonly message: string;
}

export type DatasetOptionsResult =
  | { readonly ok: true; readonly options: DatasetOptions }
  | { readonly ok: false; readonly issues: readonly DatasetOptionIssue[] };

const MAX_SHOWN_KEY = 64;

/** Checks options against the dataset's declaration (unknown ones refused, defaults filled). Never throws. */
export function validateDatasetOptions(id: string, options: Readonly<Record<string, unknown>>): DatasetOptionsResult {
  const found = ENTRIES.get(id);
  if (!found) return { ok: false, issues: [{ key: null, message: `unknown dataset '${shorten(id)}' (known: ${datasetIds().join(', ')})` }] };
  const parsed = paramsObjectSchema(found.options).safeParse(options);
  if (parsed.success) return { ok: true, options: parsed.data as DatasetOptions };
  const known = Object.keys(found.options);
  const issues: DatasetOptionIssue[] = [];
  for (const issue of parsed.error.issues.slice(0, 20)) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys.slice(0, 5)) {
        issues.push({ key, message: `'${id}' has no option '${shorten(key)}' (${known.length ? `it takes ${known.join(', ')}` : 'it takes none'})` });
      }
      continue;
    }
    const key = typeof issue.path[0] === 'string' ? issue.path[0] : null;
    const spec = key === null ? undefined : found.options[key];
    issues.push({ key, message: `${key ?? 'options'}: ${spec ? describeBounds(spec, issue.message) : issue.message}` });
  }
  return { ok: false, issues };
}

function shorten(text: string): string {
  return text.length > MAX_SHOWN_KEY ? `${text.slice(0, MAX_SHOWN_KEY)}... (${text.length} characters)` : text;
}

function describeBounds(spec: ParamSpecs[string], zodMessage: string): string {
  switch (spec.kind) {
    case 'int':
      return `expected a whole number${spec.min !== undefined && spec.max !== undefined ? ` in ${spec.min}..${spec.max}` : ''} (${zodMessage})`;
    case 'float':
      return `expected a number${spec.min !== undefined && spec.max !== undefined ? ` in ${spec.min}..${spec.max}` : ''} (${zodMessage})`;
    case 'bool':
      return `expected true or false (${zodMessage})`;
    default:
      return zodMessage;
  }
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
  if (!found) return { error: `unknown dataset '${shorten(datasetId)}'` };
  const checked = validateDatasetOptions(datasetId, options as Readonly<Record<string, unknown>>);
  if (!checked.ok) return { error: `dataset '${datasetId}' options: ${checked.issues.map((i) => i.message).join('; ')}` };
  const spec = found.spec(checked.options);
  const feature = [...spec.features, ...spec.labels].find((f) => f.name === featureName);
  if (!feature) {
    const names = [...spec.features, ...spec.labels].map((f) => f.name).join(', ');
    return { error: `dataset '${datasetId}' has no feature '${featureName}' (it has ${names})` };
  }
  return { feature, spec };
}
