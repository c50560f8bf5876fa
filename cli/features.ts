/** Binds graph Input nodes to dataset features for the commands (dataset specs load no data). */
import type { FeatureResolver } from '../core/graph';

// Datasets are wired in once the dataset registry exists; until then no binding is resolved.
export const featureResolver: FeatureResolver | undefined = undefined;
