/**
 * The typed RPC surface of the engine worker (called through comlink). Training and inspection
 * run only in the worker; the UI sends the document as JSON and receives plain numbers and typed
 * arrays (transferred, not copied).
 */
import type { BackendCheckResult } from '../../core/engine/backend-check';
import type { SkippedBackend } from '../../core/engine/backends';
import type { RunManifest, RunStatus } from '../../core/engine/run';
import type { EvaluationResult } from '../../core/engine/trainer';
import type { ExportedModel } from '../../core/engine/export';
import type { SavedWeights } from '../../core/graph/document';
import type { TaskKind } from '../../core/data/types';
import type { DatasetPreview, DatasetPreviewRequest } from '../../core/inspect/dataset-preview-types';
import type { GivenSample, InspectionSource } from '../../core/inspect/inspection-input';
import type { AttentionResult, GanSamplesResult, InspectionCapabilities, InspectRequest, InspectResult, LayerHistograms } from '../../core/inspect/types';

// The inspection views' requests and results are core's (core/inspect/types.ts).
export type * from '../../core/inspect/types';

export interface BackendRequest {
  /** A backend the user asked for; tried first. */
  override?: string | undefined;
  /**
   * Threads of the wasm backend's XNNPACK pool (tfjs' setThreadsCount, before the backend starts);
   * undefined: tfjs' own default. Only the threaded build (cross-origin isolated) runs more than one.
   */
  wasmThreads?: number | undefined;
}

export interface BackendReport {
  backend: string;
  skipped: SkippedBackend[];
  tfjsVersion: string;
  /** SharedArrayBuffer available: the wasm backend may use threads. */
  crossOriginIsolated: boolean;
  /** Netwright's wasm SIMD kernels (core/engine/simd): in use on the chosen wasm backend, compiled, or why not. */
  simdKernels: string;
  /** The wasm backend's thread count as tfjs reports it (getThreadsCount); null when wasm never started. */
  wasmThreads: number | null;
  /** The thread count asked for (null: tfjs' default), and the browser's logical cores. */
  wasmThreadsRequested: number | null;
  hardwareConcurrency: number;
}

export interface TrainRequest {
  /** The graph document, serialized (the worker validates it). */
  documentJson: string;
  /** 'auto' keeps the probed backend; a name switches to it for this run. */
  backend: string;
  /** Use at most this many samples of each split (quick runs, tests); null: all. */
  limit: number | null;
  /** Update/weight ratios every this many steps. */
  statsEvery?: number;
  /** Start from these weights (a kept run's, e.g. an imported model's) instead of fresh ones. */
  startWeights?: SavedWeights | null;
}

/** Per graph node (all its variables together), from the latest step. */
export interface LayerGradientStat {
  nodeId: string;
  gradNorm: number;
  weightNorm: number;
  updateRatio: number;
}

export interface DatasetInfo {
  id: string;
  title: string;
  task: TaskKind;
  trainSize: number;
  validationSize: number;
  classNames: string[] | null;
  isSeq2seq: boolean;
}

export interface RunStartedEvent {
  kind: 'started';
  runId: number;
  backend: string;
  /** Why this backend: the user chose it, or what auto-selection skipped and why. */
  backendReason: string;
  dataset: DatasetInfo;
  batchesPerEpoch: number;
  epochs: number;
  /** ln(classes) for a softmax classifier: the loss an untrained model should start near. */
  expectedInitialLoss: number | null;
  /** Views this model supports. */
  capabilities: InspectionCapabilities;
}

/** Steps since the last event (sent about 10 times a second). */
export interface StepsEvent {
  kind: 'steps';
  epoch: number;
  /** 0-based batch of the last step in this event. */
  batch: number;
  batches: number;
  /** Global step numbers (1-based) and their batch losses. */
  steps: Float64Array;
  losses: Float64Array;
  /** Named metrics of the last step. */
  metrics: Record<string, number>;
  /**
   * Per step (aligned with `steps`): each loss node's loss (by node id) and each metric (by name);
   * NaN where a step did not compute it (a phased run's steps compute their own phase's losses).
   */
  named: Record<string, Float64Array>;
  samplesPerSecond: number;
  /** Per layer, for each step since the last event that took statistics (every `statsEvery`). */
  layerSteps: { step: number; layers: LayerGradientStat[] }[];
  gradNorm: number;
}

export interface EpochDoneEvent {
  kind: 'epoch';
  epoch: number;
  step: number;
  loss: number;
  metrics: Record<string, number>;
  validation: EvaluationResult | null;
  seconds: number;
  samplesPerSecond: number;
  /** Per layer: weight and gradient histograms at the end of this epoch (one batch's gradients). */
  histograms: LayerHistograms[];
  /** Attention maps of the sample the Attention view last asked for, at the end of this epoch. */
  attention: AttentionResult | null;
  /** A GAN: the samples of the run's fixed noise at the end of this epoch. */
  ganSamples: GanSamplesResult | null;
}

export interface RunFinishedEvent {
  kind: 'finished';
  status: RunStatus;
  manifest: RunManifest;
  bestEpoch: number | null;
  test: EvaluationResult | null;
  nonFinite: { nodeId: string | null; message: string } | null;
}

export interface RunErrorEvent {
  kind: 'error';
  message: string;
  nodeId: string | null;
}

export type TrainingEvent = RunStartedEvent | StepsEvent | EpochDoneEvent | RunFinishedEvent | RunErrorEvent;

export type TrainingListener = (event: TrainingEvent) => void;

export interface OpenRunRequest {
  /** The graph the run was trained on, as a document (serialized; the worker validates it). */
  documentJson: string;
  weights: SavedWeights;
  /** For a graph without a dataset: one sample to inspect it on (else a bundled dataset that fits it). */
  given?: GivenSample | null;
  /** For a graph without a dataset: the bundled dataset to read when it fits (else the first that fits). */
  fitting?: string | null;
}

export interface OpenedRun {
  backend: string;
  dataset: DatasetInfo;
  capabilities: RunStartedEvent['capabilities'];
  /** Where the views' samples come from: the run's dataset, one that fits the model, or the given sample. */
  source: InspectionSource;
}

export interface ImportModelRequest {
  /** A model.json with its weight files, or a Keras file (bytes by file name; transferred). */
  files: { name: string; bytes: Uint8Array<ArrayBuffer> }[];
  /** The new document's name. */
  name: string;
}

/** An imported model as a graph document whose kept run holds its weights, or why it was refused. */
export type ImportModelResult =
  | { ok: true; documentJson: string; layers: number; parameters: number; source: 'netwright-metadata' | 'layers'; notes: string[] }
  | { ok: false; message: string };

export interface ControlAck {
  /** What the run is doing now. */
  state: 'running' | 'paused' | 'stopping' | 'idle';
}

export interface EngineApi {
  selectBackend(request: BackendRequest): Promise<BackendReport>;
  /** Trains; events go to `listener` (a comlink proxy). Resolves when the run ends. */
  train(request: TrainRequest, listener: TrainingListener): Promise<RunFinishedEvent | RunErrorEvent>;
  /** Resolves once the run loop has actually paused (between two steps). */
  pause(): Promise<ControlAck>;
  resume(): Promise<ControlAck>;
  /** Resolves once the run loop has seen the request (it then evaluates and finishes). */
  stop(): Promise<ControlAck>;
  /** Answered between two training steps (or at any time when idle), on the current weights. */
  inspect(request: InspectRequest): Promise<InspectResult>;
  /** The user is panning/zooming: training idles part of the time for 2 s (renewed by calls). */
  setInteractive(on: boolean): Promise<void>;
  /** All weights of the last run's model, once it has ended (to keep the run with the document). */
  trainedWeights(): Promise<SavedWeights>;
  /** Makes a kept run's model (its graph and weights) the one inspection reads. */
  openRun(request: OpenRunRequest): Promise<OpenedRun>;
  /** The inspected model in the TensorFlow.js layers format. */
  exportModel(): Promise<ExportedModel>;
  /**
   * The inspected model (or one of its sub-models) as a zipped PyTorch project (model.py,
   * train.py, weights.npz, README.md, and data/*.npz when asked); `onProgress` (a comlink proxy)
   * hears the stages.
   */
  exportPytorch(request: PytorchExportRequest, onProgress: (fraction: number, stage: string) => void): Promise<ExportedPytorch>;
  /** Stops the PyTorch export in progress: its exportPytorch call rejects with 'the export was cancelled'. */
  cancelExport(): Promise<void>;
  /** The inspected model (or one of its sub-models) as an ONNX file (opset 17, attention weights as extra outputs). */
  exportOnnx(submodel?: string): Promise<ExportedOnnx>;
  /**
   * Imports a model (core/import) off the UI thread; `onProgress` (a comlink proxy) hears the
   * stages. A refusal (ImportError: the layer's position and name) is a result, not a throw.
   */
  importModel(request: ImportModelRequest, onProgress: (fraction: number, stage: string) => void): Promise<ImportModelResult>;
  /** Live tfjs tensors in the worker (leak checks). */
  memory(): Promise<{ numTensors: number; numBytes: number }>;
  /** Releases the last run's model and inspection caches. */
  release(): Promise<{ numTensors: number }>;
  /** Samples and statistics of a bundled dataset (loaded once and cached, like for training). */
  previewDataset(request: DatasetPreviewRequest): Promise<DatasetPreview>;
  /**
   * Every catalogue layer type's outputs and gradients on `candidate` against cpu (see
   * core/engine/backend-check). Restores the active backend afterwards. For tests and diagnostics;
   * only while no run is training (it switches the global tfjs backend).
   */
  checkBackendGradients(candidate: string): Promise<BackendCheckResult[]>;
}

export interface PytorchExportRequest {
  /** The run the weights come from, for the project's README. */
  runName: string;
  /** Only this named sub-model (its inputs are the wires entering it). */
  submodel?: string;
  /** Also data/<split>.npz: the run's dataset, every split whole. */
  withData?: boolean;
}

/** A PyTorch project made in the worker: the zip's bytes and the folder its files are under. */
export interface ExportedPytorch {
  bytes: Uint8Array<ArrayBuffer>;
  folder: string;
}

/** An ONNX export made in the worker: the file's bytes and what it holds. */
export interface ExportedOnnx {
  bytes: Uint8Array<ArrayBuffer>;
  inputs: string[];
  outputs: string[];
  parameterCount: number;
}
