/**
 * Bundled datasets: specs (synchronous, no data), loading through a ByteSource, batching and
 * tfjs conversion. Platform-free: the Node fs source lives in ./node-source (import it directly).
 */
export * from './types';
export { listDatasets, getDatasetSpec, loadDataset, datasetIds, resolveDatasetFeature, datasetOptionSpecs, validateDatasetOptions, type DatasetOptions } from './registry';
export { fetchByteSource, memoryByteSource, NO_FILES } from './sources';
export { batchToTensors, tensorBatches } from './tensors';
export { decodeIds } from './vocab';
export { decodeImageFile, readImageFileHeader } from './container';
export { SeededRandom } from './random';
export { POINTS_KINDS } from './points';
