/** Input nodes bound to a bundled dataset take that feature's shape (the specs load no data). */
import { resolveDatasetFeature, type DatasetOptions } from '../data';
import type { FeatureResolver } from './analyze';

export const datasetFeatureResolver: FeatureResolver = (dataset, feature) => {
  const found = resolveDatasetFeature(dataset.id, feature, dataset.options as DatasetOptions);
  if ('error' in found) return found;
  return { shape: [null, ...found.feature.shape] };
};
