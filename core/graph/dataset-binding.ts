/** Input nodes bound to a bundled dataset take that feature's shape (the specs load no data). */
import { datasetIds, resolveDatasetFeature, validateDatasetOptions, type DatasetOptions } from '../data';
import type { FeatureResolver, GraphIssue } from './analyze';
import type { GraphDocument } from './document';
import { formatPath } from './parse';

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
