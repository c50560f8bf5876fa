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
import { buildPreview } from '../datasets/build-preview';
import type { DatasetPreview } from '../datasets/preview-types';
import type { Batch, Dataset, DatasetSplit, FeatureSpec, VocabularySpec } from '../../core/data/types';
import type { CompiledGraph } from '../../core/engine/compile';
import { beamSearchDecode, decodeLatent, disposeDecoders, greedyDecode, seq2seqIO } from '../../core/engine/decode';
import { compileSeededWithGradientProbes, copyWeightsByLayerName, gradientFlow } from '../../core/engine/gradient-flow';
import { attentionNodes, attentionWeights, disposeInspection, fullGradients, nodeOutputs } from '../../core/engine/inspect';
import { bindFeeds, compileSeeded, runTraining, RunError, type RunControl } from '../../core/engine/run';
import { checkActiveBackend } from '../../core/engine/backends';
import type { VariableStats } from '../../core/engine/trainer';
import { exportLayersModel, type ExportedModel } from '../../core/engine/export';
import { applyWeights, captureWeights } from '../../core/engine/weights';
import { parseGraphText, type GraphDocument, type SavedWeights } from '../../core/graph';
import type {
  ActivationsResult,
  AttentionResult,
  AttentionView,
  BinnedHistogram,
  ConfusionResult,
  ControlAck,
  DatasetInfo,
  DecodeResultView,
  GradientFlowResult,
  ImageBatch,
  InspectRequest,
  InspectResult,
  LayerGradientStat,
  LayerHistograms,
  OpenedRun,
  OpenRunRequest,
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

/** The validation sample the Attention view last asked about: snapshotted at every epoch end. */
let attentionSample = 0;
const HISTOGRAM_BINS = 30;
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
  const graph = parsed.graph;
  if (!graph.training.dataset) throw new Error('the run has no dataset');
  const dataset = await datasetFor(graph.training.dataset.id, graph.training.dataset.options as DatasetOptions);
  releaseSession();
  const compiled = compileSeeded(graph);
  try {
    const featureNames = bindFeeds(compiled, graph, dataset);
    applyWeights(compiled, graph, request.weights);
    session = { graph, compiled, dataset, featureNames, probed: null, fixedZ: null };
  } catch (err) {
    compiled.model.dispose();
    throw err;
  }
  return { backend: tf.getBackend(), dataset: datasetInfo(dataset), capabilities: capabilitiesOf(graph, compiled, dataset) };
}

/** The inspected model in the TensorFlow.js layers format (model.json + weights.bin). */
export async function exportModel(): Promise<ExportedModel> {
  if (running) throw new Error('the run is still training: export when it has ended');
  return exportLayersModel(current().compiled.model);
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

/** A conditional VAE: an int32 Input that feeds a OneHot node (the label the decoder reads too). */
function conditionalLabel(graph: GraphDocument, dataset: Dataset): { inputNodeId: string; classNames: string[] } | null {
  for (const onehot of graph.nodes.filter((n) => n.type === 'OneHot')) {
    const edge = graph.edges.find((e) => e.target.node === onehot.id);
    const input = edge ? graph.nodes.find((n) => n.id === edge.source.node && n.type === 'Input') : undefined;
    if (!input || input.params['dtype'] !== 'int32') continue;
    const feature = dataset.spec.labels.find((l) => l.name === input.params['feature']) ?? labelFeatureOf(dataset);
    const depth = Number(onehot.params['depth']);
    const names = feature?.classNames ? [...feature.classNames] : Array.from({ length: Number.isFinite(depth) ? depth : 0 }, (_, i) => String(i));
    if (names.length > 0) return { inputNodeId: input.id, classNames: names };
  }
  return null;
}

function labelFeatureOf(dataset: Dataset): FeatureSpec | undefined {
  return dataset.spec.labels.find((f) => f.classNames !== undefined);
}

/** Equal bins between the finite min and max of `values` (NaN/Inf left out). */
function binned(values: Float32Array, bins: number): BinnedHistogram {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (min > max) return { min: 0, max: 0, counts };
  const span = max - min;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = span > 0 ? Math.min(bins - 1, Math.floor(((v - min) / span) * bins)) : Math.floor(bins / 2);
    counts[i]! += 1;
  }
  return { min, max, counts };
}

function concatenated(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Per graph node: histograms of its trainable weights and of the full gradient of one training
 * batch (inference mode; nothing is applied).
 */
function layerHistograms(s: Session): LayerHistograms[] {
  const split = s.dataset.train;
  const input = feedsFor(s, split, rowsOf(split, 0, HISTOGRAM_BATCH));
  try {
    const { gradients } = fullGradients(s.compiled, input.feeds);
    // Same order as fullGradients' variables: layers, then each layer's trainable weights.
    const weights = s.compiled.model.layers.flatMap((layer) => layer.trainableWeights.map((w) => Float32Array.from(w.read().dataSync())));
    const byNode = new Map<string, { w: Float32Array[]; g: Float32Array[] }>();
    gradients.forEach((g, i) => {
      if (!g.nodeId) return;
      const entry = byNode.get(g.nodeId) ?? { w: [], g: [] };
      entry.g.push(g.values);
      entry.w.push(weights[i] ?? new Float32Array(0));
      byNode.set(g.nodeId, entry);
    });
    return [...byNode].map(([nodeId, e]) => ({ nodeId, weights: binned(concatenated(e.w), HISTOGRAM_BINS), gradients: binned(concatenated(e.g), HISTOGRAM_BINS) }));
  } finally {
    input.dispose();
  }
}

/** The views a model supports. */
function capabilitiesOf(graph: GraphDocument, compiled: CompiledGraph, dataset: Dataset): RunStartedEvent['capabilities'] {
  const sampling = samplingNode(graph);
  return {
    attention: attentionNodes(compiled),
    seq2seq: dataset.spec.seq2seq !== undefined,
    vae: sampling,
    classification: classificationHead(compiled) !== null,
    conditionalLabel: sampling ? conditionalLabel(graph, dataset) : null,
  };
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
    const featureNames = bindFeeds(compiled, graph, dataset);
    session = { graph, compiled, dataset, featureNames, probed: null, fixedZ: null };
    const head = classificationHead(compiled);
    const limit = request.limit;
    const trainSize = limit === null ? dataset.train.size : Math.min(limit, dataset.train.size);
    const runId = Date.now();
    let stepNumber = 0;
    let pendingSteps: number[] = [];
    let pendingLosses: number[] = [];
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
      capabilities: capabilitiesOf(graph, compiled, dataset),
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
        if (event.step.stats) pendingLayers.push({ step: stepNumber, layers: perLayer(event.step.stats) });
        const now = performance.now();
        const last = event.batch === event.batches - 1;
        // 10 progress events a second; 2 while the user moves the canvas (the page defers them then).
        if (now - lastFlush < (isInteractive() ? 500 : 100) && !last && stepNumber > 1) return;
        lastFlush = now;
        const steps = Float64Array.from(pendingSteps);
        const losses = Float64Array.from(pendingLosses);
        const layerSteps = pendingLayers;
        pendingSteps = [];
        pendingLosses = [];
        pendingLayers = [];
        listener({
          kind: 'steps',
          epoch: event.epoch,
          batch: event.batch,
          batches: event.batches,
          steps,
          losses,
          metrics: event.step.metrics,
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
        if (current) {
          try {
            histograms = layerHistograms(current);
          } catch {
            histograms = [];
          }
          try {
            if (started.capabilities.attention.length > 0) attentionMaps = attention(current, attentionSample);
          } catch {
            attentionMaps = null;
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

function current(): Session {
  if (!session) throw new Error('train the model first: inspection reads the weights of a run');
  return session;
}

interface SampleFeeds {
  feeds: tf.Tensor[];
  batch: Batch;
  dispose(): void;
}

function rowsOf(split: DatasetSplit, start: number, count: number): number[] {
  const n = Math.max(0, Math.min(count, split.size - start));
  return Array.from({ length: n }, (_, i) => start + i);
}

/** Feeds (in `compiled.feeds` order) for rows of a split; the caller disposes them. */
function feedsFor(s: Session, split: DatasetSplit, rows: readonly number[], featureNames = s.featureNames): SampleFeeds {
  if (rows.length === 0) throw new Error(`the ${split.name} split has no samples`);
  const batch = split.gather(rows);
  const tensors = batchToTensors(tf, batch, [...new Set(featureNames)]);
  return {
    feeds: featureNames.map((name) => tensors[name] as tf.Tensor),
    batch,
    dispose: () => tf.dispose(Object.values(tensors)),
  };
}

/** The validation split, or the training split when there is no validation data. */
function inspectionSplit(s: Session): DatasetSplit {
  return s.dataset.validation.size > 0 ? s.dataset.validation : s.dataset.train;
}

function allFeatures(s: Session): FeatureSpec[] {
  return [...s.dataset.spec.features, ...s.dataset.spec.labels];
}

function vocabularyOf(s: Session, feature: FeatureSpec | undefined): VocabularySpec | null {
  return feature?.vocabulary ? (s.dataset.spec.vocabularies[feature.vocabulary] ?? null) : null;
}

function toImages(values: ArrayLike<number>, n: number, height: number, width: number, channels: number, range: readonly [number, number] | null): ImageBatch {
  const out = new Float32Array(n * height * width * channels);
  let lo = range?.[0] ?? Number.POSITIVE_INFINITY;
  let hi = range?.[1] ?? Number.NEGATIVE_INFINITY;
  if (!range) {
    for (let i = 0; i < out.length; i++) {
      lo = Math.min(lo, values[i] as number);
      hi = Math.max(hi, values[i] as number);
    }
  }
  const span = hi - lo || 1;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, ((values[i] as number) - lo) / span));
  return { values: out, n, height, width, channels };
}

function imageFeature(s: Session): FeatureSpec | null {
  return s.dataset.spec.features.find((f) => f.dtype === 'float32' && f.shape.length === 3) ?? null;
}

function labelFeature(s: Session): FeatureSpec | null {
  return s.dataset.spec.labels.find((f) => f.classNames !== undefined) ?? null;
}

function activations(s: Session, nodeId: string, sample: number): ActivationsResult {
  const ports = Object.keys(s.compiled.nodeTensors.get(nodeId) ?? {}).map((port) => ({ nodeId, port }));
  if (ports.length === 0) return { kind: 'activations', nodeId, sample, population: 0, ports: [] };
  const split = inspectionSplit(s);
  const input = feedsFor(s, split, [Math.min(sample, split.size - 1)]);
  // Dead units are judged over many samples (a unit is dead when it is 0 for all of them).
  const population = feedsFor(s, split, rowsOf(split, 0, 128));
  try {
    const outputs = nodeOutputs(s.compiled, s.graph, input.feeds, ports, { bins: 24 });
    const overBatch = nodeOutputs(s.compiled, s.graph, population.feeds, ports, { bins: 24 });
    return {
      kind: 'activations',
      nodeId,
      sample,
      population: population.batch.size,
      ports: outputs.map((o, i) => ({
        port: o.port,
        shape: o.shape,
        values: o.values instanceof Float32Array ? o.values : Float32Array.from(o.values),
        summary: o.summary,
        populationSummary: (overBatch[i] as (typeof overBatch)[number]).summary,
      })),
    };
  } finally {
    input.dispose();
    population.dispose();
  }
}

function sampleView(s: Session, sample: number): SampleResult {
  const split = inspectionSplit(s);
  const row = Math.min(sample, split.size - 1);
  const batch = split.gather([row]);
  const imageSpec = imageFeature(s);
  const image = imageSpec ? batch.features[imageSpec.name] : undefined;
  const [h, w, c] = (imageSpec?.shape ?? [0, 0, 0]) as [number, number, number];
  const label = labelFeature(s);
  const labelValue = label ? batch.features[label.name]?.data[0] : undefined;
  const text = s.dataset.texts?.[split.name]?.[row];
  return {
    kind: 'sample',
    sample: row,
    image: image && imageSpec ? toImages(image.data, 1, h, w, c, imageSpec.valueRange ?? null) : null,
    text: text ? (text.target ? `${text.source} → ${text.target}` : text.source) : null,
    label: label && labelValue !== undefined ? (label.classNames?.[labelValue] ?? String(labelValue)) : null,
  };
}

/** Token labels for an axis of length `length`: a token feature of that length, if any. */
function tokenLabels(s: Session, batch: Batch, preferred: readonly string[], length: number): { labels: string[]; used: number } {
  const features = allFeatures(s);
  const candidates = [...preferred.map((n) => features.find((f) => f.name === n)), ...features].filter(
    (f): f is FeatureSpec => f !== undefined && f.vocabulary !== undefined && f.shape.length === 1 && f.shape[0] === length,
  );
  const feature = candidates[0];
  const vocab = vocabularyOf(s, feature);
  const ids = feature ? batch.features[feature.name]?.data : undefined;
  if (!feature || !vocab || !ids) return { labels: Array.from({ length }, (_, i) => String(i + 1)), used: length };
  const labels = Array.from(ids.subarray(0, length), (id) => vocab.tokens[id] ?? '?');
  // Trailing padding is not part of the sequence.
  let used = length;
  while (used > 1 && ids[used - 1] === 0) used--;
  return { labels, used };
}

function attention(s: Session, sample: number): AttentionResult {
  const split = inspectionSplit(s);
  const row = Math.min(sample, split.size - 1);
  const input = feedsFor(s, split, [row]);
  try {
    const maps = attentionWeights(s.compiled, s.graph, input.feeds, 0);
    const seq = s.dataset.spec.seq2seq;
    const views: AttentionView[] = maps.map((m) => {
      const first = m.weights[0] ?? [];
      const tq = first.length;
      const tv = first[0]?.length ?? 0;
      const cols = tokenLabels(s, input.batch, seq ? [seq.encoderInput] : [], tv);
      const rows = tokenLabels(s, input.batch, seq ? [seq.decoderTarget] : [], tq);
      const r = rows.used;
      const c = cols.used;
      const heads = m.weights.map((head) => {
        const out = new Float32Array(r * c);
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = head[i]?.[j] ?? 0;
        return out;
      });
      return { nodeId: m.nodeId, heads, rows: r, cols: c, rowLabels: rows.labels.slice(0, r), colLabels: cols.labels.slice(0, c) };
    });
    let source: string | null = null;
    let target: string | null = null;
    let decoded: string | null = null;
    if (seq) {
      const srcVocab = s.dataset.spec.vocabularies[seq.sourceVocabulary];
      const tgtVocab = s.dataset.spec.vocabularies[seq.targetVocabulary];
      const srcIds = input.batch.features[seq.encoderInput]?.data;
      const tgtIds = input.batch.features[seq.decoderTarget]?.data;
      if (srcVocab && tgtVocab && srcIds && tgtIds) {
        source = decodeIds(srcVocab, srcIds);
        target = decodeIds(tgtVocab, tgtIds);
        const ids = Array.from(srcIds);
        while (ids.length > 0 && ids[ids.length - 1] === 0) ids.pop();
        decoded = decodeIds(tgtVocab, greedyDecode(s.compiled, s.graph, ids).tokens);
      }
    }
    return { kind: 'attention', sample: row, maps: views, source, target, decoded };
  } finally {
    input.dispose();
  }
}

function decodeText(s: Session, text: string, beamWidth: number): DecodeResultView {
  const seq = s.dataset.spec.seq2seq;
  if (!seq) throw new Error('decoding needs a seq2seq dataset');
  const srcVocab = s.dataset.spec.vocabularies[seq.sourceVocabulary] as VocabularySpec;
  const tgtVocab = s.dataset.spec.vocabularies[seq.targetVocabulary] as VocabularySpec;
  const ids = encodeText(srcVocab, text);
  const io = seq2seqIO(s.compiled, s.graph);
  if (ids.length === 0) throw new Error('type a source text');
  if (ids.length > io.sourceLength) throw new Error(`the model reads at most ${io.sourceLength} source tokens; this text has ${ids.length}`);
  const result = beamWidth > 1 ? beamSearchDecode(s.compiled, s.graph, ids, beamWidth) : greedyDecode(s.compiled, s.graph, ids);
  const hypotheses =
    'hypotheses' in result
      ? (result as ReturnType<typeof beamSearchDecode>).hypotheses.map((h) => ({ text: decodeIds(tgtVocab, h.tokens), logProb: h.totalLogProb }))
      : [{ text: decodeIds(tgtVocab, result.tokens), logProb: result.totalLogProb }];
  const att = result.attention;
  let view: AttentionView | null = null;
  if (att) {
    const rows = att.weights.length;
    const cols = ids.length;
    const flat = new Float32Array(rows * cols);
    att.weights.forEach((w, i) => w.slice(0, cols).forEach((v, j) => (flat[i * cols + j] = v)));
    view = {
      nodeId: att.nodeId,
      heads: [flat],
      rows,
      cols,
      rowLabels: result.tokens.map((id) => tgtVocab.tokens[id] ?? '?'),
      colLabels: ids.map((id) => srcVocab.tokens[id] ?? '?'),
    };
  }
  return { kind: 'decode', input: text, output: decodeIds(tgtVocab, result.tokens), hypotheses, attention: view };
}

function gradientFlowView(s: Session, samples: number): GradientFlowResult {
  if (!s.probed) s.probed = compileSeededWithGradientProbes(s.graph);
  copyWeightsByLayerName(s.compiled.model, s.probed.model);
  const names = bindFeeds(s.probed, s.graph, s.dataset);
  const split = inspectionSplit(s);
  const input = feedsFor(s, split, rowsOf(split, 0, samples), names);
  try {
    const flow = gradientFlow(s.probed, s.graph, input.feeds);
    return { kind: 'gradient-flow', loss: flow.loss, edges: flow.edges.map((e) => ({ edgeId: e.edgeId, norm: e.norm })) };
  } finally {
    input.dispose();
  }
}

/** Feeds a decoder may also read (a conditional VAE's label): `label` on every row, else 0, 1, 2... */
function decoderFeeds(s: Session, rows: number, label: number | null): tf.Tensor[] {
  return s.compiled.feeds.map((f) =>
    f.dtype === 'int32' && f.shape.length === 1
      ? tf.tensor1d(Int32Array.from({ length: rows }, (_, i) => label ?? i % 10), 'int32')
      : tf.zeros([rows, ...f.shape.slice(1).map((d) => d ?? 1)]),
  );
}

/** The run's fixed latent samples (drawn once per run from its seed). */
function fixedLatents(s: Session, latentDim: number): number[][] {
  if (!s.fixedZ || s.fixedZ[0]?.length !== latentDim) {
    const random = new SeededRandom(mixSeed(s.graph.training.seed, 0x7a));
    s.fixedZ = Array.from({ length: 16 }, () => Array.from({ length: latentDim }, () => random.normal()));
  }
  return s.fixedZ;
}

function decodeImages(s: Session, samplingId: string, z: readonly (readonly number[])[], label: number | null = null): ImageBatch {
  const spec = imageFeature(s);
  const [h, w, c] = (spec?.shape ?? [1, 1, 1]) as [number, number, number];
  const extra = decoderFeeds(s, z.length, label);
  try {
    const out = decodeLatent(s.compiled, s.graph, samplingId, z, extra);
    const values = out.probabilities ?? out.values;
    const perRow = values.length / z.length;
    const side = spec ? [h, w, c] : [1, perRow, 1];
    return toImages(values, z.length, side[0] as number, side[1] as number, side[2] as number, [0, 1]);
  } finally {
    tf.dispose(extra);
  }
}

function muPort(s: Session, samplingId: string): { nodeId: string; port: string } {
  const edge = s.graph.edges.find((e) => e.target.node === samplingId && e.target.port === 'mu');
  if (!edge) throw new Error('the Sampling node has no mu input');
  return { nodeId: edge.source.node, port: edge.source.port };
}

function vae(s: Session, shown: number, scatterCount: number): VaeResult {
  const samplingId = samplingNode(s.graph);
  if (!samplingId) throw new Error('the graph has no Sampling node');
  const split = inspectionSplit(s);
  const input = feedsFor(s, split, rowsOf(split, 0, Math.max(shown, scatterCount)));
  try {
    const [mu] = nodeOutputs(s.compiled, s.graph, input.feeds, [muPort(s, samplingId)], { bins: 1 });
    if (!mu) throw new Error('no mu output');
    const latentDim = mu.shape[mu.shape.length - 1] as number;
    const n = mu.shape[0] as number;
    const rows = (count: number) => Array.from({ length: count }, (_, i) => Array.from(mu.values.subarray(i * latentDim, (i + 1) * latentDim)));
    const k = Math.min(shown, n);
    const spec = imageFeature(s);
    const [h, w, c] = (spec?.shape ?? [1, 1, 1]) as [number, number, number];
    const imageData = spec ? input.batch.features[spec.name]?.data : undefined;
    const inputs = imageData ? toImages(imageData.subarray(0, k * h * w * c), k, h, w, c, spec?.valueRange ?? null) : toImages([], 0, h, w, c, [0, 1]);
    const reconstructions = decodeImages(s, samplingId, rows(k));
    const prior = decodeImages(s, samplingId, fixedLatents(s, latentDim));
    const label = labelFeature(s);
    const labelData = label ? input.batch.features[label.name]?.data : undefined;
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    const labels = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      x[i] = mu.values[i * latentDim] as number;
      y[i] = latentDim > 1 ? (mu.values[i * latentDim + 1] as number) : 0;
      if (labelData) labels[i] = labelData[i] as number;
    }
    return { kind: 'vae', samplingNodeId: samplingId, latentDim, inputs, reconstructions, prior, scatter: { x, y, labels } };
  } finally {
    input.dispose();
  }
}

function confusion(s: Session, samples: number): ConfusionResult {
  const head = classificationHead(s.compiled);
  if (!head) throw new Error('the confusion matrix needs a softmax classifier (SparseCategoricalCrossentropy)');
  const split = inspectionSplit(s);
  const total = Math.min(samples, split.size);
  const counts = new Int32Array(head.classes * head.classes);
  const logits = s.compiled.outputs[head.output] as { nodeId: string; port: string };
  const labelName = s.featureNames[head.labelFeed] as string;
  for (let start = 0; start < total; start += 256) {
    const input = feedsFor(s, split, rowsOf(split, start, Math.min(256, total - start)));
    try {
      const predicted = tf.tidy(() => {
        const [out] = nodeOutputsTensors(s, input.feeds, logits);
        return tf.argMax(out as tf.Tensor, -1);
      });
      const p = predicted.dataSync();
      predicted.dispose();
      const truth = input.batch.features[labelName]?.data;
      for (let i = 0; i < p.length; i++) {
        const t = truth?.[i] ?? -1;
        if (t >= 0 && t < head.classes) counts[t * head.classes + (p[i] as number)]! += 1;
      }
    } finally {
      input.dispose();
    }
  }
  const names = classNamesOf(s.dataset) ?? [];
  return { kind: 'confusion', classes: Array.from({ length: head.classes }, (_, i) => names[i] ?? String(i)), counts, samples: total };
}

/** The raw tensors of node ports (for reductions done on the backend). */
function nodeOutputsTensors(s: Session, feeds: readonly tf.Tensor[], port: { nodeId: string; port: string }): tf.Tensor[] {
  const inputs = s.compiled.modelInputs.map((i) => feeds[i] as tf.Tensor);
  const outputs = s.compiled.model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false });
  const list = Array.isArray(outputs) ? (outputs as tf.Tensor[]) : [outputs as tf.Tensor];
  const index = s.compiled.outputs.findIndex((o) => o.nodeId === port.nodeId && o.port === port.port);
  return [list[index] as tf.Tensor];
}

export function inspect(request: InspectRequest): InspectResult {
  const s = current();
  switch (request.kind) {
    case 'activations':
      return activations(s, request.nodeId, request.sample);
    case 'sample':
      return sampleView(s, request.sample);
    case 'attention':
      attentionSample = request.sample;
      return attention(s, request.sample);
    case 'decode':
      return decodeText(s, request.text, request.beamWidth);
    case 'gradient-flow':
      return gradientFlowView(s, request.samples);
    case 'vae':
      return vae(s, request.samples, request.scatter);
    case 'decode-latent': {
      const samplingId = samplingNode(s.graph);
      if (!samplingId) throw new Error('the graph has no Sampling node');
      return { kind: 'decode-latent', images: decodeImages(s, samplingId, request.z, request.label ?? null) };
    }
    case 'generate': {
      const samplingId = samplingNode(s.graph);
      if (!samplingId) throw new Error('the graph has no Sampling node');
      // z has the latent size of mu (whatever the Sampling node calls its output port).
      const mu = muPort(s, samplingId);
      const shape = s.compiled.nodeTensors.get(mu.nodeId)?.[mu.port]?.shape;
      const latentDim = shape?.[shape.length - 1];
      if (typeof latentDim !== 'number') throw new Error('the Sampling node has no known latent size');
      return { kind: 'generate', label: request.label, images: decodeImages(s, samplingId, fixedLatents(s, latentDim), request.label) };
    }
    case 'confusion':
      return confusion(s, request.samples);
  }
}

/** The typed arrays of a result, to transfer instead of copying. */
export function transferables(result: InspectResult): Transferable[] {
  const buffers: ArrayBufferLike[] = [];
  const add = (a: { buffer: ArrayBufferLike } | null | undefined) => a && buffers.push(a.buffer);
  switch (result.kind) {
    case 'activations':
      result.ports.forEach((p) => add(p.values));
      break;
    case 'attention':
      result.maps.forEach((m) => m.heads.forEach(add));
      break;
    case 'decode':
      result.attention?.heads.forEach(add);
      break;
    case 'vae':
      [result.inputs.values, result.reconstructions.values, result.prior.values, result.scatter.x, result.scatter.y, result.scatter.labels].forEach(add);
      break;
    case 'decode-latent':
    case 'generate':
      add(result.images.values);
      break;
    case 'confusion':
      add(result.counts);
      break;
    case 'sample':
      add(result.image?.values);
      break;
    default:
      break;
  }
  return [...new Set(buffers)] as Transferable[];
}
