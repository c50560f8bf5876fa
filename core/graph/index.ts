export * from './document';
export * from './parse';
export * from './serialize';
export * from './analyze';
export * from './summary';
export { MIGRATIONS, type Migration } from './migrations';
export * from './builder';
export * from './edit';
export * from './saved-runs';
export * from './weights-checksum';
export { bindableFeatures, bindInputToFeature, bindInputsByName, inputsMatchingByName, type BindableFeatures } from './dataset-binding';
export { bindDatasetToDocument, bindFittingDataset, datasetsFitting, type DatasetFit, type FittingDataset, type UnfitDataset } from './dataset-fit';
export {
  extractSubmodel,
  findSubmodel,
  submodelInterface,
  submodelIssues,
  submodelNameProblem,
  SubmodelError,
  type ExtractedSubmodel,
  type SubmodelInput,
  type SubmodelInterface,
  type SubmodelPort,
} from './submodels';
export { addPhase, effectivePhases, isPhased, phasePatchProblem, phaseUpdatableNodes, removePhase, setPhase, type EffectivePhase } from './phases';
export { setShares, shareProblem } from './sharing';
