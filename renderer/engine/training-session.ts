/**
 * Worker side of training and inspection: one run at a time, on the graph the UI sent. The run
 * loop (core/engine/run) yields to the event loop between steps, so pause/stop and inspection
 * requests are handled between two steps; inspection is synchronous tfjs work on the current
 * weights, in inference mode, and disposes every tensor it makes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset, type DatasetOptions } from '../../core/data/registry';
import { fetchByteSource } from '../../core/data/sources';
import type { Dataset } from '../../core/data/types';
import { buildPreview } from '../../core/inspect/dataset-preview';
import type { DatasetPreview } from '../../core/inspect/dataset-preview-types';
import { capabilitiesOf, computeView, defaultRequest, viewTransferables } from '../../core/inspect/registry';
import { classificationHead, classNamesOf } from '../../core/inspect/roles';
import { inspectionPlan } from '../../core/inspect/inspection-input';
import { InspectionSession } from '../../core/inspect/session';
import { compileSeeded, runTraining, RunError, type RunControl } from '../../core/engine/run';
import { checkActiveBackend } from '../../core/engine/backends';
import type { VariableStats } from '../../core/engine/trainer';
import { exportLayersModel, type ExportedModel } from '../../core/engine/export';
import { applyWeights, captureWeights } from '../../core/engine/weights';
import { analyzeGraph, parseGraphText, type SavedWeights } from '../../core/graph';
import { exportOnnx } from '../../core/export/onnx';
import { compileSubmodel } from '../../core/engine/submodel';
import { buildPytorchProject, pytorchFolderName, weightsByNode, zipProject, type ExportProgress } from '../../core/export/pytorch';
import type {
  AttentionResult,
  ControlAck,
  GanSamplesResult,
  DatasetInfo,
  ExportedOnnx,
  ExportedPytorch,
  InspectRequest,
  InspectResult,
  LayerGradientStat,
  LayerHistograms,
  OpenedRun,
  OpenRunRequest,
  PytorchExportRequest,
  RunErrorEvent,
  RunFinishedEvent,
  RunStartedEvent,
  TrainingListener,
  TrainRequest,
} from './engine-api';

/** Where the bundled data files are served (dist/data next to dist/assets; /data in dev). */
function dataBaseUrl(): string {
  return import.meta.env.DEV ? '/data/' : new URL(/* @vite-ignore */ '../data/', import.meta.url).href;
}

/** A macrotask turn without setTimeout's clamping: pause/stop/inspect messages are handled in it. */
const yieldChannel = new MessageChannel();
const yieldWaiters: (() => void)[] = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}

/**
 * While the user drags or zooms the canvas, training leaves the CPU idle part of the time: on a
 * machine with few cores (and software compositing) the page's frames otherwise starve. It rests
 * as long as it worked since its last rest (at least 12 ms, at most 48): half a core at most,
 * whatever a step costs (a fixed 12 ms rest after a 40 ms step still took three quarters).
 */
let interactiveUntil = 0;
const INTERACTIVE_IDLE_MS = 12;
const INTERACTIVE_MAX_IDLE_MS = 48;
const INTERACTIVE_EVERY_MS = 16;
let lastIdle = 0;

export function setInteractive(on: boolean): void {
  interactiveUntil = on ? performance.now() + 2000 : 0;
}

/** Whether the user is moving the canvas (also slows the progress events the page gets). */
function isInteractive(): boolean {
  return performance.now() < interactiveUntil;
}

function yieldBetweenSteps(): Promise<void> {
  const now = performance.now();
  if (now < interactiveUntil && now - lastIdle >= INTERACTIVE_EVERY_MS) {
    // Worked since the last rest (a long pause since then counts as one step's worth).
    const worked = lastIdle > 0 && now - lastIdle < 1000 ? now - lastIdle : INTERACTIVE_IDLE_MS;
    const rest = Math.min(INTERACTIVE_MAX_IDLE_MS, Math.max(INTERACTIVE_IDLE_MS, worked));
    return new Promise((resolve) =>
      setTimeout(() => {
        lastIdle = performance.now();
        resolve();
      }, rest),
    );
  }
  return yieldToEventLoop();
}

const datasets = new Map<string, Promise<Dataset>>();
function datasetFor(id: string, options: DatasetOptions): Promise<Dataset> {
  const key = `${id}:${JSON.stringify(options)}`;
  let found = datasets.get(key);
  if (!found) {
    found = loadDataset(id, fetchByteSource(dataBaseUrl()), options);
    found.catch(() => datasets.delete(key));
    datasets.set(key, found);
  }
  return found;
}

/** A dataset preview from the same cache training uses. */
export async function previewDataset(id: string, options: DatasetOptions, samples: number | undefined): Promise<DatasetPreview> {
  return buildPreview(await datasetFor(id, options), samples);
}

let session: InspectionSession | null = null;

/** The validation sample the Attention view last asked about: snapshotted at every epoch end. */
let attentionSample = 0;
/** Samples of the training split whose gradients the epoch-end histograms show. */
const HISTOGRAM_BATCH = 64;

// Run control: flags set by messages, read by the run loop between steps.
let running = false;
let paused = false;
let stopRequested = false;
let resumeRun: (() => void) | null = null;
let pauseReached: ((state: ControlAck['state']) => void)[] = [];
let stopSeen: (() => void)[] = [];

const control: RunControl = {
  stopRequested() {
    if (stopRequested) {
      stopSeen.forEach((f) => f());
      stopSeen = [];
    }
    return stopRequested;
  },
  waitWhilePaused() {
    if (!paused || stopRequested) return Promise.resolve();
    pauseReached.forEach((f) => f('paused'));
    pauseReached = [];
    return new Promise<void>((resolve) => (resumeRun = resolve));
  },
};

export function pauseRun(): Promise<ControlAck> {
  if (!running) return Promise.resolve({ state: 'idle' });
  paused = true;
  return new Promise((resolve) => pauseReached.push((state) => resolve({ state })));
}

export function resumeRunNow(): Promise<ControlAck> {
  if (!running) return Promise.resolve({ state: 'idle' });
  paused = false;
  resumeRun?.();
  resumeRun = null;
  return Promise.resolve({ state: 'running' });
}

export function stopRun(): Promise<ControlAck> {
  if (!running) return Promise.resolve({ state: 'idle' });
  stopRequested = true;
  const ack = new Promise<ControlAck>((resolve) => stopSeen.push(() => resolve({ state: 'stopping' })));
  // A paused run wakes up to see the stop.
  paused = false;
  resumeRun?.();
  resumeRun = null;
  return ack;
}

function releaseSession(): void {
  session?.dispose();
  session = null;
}

export function release(): { numTensors: number } {
  if (!running) releaseSession();
  return { numTensors: tf.memory().numTensors };
}

/** All weights of the last run's model (after it ended), to keep with the document. */
export function trainedWeights(): SavedWeights {
  if (running) throw new Error('the run is still training');
  return captureWeights(current().compiled.model);
}

/**
 * Makes a kept run's model the one inspection reads: compiles the graph it was trained on and
 * writes its weights in. Refused while a run trains.
 */
export async function openRun(request: OpenRunRequest): Promise<OpenedRun> {
  if (running) throw new Error('a run is training: open a kept run when it has ended');
  const parsed = parseGraphText(request.documentJson);
  if (!parsed.ok) throw new Error(`the run's graph is not valid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  // A model without a dataset (an imported one) is read on a bundled dataset that fits it, bound
  // on a copy, or on the sample the user gave; the plan says what is missing otherwise.
  const plan = inspectionPlan(parsed.graph, request.given ?? null, request.fitting ?? null);
  if (!plan.ok) throw new Error(plan.message);
  const graph = plan.graph;
  const ref = graph.training.dataset;
  const dataset = 'dataset' in plan ? plan.dataset : ref ? await datasetFor(ref.id, ref.options as DatasetOptions) : null;
  if (!dataset) throw new Error('the run has no dataset');
  releaseSession();
  const compiled = compileSeeded(graph);
  let opened: InspectionSession;
  try {
    opened = new InspectionSession(graph, compiled, dataset);
    applyWeights(compiled, graph, request.weights);
    session = opened;
  } catch (err) {
    compiled.model.dispose();
    throw err;
  }
  return { backend: tf.getBackend(), dataset: datasetInfo(dataset), capabilities: capabilitiesOf(opened), source: plan.source };
}

/** The inspected model in the TensorFlow.js layers format (model.json + weights.bin). */
export async function exportModel(): Promise<ExportedModel> {
  if (running) throw new Error('the run is still training: export when it has ended');
  return exportLayersModel(current().compiled.model, current().graph);
}

/**
 * The inspected model as a PyTorch project, zipped: model.py, train.py (torchrun/DDP), its weights
 * as weights.npz in PyTorch's layouts, README.md; with `withData` also data/<split>.npz of the
 * run's dataset, whole (the same bytes as `netwright export --with-data` writes), streamed into the
 * zip a chunk of rows at a time; with `submodel` only that sub-model, its weights copied by node.
 * A node the export cannot express exactly is refused with its name and the reason. `onProgress`
 * hears how far it got; `signal` cancels it between chunks (ExportCancelled).
 */
export async function exportPytorch(request: PytorchExportRequest, onProgress?: ExportProgress, signal?: AbortSignal): Promise<ExportedPytorch> {
  if (running) throw new Error('the run is still training: export when it has ended');
  const opened = current();
  let graph = opened.graph;
  let weights;
  let outputs;
  if (request.submodel === undefined) {
    weights = weightsByNode(opened.compiled.layerNames, captureWeights(opened.compiled.model));
  } else {
    const part = compileSubmodel(opened.graph, request.submodel, opened.compiled);
    try {
      weights = weightsByNode(part.compiled.layerNames, captureWeights(part.compiled.model));
      graph = part.extracted.graph;
      outputs = part.extracted.interface.outputs;
    } finally {
      part.compiled.model.dispose();
    }
  }
  const project = buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights, runLabel: request.runName, withData: request.withData === true, outputs });
  const folder = pytorchFolderName(graph.metadata.name);
  const bytes = await zipProject(project, folder, { ...(request.withData ? { dataset: opened.dataset } : {}), ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
  return { bytes, folder };
}

/** The inspected model as an ONNX file. */
/** The opened run's model as ONNX; with `submodel`, only that sub-model (its weights copied by node). */
export function exportOnnxModel(submodel?: string): ExportedOnnx {
  if (running) throw new Error('the run is still training: export when it has ended');
  if (submodel !== undefined) {
    const part = compileSubmodel(current().graph, submodel, current().compiled);
    try {
      const exported = exportOnnx(part.compiled, part.extracted.graph, { attentionWeights: true });
      return { bytes: new Uint8Array(exported.bytes), inputs: exported.inputs.map((p) => p.name), outputs: exported.outputs.map((p) => p.name), parameterCount: exported.parameterCount };
    } finally {
      part.compiled.model.dispose();
    }
  }
  const exported = exportOnnx(current().compiled, current().graph, { attentionWeights: true });
  return {
    bytes: new Uint8Array(exported.bytes),
    inputs: exported.inputs.map((p) => p.name),
    outputs: exported.outputs.map((p) => p.name),
    parameterCount: exported.parameterCount,
  };
}

/** Per graph node: the norms of all its variables together. */
function perLayer(stats: readonly VariableStats[]): LayerGradientStat[] {
  const byNode = new Map<string, { g: number; w: number; u: number }>();
  for (const s of stats) {
    const entry = byNode.get(s.nodeId) ?? { g: 0, w: 0, u: 0 };
    entry.g += s.gradNorm * s.gradNorm;
    entry.w += s.weightNorm * s.weightNorm;
    const update = s.updateRatio * s.weightNorm;
    entry.u += update * update;
    byNode.set(s.nodeId, entry);
  }
  return [...byNode].map(([nodeId, e]) => ({
    nodeId,
    gradNorm: Math.sqrt(e.g),
    weightNorm: Math.sqrt(e.w),
    updateRatio: e.w > 0 ? Math.sqrt(e.u) / Math.sqrt(e.w) : 0,
  }));
}

function datasetInfo(dataset: Dataset): DatasetInfo {
  return {
    id: dataset.spec.id,
    title: dataset.spec.title,
    task: dataset.spec.task,
    trainSize: dataset.train.size,
    validationSize: dataset.validation.size,
    classNames: classNamesOf(dataset),
    isSeq2seq: dataset.spec.seq2seq !== undefined,
  };
}

export async function train(
  request: TrainRequest,
  backendReason: (backend: string) => string,
  listener: TrainingListener,
): Promise<RunFinishedEvent | RunErrorEvent> {
  if (running) {
    const error: RunErrorEvent = { kind: 'error', message: 'a run is already going on', nodeId: null };
    return error;
  }
  running = true;
  paused = false;
  stopRequested = false;
  try {
    const parsed = parseGraphText(request.documentJson);
    if (!parsed.ok) throw new Error(`the document is not valid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    const graph = parsed.graph;
    const setup = graph.training;
    if (!setup.dataset) throw new Error('choose a dataset in the training panel first');
    if (request.backend !== 'auto' && request.backend !== tf.getBackend()) {
      const previous = tf.getBackend();
      const ok = await tf.setBackend(request.backend);
      if (!ok) throw new Error(`the ${request.backend} backend could not start here`);
      await tf.ready();
      // The same probe auto-selection runs: a backend that computes or reads wrongly is refused.
      let wrong: string | null;
      try {
        wrong = await checkActiveBackend(tf);
      } catch (err) {
        wrong = err instanceof Error ? err.message : String(err);
      }
      if (wrong) {
        await tf.setBackend(previous);
        throw new Error(`the ${request.backend} backend does not work here (${wrong}); choose another backend (auto picks ${previous})`);
      }
    }
    const dataset = await datasetFor(setup.dataset.id, setup.dataset.options as DatasetOptions);
    releaseSession();
    const compiled = compileSeeded(graph);
    let trained: InspectionSession;
    try {
      // Weights go by node: the graph may have gained weightless nodes since (a dataset bound).
      if (request.startWeights) applyWeights(compiled, graph, request.startWeights);
      trained = new InspectionSession(graph, compiled, dataset);
      session = trained;
    } catch (err) {
      compiled.model.dispose();
      throw err;
    }
    const head = classificationHead(compiled);
    const limit = request.limit;
    const trainSize = limit === null ? dataset.train.size : Math.min(limit, dataset.train.size);
    const runId = Date.now();
    let stepNumber = 0;
    let pendingSteps: number[] = [];
    let pendingLosses: number[] = [];
    let pendingNamed: Record<string, number>[] = [];
    let pendingLayers: { step: number; layers: LayerGradientStat[] }[] = [];
    let lastFlush = 0;
    const started: RunStartedEvent = {
      kind: 'started',
      runId,
      backend: tf.getBackend(),
      backendReason: backendReason(tf.getBackend()),
      dataset: datasetInfo(dataset),
      batchesPerEpoch: Math.ceil(trainSize / setup.batchSize),
      epochs: setup.epochs,
      expectedInitialLoss: head && compiled.losses.length === 1 ? Math.log(head.classes) : null,
      capabilities: capabilitiesOf(trained),
    };
    listener(started);
    const result = await runTraining(graph, compiled, dataset, {
      backend: tf.getBackend(),
      limit,
      control,
      statsEvery: request.statsEvery ?? 5,
      // After every step: cheap with a MessageChannel, and it lets interaction throttle training.
      yieldToEventLoop: yieldBetweenSteps,
      yieldEveryMs: 0,
      onStep(event) {
        stepNumber++;
        pendingSteps.push(stepNumber);
        pendingLosses.push(event.step.loss);
        pendingNamed.push({ ...event.step.losses, ...event.step.metrics });
        if (event.step.stats) pendingLayers.push({ step: stepNumber, layers: perLayer(event.step.stats) });
        const now = performance.now();
        const last = event.batch === event.batches - 1;
        // 10 progress events a second; 2 while the user moves the canvas (the page defers them then).
        if (now - lastFlush < (isInteractive() ? 500 : 100) && !last && stepNumber > 1) return;
        lastFlush = now;
        const steps = Float64Array.from(pendingSteps);
        const losses = Float64Array.from(pendingLosses);
        const layerSteps = pendingLayers;
        const keys = new Set(pendingNamed.flatMap((n) => Object.keys(n)));
        const named = Object.fromEntries([...keys].map((k) => [k, Float64Array.from(pendingNamed, (n) => n[k] ?? Number.NaN)]));
        pendingSteps = [];
        pendingLosses = [];
        pendingNamed = [];
        pendingLayers = [];
        listener({
          kind: 'steps',
          epoch: event.epoch,
          batch: event.batch,
          batches: event.batches,
          steps,
          losses,
          metrics: event.step.metrics,
          named,
          samplesPerSecond: event.samplesPerSecond,
          layerSteps,
          gradNorm: event.step.gradNorm,
        });
      },
      onEpoch(event) {
        // Snapshots of this epoch's end; a failure here must not end the run.
        const current = session;
        let histograms: LayerHistograms[] = [];
        let attentionMaps: AttentionResult | null = null;
        let ganSamples: GanSamplesResult | null = null;
        if (current) {
          try {
            histograms = computeView(current, { kind: 'histograms', samples: HISTOGRAM_BATCH }).layers;
          } catch {
            histograms = [];
          }
          try {
            if (started.capabilities.views.includes('attention')) attentionMaps = computeView(current, { kind: 'attention', sample: attentionSample });
          } catch {
            attentionMaps = null;
          }
          try {
            if (started.capabilities.gan) ganSamples = computeView(current, defaultRequest(current, 'gan-samples'));
          } catch {
            ganSamples = null;
          }
        }
        listener({
          kind: 'epoch',
          epoch: event.epoch,
          step: stepNumber,
          loss: event.loss,
          metrics: event.metrics,
          validation: event.validation,
          seconds: event.seconds,
          samplesPerSecond: event.samplesPerSecond,
          histograms,
          attention: attentionMaps,
          ganSamples,
        });
      },
    });
    const finished: RunFinishedEvent = {
      kind: 'finished',
      status: result.status,
      manifest: result.manifest,
      bestEpoch: result.bestEpoch,
      test: result.test,
      nonFinite: result.nonFinite ? { nodeId: result.nonFinite.nodeId, message: result.nonFinite.message } : null,
    };
    // The trainer's optimizer state and undo copies are not needed for inspection; the model
    // (weights) stays. (A run that throws frees its trainer itself.)
    result.trainer.dispose();
    return finished;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'error', message, nodeId: err instanceof RunError ? (err.nodeId ?? null) : null };
  } finally {
    running = false;
    paused = false;
    stopRequested = false;
    stopSeen.forEach((f) => f());
    stopSeen = [];
    // A pause asked for as the run ended: the run is over, not paused.
    pauseReached.forEach((f) => f('idle'));
    pauseReached = [];
  }
}

// ---------------------------------------------------------------- inspection

function current(): InspectionSession {
  if (!session) throw new Error('train the model first: inspection reads the weights of a run');
  return session;
}

/** A view of the current model (core/inspect/registry), answered between two training steps. */
export function inspect(request: InspectRequest): InspectResult {
  if (request.kind === 'attention') attentionSample = request.sample;
  return computeView(current(), request);
}

/** The typed arrays of a result, to transfer instead of copying. */
export function transferables(result: InspectResult): Transferable[] {
  return viewTransferables(result) as Transferable[];
}
