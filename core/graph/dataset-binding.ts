/** Input nodes bound to a bundled dataset take that feature's shape (the specs load no data). */
import { datasetIds, getDatasetSpec, resolveDatasetFeature, validateDatasetOptions, type DatasetOptions, type FeatureSpec } from '../data';
import type { FeatureResolver, GraphIssue } from './analysis-types';
import type { GraphDocument } from './document';
import { setParams } from './edit';
import { formatPath } from './json-path';

export const datasetFeatureResolver: FeatureResolver = (dataset, feature) => {
  const found = resolveDatasetFeature(dataset.id, feature, dataset.options as DatasetOptions);
  if ('error' in found) return found;
  return { shape: [null, ...found.feature.shape] };
};

/**
 * The training setup's dataset options checked against the dataset's declaration, as issues with
 * the JSON path of the option. An unknown dataset id is left to the Input nodes bound to it.
 */
export function datasetOptionIssues(dataset: NonNullable<GraphDocument['training']['dataset']>): GraphIssue[] {
  if (!datasetIds().includes(dataset.id)) return [];
  const checked = validateDatasetOptions(dataset.id, dataset.options);
  if (checked.ok) return [];
  return checked.issues.map((issue) => {
    const path = formatPath(['training', 'dataset', 'options', ...(issue.key === null ? [] : [issue.key])]);
    return { severity: 'error', path, message: `${path}: dataset '${dataset.id}' ${issue.message}` };
  });
}

/** What an Input node can be bound to: the features and labels of the document's dataset. */
export type BindableFeatures =
  | { readonly ok: true; readonly datasetId: string; readonly title: string; readonly features: readonly FeatureSpec[] }
  | { readonly ok: false; readonly message: string };

/** The chosen dataset's features (then labels) under its options; a refusal says which id or option is wrong. */
export function bindableFeatures(dataset: NonNullable<GraphDocument['training']['dataset']>): BindableFeatures {
  const checked = validateDatasetOptions(dataset.id, dataset.options);
  if (!checked.ok) return { ok: false, message: checked.issues.map((i) => i.message).join('; ') };
  const spec = getDatasetSpec(dataset.id, checked.options);
  return { ok: true, datasetId: dataset.id, title: spec.title, features: [...spec.features, ...spec.labels] };
}

/** Binds one Input node to a feature (its name, shape and dtype together), or unbinds it (null). */
export function bindInputToFeature(graph: GraphDocument, nodeId: string, feature: FeatureSpec | null): GraphDocument {
  if (feature === null) return setParams(graph, nodeId, { feature: '' });
  return setParams(graph, nodeId, { feature: feature.name, shape: [...feature.shape], dtype: feature.dtype });
}

/**
 * Input nodes not bound to one of `features` (empty, or a name the dataset lacks) whose name or id
 * equals a feature's name, ignoring case (the name is tried first): the bindings "by name" offers.
 */
export function inputsMatchingByName(graph: GraphDocument, features: readonly FeatureSpec[]): { readonly nodeId: string; readonly feature: FeatureSpec }[] {
  const byName = new Map(features.map((f) => [f.name.toLowerCase(), f] as const));
  const known = new Set(features.map((f) => f.name));
  const matches: { nodeId: string; feature: FeatureSpec }[] = [];
  for (const node of graph.nodes) {
    if (node.type !== 'Input') continue;
    const bound = node.params.feature;
    if (typeof bound === 'string' && known.has(bound)) continue;
    const feature = byName.get((node.name ?? '').toLowerCase()) ?? byName.get(node.id.toLowerCase());
    if (feature) matches.push({ nodeId: node.id, feature });
  }
  return matches;
}

/** Binds every Input that matches a feature by name (see inputsMatchingByName) in one new document. */
export function bindInputsByName(graph: GraphDocument, features: readonly FeatureSpec[]): GraphDocument {
  return inputsMatchingByName(graph, features).reduce((g, m) => bindInputToFeature(g, m.nodeId, m.feature), graph);
}
