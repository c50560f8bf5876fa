/**
 * Bundled datasets: specs (synchronous, no data), loading through a ByteSource, batching and
 * tfjs conversion. Platform-free: the Node fs source lives in ./node-source (import it directly).
 */
export * from './types';
export { listDatasets, getDatasetSpec, loadDataset, datasetIds, resolveDatasetFeature, datasetOptionSpecs, validateDatasetOptions, type DatasetOptions, type DatasetOptionIssue, type DatasetOptionsResult } from './registry';
export { fetchByteSource, memoryByteSource, NO_FILES } from './sources';
export { batchToTensors, tensorBatches, type TensorFactory } from './tensors';
export { decodeIds, encodeText, encodeTextStrict, tokenize, makeVocabulary, SPECIAL_TOKENS } from './vocab';
export { decodeImageFile, readImageFileHeader, type ImageFileHeader, type DecodedImages } from './container';
export { SeededRandom, permutation, mixSeed } from './random';
export { MNIST_CLASSES, FASHION_MNIST_CLASSES } from './images';
export { POINTS_KINDS, type PointsKind, type PointsOptions } from './points';
