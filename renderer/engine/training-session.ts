/**
 * Worker side of training and inspection: one run at a time, on the graph the UI sent. The run
 * loop (core/engine/run) yields to the event loop between steps, so pause/stop and inspection
 * requests are handled between two steps; inspection is synchronous tfjs work on the current
 * weights, in inference mode, and disposes every tensor it makes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchToTensors } from '../../core/data/tensors';
import { decodeIds, encodeText } from '../../core/data/vocab';
import { SeededRandom, mixSeed } from '../../core/data/random';
import { loadDataset, type DatasetOptions } from '../../core/data/registry';
import { fetchByteSource } from '../../core/data/sources';
import type { Batch, Dataset, DatasetSplit, FeatureSpec, VocabularySpec } from '../../core/data/types';
import type { CompiledGraph } from '../../core/engine/compile';
import { beamSearchDecode, decodeLatent, disposeDecoders, greedyDecode, seq2seqIO } from '../../core/engine/decode';
import { compileSeededWithGradientProbes, copyWeightsByLayerName, gradientFlow } from '../../core/engine/gradient-flow';
import { attentionNodes, attentionWeights, disposeInspection, nodeOutputs } from '../../core/engine/inspect';
import { bindFeeds, compileSeeded, runTraining, RunError, type RunControl } from '../../core/engine/run';
import type { VariableStats } from '../../core/engine/trainer';
import { parseGraphText, type GraphDocument } from '../../core/graph';
import type {
  ActivationsResult,
  AttentionResult,
  AttentionView,
  ConfusionResult,
  ControlAck,
  DatasetInfo,
  DecodeResultView,
  GradientFlowResult,
  ImageBatch,
  InspectRequest,
  InspectResult,
  LayerGradientStat,
  RunErrorEvent,
  RunFinishedEvent,
  RunStartedEvent,
  SampleResult,
  TrainRequest,
  TrainingListener,
  VaeResult,
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

interface Session {
  graph: GraphDocument;
  compiled: CompiledGraph;
  dataset: Dataset;
  featureNames: string[];
  /** A copy of the model with gradient probes, for per-edge gradient norms (built on demand). */
  probed: CompiledGraph | null;
  /** The run's fixed latent samples (same z at every epoch). */
  fixedZ: number[][] | null;
}

let session: Session | null = null;

// Run control: flags set by messages, read by the run loop between steps.
let running = false;
let paused = false;
let stopRequested = false;
let resumeRun: (() => void) | null = null;
let pauseReached: (() => void)[] = [];
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
    pauseReached.forEach((f) => f());
    pauseReached = [];
    return new Promise<void>((resolve) => (resumeRun = resolve));
  },
};

export function pauseRun(): Promise<ControlAck> {
  if (!running) return Promise.resolve({ state: 'idle' });
  paused = true;
  return new Promise((resolve) => pauseReached.push(() => resolve({ state: 'paused' })));
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
  if (!session) return;
  disposeInspection(session.compiled);
  disposeDecoders(session.compiled);
  session.compiled.model.dispose();
  if (session.probed) session.probed.model.dispose();
  session = null;
}

export function release(): { numTensors: number } {
  if (!running) releaseSession();
  return { numTensors: tf.memory().numTensors };
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

function classNamesOf(dataset: Dataset): string[] | null {
  const label = dataset.spec.labels.find((l) => l.classNames && l.classNames.length > 0);
  return label?.classNames ? [...label.classNames] : null;
}

/** The softmax classification head: logits output and the label feature, if the graph has one. */
function classificationHead(compiled: CompiledGraph): { output: number; labelFeed: number; classes: number } | null {
  const loss = compiled.losses.find((l) => l.decl.type === 'SparseCategoricalCrossentropy');
  const prediction = loss?.sources.prediction;
  const target = loss?.sources.target;
  if (!loss || prediction?.kind !== 'output' || target?.kind !== 'feed') return null;
  const ref = compiled.outputs[prediction.output];
  const shape = ref ? compiled.nodeTensors.get(ref.nodeId)?.[ref.port]?.shape : undefined;
  const classes = shape?.[shape.length - 1];
  if (typeof classes !== 'number' || shape?.length !== 2) return null;
  return { output: prediction.output, labelFeed: target.feed, classes };
}

function samplingNode(graph: GraphDocument): string | null {
  return graph.nodes.find((n) => n.type === 'Sampling')?.id ?? null;
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
      const ok = await tf.setBackend(request.backend);
      if (!ok) throw new Error(`the ${request.backend} backend could not start here`);
      await tf.ready();
    }
    const dataset = await datasetFor(setup.dataset.id, setup.dataset.options as DatasetOptions);
    releaseSession();
    const compiled = compileSeeded(graph);
    const featureNames = bindFeeds(compiled, graph, dataset);
    session = { graph, compiled, dataset, featureNames, probed: null, fixedZ: null };
    const head = classificationHead(compiled);
    const limit = request.limit;
    const trainSize = limit === null ? dataset.train.size : Math.min(limit, dataset.train.size);
    const runId = Date.now();
    const sampling = samplingNode(graph);
    let stepNumber = 0;
    let pendingSteps: number[] = [];
    let pendingLosses: number[] = [];
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
      capabilities: {
        attention: attentionNodes(compiled),
        seq2seq: dataset.spec.seq2seq !== undefined,
        vae: sampling,
        classification: head !== null,
      },
    };
    listener(started);
    const result = await runTraining(graph, compiled, dataset, {
      backend: tf.getBackend(),
      limit,
      control,
      statsEvery: request.statsEvery ?? 5,
      yieldToEventLoop,
      yieldEveryMs: 40,
      onStep(event) {
        stepNumber++;
        pendingSteps.push(stepNumber);
        pendingLosses.push(event.step.loss);
        const now = performance.now();
        const last = event.batch === event.batches - 1;
        if (now - lastFlush < 100 && !last && stepNumber > 1) return;
        lastFlush = now;
        const steps = Float64Array.from(pendingSteps);
        const losses = Float64Array.from(pendingLosses);
        pendingSteps = [];
        pendingLosses = [];
        listener({
          kind: 'steps',
          epoch: event.epoch,
          batch: event.batch,
          batches: event.batches,
          steps,
          losses,
          metrics: event.step.metrics,
          samplesPerSecond: event.samplesPerSecond,
          layers: event.step.stats ? perLayer(event.step.stats) : null,
          gradNorm: event.step.gradNorm,
        });
      },
      onEpoch(event) {
        listener({
          kind: 'epoch',
          epoch: event.epoch,
          step: stepNumber,
          loss: event.loss,
          metrics: event.metrics,
          validation: event.validation,
          seconds: event.seconds,
          samplesPerSecond: event.samplesPerSecond,
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
    // The trainer's optimizer state is not needed for inspection; the model (weights) stays.
    result.trainer.optimizer.dispose();
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
    pauseReached.forEach((f) => f());
    pauseReached = [];
  }
}
