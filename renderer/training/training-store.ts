/**
 * Training runs as the UI sees them: each Start makes a run (its curves, progress, per-layer
 * gradient statistics, warnings and, at the end, its manifest). Events from the engine worker
 * are appended to plain arrays in place and a `version` counter is bumped, so 10 updates a
 * second do not copy the curves. Step and epoch events notify subscribers at most once per
 * animation frame, and while the canvas is being panned or zoomed at most once a second (the
 * rest as soon as the view settles): the move's frames come first.
 */
import * as Comlink from 'comlink';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { serializeGraph, type GraphDocument, type SavedWeights } from '../../core/graph';
import type { RunManifest, RunStatus } from '../../core/engine/run';
import type { AttentionResult, DatasetInfo, LayerGradientStat, LayerHistograms, RunStartedEvent, TrainingEvent } from '../engine/engine-api';
import { getEngine } from '../engine/engine-client';
import { clearNonFiniteHighlight, highlightNode } from './editor-link';
import { isCanvasMoving, onCanvasSettled } from '../editor/interaction';

export type RunState = 'loading' | 'running' | 'paused' | RunStatus | 'error';

export interface LayerSeries {
  steps: number[];
  gradNorm: number[];
  updateRatio: number[];
  last: LayerGradientStat;
}

export interface Run {
  id: number;
  /** Run number within this session (Run 1, Run 2...). */
  index: number;
  name: string;
  state: RunState;
  backend: string | null;
  backendReason: string | null;
  dataset: DatasetInfo | null;
  capabilities: RunStartedEvent['capabilities'] | null;
  batchesPerEpoch: number;
  epochs: number;
  epoch: number;
  batch: number;
  samplesPerSecond: number;
  startedAtMs: number;
  /** Wall-clock ms spent training (pauses excluded), for the time-left estimate. */
  activeMs: number;
  lastResumeMs: number;
  /** Per batch: global step and loss. */
  steps: number[];
  losses: number[];
  /** Per epoch: the global step it ended on, and losses/metrics. */
  epochSteps: number[];
  epochLoss: number[];
  validationLoss: (number | null)[];
  epochMetrics: Record<string, number[]>;
  validationMetrics: Record<string, (number | null)[]>;
  lastMetrics: Record<string, number>;
  layers: Record<string, LayerSeries>;
  /** Per finished epoch (1-based `epoch`): weight and gradient histograms per layer. */
  histograms: { epoch: number; layers: LayerHistograms[] }[];
  /** Per finished epoch: the attention maps of the sample the Attention view was showing. */
  attentionHistory: { epoch: number; result: AttentionResult }[];
  expectedInitialLoss: number | null;
  warnings: string[];
  error: string | null;
  errorNodeId: string | null;
  manifest: RunManifest | null;
  test: { loss: number; metrics: Record<string, number> } | null;
  /** Shown in the overlaid curves. */
  visible: boolean;
  /** The graph as trained (without kept runs): what the run's weights belong to. */
  graph: GraphDocument;
  /** All weights once the run has ended (null while it trains, or when it failed). */
  weights: SavedWeights | null;
  /** The id of this run in the document's kept runs, if it is kept. */
  keptId: string | null;
  /** Trained in this session, or read from the document's kept runs. */
  origin: 'session' | 'document';
  /** The loaded document (EditorState.documentKey) the run belongs to: views show only its runs. */
  documentKey: number;
}

export interface TrainingState {
  runs: Run[];
  activeRunId: number | null;
  /** Train on at most this many samples per split (quick runs); null: the whole dataset. */
  limit: number | null;
  /** 'auto' or a backend name. */
  backend: string;
  logScale: boolean;
  /** Bumped on every change to a run's arrays. */
  version: number;
  /** Bumped when views should refresh their inspection (epoch ends, ~2 s of training, pause, end). */
  inspectTick: number;
  /** The run whose model the worker holds (what the views inspect). */
  loadedRunId: number | null;
  /** A run whose weights are being loaded into the worker, or why that failed. */
  opening: { runId: number; error: string | null } | null;
  /** The editor's loaded document (its documentKey): the active run is always one of its runs. */
  documentKey: number;
}

const searchLimit = (): number | null => {
  const raw = typeof window === 'undefined' ? null : new URLSearchParams(window.location.search).get('trainLimit');
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : null;
};

export const trainingStore = createStore<TrainingState>()(() => ({
  runs: [],
  activeRunId: null,
  limit: searchLimit(),
  backend: 'auto',
  logScale: false,
  version: 0,
  inspectTick: 0,
  loadedRunId: null,
  opening: null,
  documentKey: 0,
}));

export function useTraining<T>(selector: (state: TrainingState) => T): T {
  return useStore(trainingStore, selector);
}

export function activeRun(state: TrainingState = trainingStore.getState()): Run | null {
  return state.runs.find((r) => r.id === state.activeRunId) ?? null;
}

export const RUN_COLOURS = ['#58a6ff', '#f0883e', '#3fb950', '#d2a8ff', '#ff7b72', '#e3b341'];
/** The colour of a run's curves wherever runs are overlaid. */
export const runColour = (run: Run): string => RUN_COLOURS[(run.index - 1) % RUN_COLOURS.length] as string;

export function isBusy(run: Run | null): boolean {
  return run !== null && (run.state === 'loading' || run.state === 'running' || run.state === 'paused');
}

/** While the canvas moves, live training updates reach the views at most this often. */
const MOVING_UPDATE_MS = 1000;
/** Without animation frames (a hidden tab), pending updates still land this often. */
const FRAMELESS_UPDATE_MS = 250;
let touchPending = false;
let touchTimer: ReturnType<typeof setTimeout> | null = null;
let touchFrame: number | null = null;
let lastTouch = 0;
let inspectPending = false;

/** Notifies subscribers now (and drops a pending coalesced notification). */
function touch(extra: Partial<TrainingState> = {}): void {
  touchPending = false;
  if (touchTimer !== null) clearTimeout(touchTimer);
  if (touchFrame !== null) cancelAnimationFrame(touchFrame);
  touchTimer = null;
  touchFrame = null;
  lastTouch = performance.now();
  trainingStore.setState((s) => ({ version: s.version + 1, runs: [...s.runs], ...extra }));
}

/** Notifies subscribers soon: once per frame, or once a second while the canvas moves. */
function touchSoon(): void {
  if (touchPending) return;
  touchPending = true;
  const flush = () => {
    if (touchPending) touch();
  };
  if (isCanvasMoving()) {
    touchTimer = setTimeout(flush, Math.max(0, MOVING_UPDATE_MS - (performance.now() - lastTouch)));
  } else {
    if (typeof requestAnimationFrame === 'function') touchFrame = requestAnimationFrame(flush);
    touchTimer = setTimeout(flush, FRAMELESS_UPDATE_MS);
  }
}

function bumpInspect(): void {
  inspectPending = false;
  trainingStore.setState((s) => ({ inspectTick: s.inspectTick + 1 }));
}

let lastRunId = 0;
/** Unique within the session (also for runs created in the same millisecond). */
export function nextRunId(): number {
  lastRunId = Math.max(lastRunId + 1, Date.now());
  return lastRunId;
}

/** Inspection refreshes during training (new requests to the worker, redrawn views) wait for the canvas to settle. */
function bumpInspectSoon(): void {
  if (isCanvasMoving()) inspectPending = true;
  else bumpInspect();
}

onCanvasSettled(() => {
  if (touchPending) touch();
  if (inspectPending) bumpInspect();
});

export function newRun(graph: GraphDocument, index: number, documentKey: number = trainingStore.getState().documentKey): Run {
  const now = performance.now();
  return {
    id: nextRunId(),
    index,
    name: `Run ${index}: ${graph.metadata.name}`,
    state: 'loading',
    backend: null,
    backendReason: null,
    dataset: null,
    capabilities: null,
    batchesPerEpoch: 0,
    epochs: graph.training.epochs,
    epoch: 0,
    batch: 0,
    samplesPerSecond: 0,
    startedAtMs: now,
    activeMs: 0,
    lastResumeMs: now,
    steps: [],
    losses: [],
    epochSteps: [],
    epochLoss: [],
    validationLoss: [],
    epochMetrics: {},
    validationMetrics: {},
    lastMetrics: {},
    layers: {},
    histograms: [],
    attentionHistory: [],
    expectedInitialLoss: null,
    warnings: [],
    error: null,
    errorNodeId: null,
    manifest: null,
    test: null,
    visible: true,
    graph: { ...graph, runs: [] },
    weights: null,
    keptId: null,
    origin: 'session',
    documentKey,
  };
}

let lastInspectBump = 0;

/** Diagnostics users are taught: the initial loss of a softmax classifier, exploding losses. */
function diagnose(run: Run): void {
  const first = run.losses[0];
  if (first === undefined) return;
  if (run.losses.length <= 3 && run.expectedInitialLoss !== null && !run.warnings.some((w) => w.startsWith('Initial loss'))) {
    const expected = run.expectedInitialLoss;
    if (first > expected * 1.5 || first < expected * 0.5) {
      run.warnings.push(
        `Initial loss ${first.toFixed(3)} is far from ln(classes) = ${expected.toFixed(3)}: check the output layer's initialisation, that the loss takes logits, and the labels.`,
      );
    }
  }
  const start = run.losses.slice(0, 5).reduce((a, b) => a + b, 0) / Math.min(5, run.losses.length);
  const last = run.losses[run.losses.length - 1] as number;
  if (run.losses.length > 5 && Number.isFinite(last) && start > 0 && last > 3 * start && !run.warnings.some((w) => w.startsWith('Loss exploded'))) {
    run.warnings.push(`Loss exploded: ${last.toPrecision(3)} is more than 3x its start (${start.toPrecision(3)}). Lower the learning rate or clip gradients.`);
  }
}

/** Folds one worker event into a run (exported for tests). */
export function applyTrainingEvent(run: Run, event: TrainingEvent): void {
  const now = performance.now();
  switch (event.kind) {
    case 'started':
      run.state = 'running';
      run.backend = event.backend;
      run.backendReason = event.backendReason;
      run.dataset = event.dataset;
      run.capabilities = event.capabilities;
      run.batchesPerEpoch = event.batchesPerEpoch;
      run.epochs = event.epochs;
      run.expectedInitialLoss = event.expectedInitialLoss;
      run.lastResumeMs = now;
      break;
    case 'steps': {
      run.epoch = event.epoch;
      run.batch = event.batch + 1;
      run.samplesPerSecond = event.samplesPerSecond;
      run.lastMetrics = event.metrics;
      for (let i = 0; i < event.steps.length; i++) {
        run.steps.push(event.steps[i] as number);
        run.losses.push(event.losses[i] as number);
      }
      for (const { step, layers } of event.layerSteps) {
        for (const layer of layers) {
          const series = (run.layers[layer.nodeId] ??= { steps: [], gradNorm: [], updateRatio: [], last: layer });
          series.steps.push(step);
          series.gradNorm.push(layer.gradNorm);
          series.updateRatio.push(layer.updateRatio);
          series.last = layer;
        }
      }
      diagnose(run);
      if (now - lastInspectBump > 2000) {
        lastInspectBump = now;
        bumpInspectSoon();
      }
      break;
    }
    case 'epoch':
      run.epochSteps.push(event.step);
      run.epochLoss.push(event.loss);
      run.validationLoss.push(event.validation?.loss ?? null);
      for (const [k, v] of Object.entries(event.metrics)) (run.epochMetrics[k] ??= []).push(v);
      for (const k of Object.keys(event.metrics)) (run.validationMetrics[k] ??= []).push(event.validation?.metrics[k] ?? null);
      if (event.histograms.length > 0) run.histograms.push({ epoch: run.epochLoss.length, layers: event.histograms });
      if (event.attention) run.attentionHistory.push({ epoch: run.epochLoss.length, result: event.attention });
      bumpInspectSoon();
      break;
    case 'finished':
      run.state = event.status;
      run.manifest = event.manifest;
      run.test = event.test;
      if (event.nonFinite) {
        run.error = event.nonFinite.message;
        run.errorNodeId = event.nonFinite.nodeId;
        if (event.nonFinite.nodeId) highlightNode(event.nonFinite.nodeId, event.nonFinite.message);
      }
      break;
    case 'error':
      run.state = 'error';
      run.error = event.message;
      run.errorNodeId = event.nodeId;
      if (event.nodeId) highlightNode(event.nodeId, event.message);
      break;
  }
  if (event.kind === 'finished' || event.kind === 'error') {
    run.activeMs += now - run.lastResumeMs;
    bumpInspect();
  }
}

/** Starts a run of the document; resolves when it ends. */
export async function startTraining(graph: GraphDocument): Promise<void> {
  const state = trainingStore.getState();
  if (isBusy(activeRun(state))) return;
  const run = newRun(graph, state.runs.reduce((n, r) => Math.max(n, r.index), 0) + 1);
  clearNonFiniteHighlight();
  // The worker replaces the model it holds with this run's.
  trainingStore.setState((s) => ({ runs: [...s.runs, run], activeRunId: run.id, loadedRunId: run.id, opening: null, version: s.version + 1 }));
  const listener = Comlink.proxy((event: TrainingEvent) => {
    applyTrainingEvent(run, event);
    // Progress (many a second) is coalesced; state changes show at once.
    if (event.kind === 'steps' || event.kind === 'epoch') touchSoon();
    else touch();
  });
  try {
    const end = await getEngine().train(
      { documentJson: serializeGraph(run.graph), backend: state.backend, limit: state.limit, statsEvery: 5 },
      listener,
    );
    // Copy the trained weights out of the worker so the run can be kept and reopened.
    if (end.kind === 'finished') {
      try {
        run.weights = await getEngine().trainedWeights();
      } catch {
        run.weights = null;
      }
    }
    applyTrainingEvent(run, end);
  } catch (err) {
    applyTrainingEvent(run, { kind: 'error', message: err instanceof Error ? err.message : String(err), nodeId: null });
  } finally {
    touch();
  }
}

export async function pauseTraining(): Promise<void> {
  const run = activeRun();
  if (!run || run.state !== 'running') return;
  const ack = await getEngine().pause();
  if (ack.state === 'paused' && run.state === 'running') {
    run.state = 'paused';
    run.activeMs += performance.now() - run.lastResumeMs;
    touch();
    bumpInspect();
  }
}

export async function resumeTraining(): Promise<void> {
  const run = activeRun();
  if (!run || run.state !== 'paused') return;
  const ack = await getEngine().resume();
  if (ack.state === 'running' && run.state === 'paused') {
    run.state = 'running';
    run.lastResumeMs = performance.now();
    touch();
  }
}

/** Resolves when the worker has acknowledged the stop (the run then evaluates and ends). */
export async function stopTraining(): Promise<boolean> {
  const run = activeRun();
  if (!run || !isBusy(run)) return false;
  const ack = await getEngine().stop();
  if (ack.state === 'stopping') {
    run.warnings = run.warnings.filter((w) => w !== 'Stopping…');
    touch();
    return true;
  }
  return false;
}

export function setRunVisible(id: number, visible: boolean): void {
  const run = trainingStore.getState().runs.find((r) => r.id === id);
  if (!run) return;
  run.visible = visible;
  touch();
}

/**
 * Another document was loaded (New, Open, a template, a recovery): nothing of the previous
 * model stays on screen. A run still training is stopped (its graph is no longer the one shown);
 * the previous document's runs stay listed, not overlaid, and cannot be made active.
 */
export function switchDocument(documentKey: number): void {
  const state = trainingStore.getState();
  if (state.documentKey === documentKey) return;
  if (isBusy(activeRun(state))) void stopTraining();
  for (const run of state.runs) run.visible = false;
  lastInspectBump = 0;
  clearNonFiniteHighlight();
  touch({ documentKey, activeRunId: null, opening: null });
}

/** Makes a run the active one; its weights are loaded into the worker when they are not there. */
export async function selectRun(id: number): Promise<void> {
  const state = trainingStore.getState();
  const run = state.runs.find((r) => r.id === id);
  // Another document's run would show node names this graph doesn't have: compare its curves only.
  if (!run || run.documentKey !== state.documentKey) return;
  trainingStore.setState({ activeRunId: id });
  bumpInspect();
  if (state.loadedRunId === id || !run.weights || state.runs.some(isBusy)) return;
  await openRunWeights(run);
}

/** Loads a run's graph and weights into the worker, so the views inspect that run. */
export async function openRunWeights(run: Run): Promise<void> {
  if (!run.weights) return;
  trainingStore.setState({ opening: { runId: run.id, error: null } });
  try {
    const opened = await getEngine().openRun({ documentJson: serializeGraph(run.graph), weights: run.weights });
    run.backend ??= opened.backend;
    run.dataset = opened.dataset;
    run.capabilities = opened.capabilities;
    trainingStore.setState({ loadedRunId: run.id, opening: null });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    trainingStore.setState({ loadedRunId: null, opening: { runId: run.id, error: message } });
  }
  touch();
  bumpInspect();
}

/** Seconds left in the run, from the speed so far. */
export function secondsLeft(run: Run): number | null {
  const done = run.steps.length;
  const total = run.batchesPerEpoch * run.epochs;
  if (done === 0 || total === 0 || !isBusy(run)) return null;
  const elapsed = run.activeMs + (run.state === 'running' ? performance.now() - run.lastResumeMs : 0);
  return (elapsed / done) * Math.max(0, total - done) / 1000;
}

declare global {
  interface Window {
    /** For end-to-end tests and benchmarks: the training runs and the engine worker. */
    __netwrightTraining?: { store: typeof trainingStore; engine: ReturnType<typeof getEngine> };
  }
}

if (typeof window !== 'undefined') window.__netwrightTraining = { store: trainingStore, engine: getEngine() };
