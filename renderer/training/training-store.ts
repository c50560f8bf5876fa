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
import { serializeGraph, type GraphDocument } from '../../core/graph';
import type { GivenSample } from '../../core/inspect/inspection-input';
import type { TrainingEvent } from '../engine/engine-api';
import { getEngine, restartEngine, selectedBackend } from '../engine/engine-client';
import { saveWasmThreads } from '../engine/wasm-threads';
import { clearNonFiniteHighlight, highlightNode } from './editor-link';
import { isCanvasMoving, onCanvasSettled } from '../editor/interaction';
import { createRun, foldTrainingEvent, isBusy, pauseRun, resumeRun, secondsLeftAt, type Run } from './run-model';

export { isBusy, RUN_COLOURS, runColour, type Run } from './run-model';

export interface TrainingState {
  runs: Run[];
  activeRunId: number | null;
  /** Train on at most this many samples per split (quick runs); null: the whole dataset. */
  limit: number | null;
  /** 'auto' or a backend name. */
  backend: string;
  /** Start runs from this kept run's weights (its keptId, e.g. the imported weights); null: fresh weights. */
  startFrom: string | null;
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
  /** A sample the user gave to inspect the document's model on when it has no dataset (an imported model). */
  given: GivenSample | null;
  /** The bundled dataset (one that fits) whose samples the views read for such a model; null: the first that fits. */
  fitting: string | null;
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
  startFrom: null,
  logScale: false,
  version: 0,
  inspectTick: 0,
  loadedRunId: null,
  opening: null,
  documentKey: 0,
  given: null,
  fitting: null,
}));

export function useTraining<T>(selector: (state: TrainingState) => T): T {
  return useStore(trainingStore, selector);
}

export function activeRun(state: TrainingState = trainingStore.getState()): Run | null {
  return state.runs.find((r) => r.id === state.activeRunId) ?? null;
}

/** While the canvas moves, live training updates reach the views at most this often. */
const MOVING_UPDATE_MS = 1000;
/** Without animation frames (a hidden tab), pending updates still land this often. */
const FRAMELESS_UPDATE_MS = 250;
let publishPending = false;
let publishTimer: ReturnType<typeof setTimeout> | null = null;
let publishFrame: number | null = null;
let lastPublish = 0;
let viewRefreshPending = false;

/** Notifies subscribers now (and drops a pending coalesced notification). */
function publishRuns(extra: Partial<TrainingState> = {}): void {
  publishPending = false;
  if (publishTimer !== null) clearTimeout(publishTimer);
  if (publishFrame !== null) cancelAnimationFrame(publishFrame);
  publishTimer = null;
  publishFrame = null;
  lastPublish = performance.now();
  trainingStore.setState((s) => ({ version: s.version + 1, runs: [...s.runs], ...extra }));
}

/** Notifies subscribers soon: once per frame, or once a second while the canvas moves. */
function publishRunsSoon(): void {
  if (publishPending) return;
  publishPending = true;
  const flush = () => {
    if (publishPending) publishRuns();
  };
  if (isCanvasMoving()) {
    publishTimer = setTimeout(flush, Math.max(0, MOVING_UPDATE_MS - (performance.now() - lastPublish)));
  } else {
    if (typeof requestAnimationFrame === 'function') publishFrame = requestAnimationFrame(flush);
    publishTimer = setTimeout(flush, FRAMELESS_UPDATE_MS);
  }
}

function refreshViews(): void {
  viewRefreshPending = false;
  trainingStore.setState((s) => ({ inspectTick: s.inspectTick + 1 }));
}

let lastRunId = 0;
/** Unique within the session (also for runs created in the same millisecond). */
export function nextRunId(): number {
  lastRunId = Math.max(lastRunId + 1, Date.now());
  return lastRunId;
}

/** Inspection refreshes during training (new requests to the worker, redrawn views) wait for the canvas to settle. */
function refreshViewsSoon(): void {
  if (isCanvasMoving()) viewRefreshPending = true;
  else refreshViews();
}

onCanvasSettled(() => {
  if (publishPending) publishRuns();
  if (viewRefreshPending) refreshViews();
});

/** When training steps last refreshed the views (they do at most every 2 s). */
let lastStepsRefresh = 0;

/** A new run of the document, numbered `index`. */
export function newRun(graph: GraphDocument, index: number, documentKey: number = trainingStore.getState().documentKey): Run {
  return createRun(graph, index, documentKey, nextRunId(), performance.now());
}

/** Folds a worker event into a run (run-model.ts), then points at a named node and refreshes the views. */
export function applyTrainingEvent(run: Run, event: TrainingEvent): void {
  const now = performance.now();
  const alert = foldTrainingEvent(run, event, now);
  if (alert) highlightNode(alert.nodeId, alert.message);
  if (event.kind === 'steps' && now - lastStepsRefresh > 2000) {
    lastStepsRefresh = now;
    refreshViewsSoon();
  } else if (event.kind === 'epoch') {
    refreshViewsSoon();
  } else if (event.kind === 'finished' || event.kind === 'error') {
    refreshViews();
  }
}


/** The kept run of the loaded document whose weights runs start from (Setup's "Start from"), if any. */
export function startFromRun(state: TrainingState = trainingStore.getState()): Run | null {
  if (state.startFrom === null) return null;
  return state.runs.find((r) => r.keptId === state.startFrom && r.documentKey === state.documentKey && r.weights !== null) ?? null;
}

function startWeightsOf(state: TrainingState): Run['weights'] {
  return startFromRun(state)?.weights ?? null;
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
    if (event.kind === 'steps' || event.kind === 'epoch') publishRunsSoon();
    else publishRuns();
  });
  try {
    const end = await getEngine().train(
      { documentJson: serializeGraph(run.graph), backend: state.backend, limit: state.limit, statsEvery: 5, startWeights: startWeightsOf(state) },
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
    publishRuns();
  }
}

export async function pauseTraining(): Promise<void> {
  const run = activeRun();
  if (!run || run.state !== 'running') return;
  const ack = await getEngine().pause();
  if (ack.state === 'paused' && run.state === 'running') {
    pauseRun(run, performance.now());
    publishRuns();
    refreshViews();
  }
}

export async function resumeTraining(): Promise<void> {
  const run = activeRun();
  if (!run || run.state !== 'paused') return;
  const ack = await getEngine().resume();
  if (ack.state === 'running' && run.state === 'paused') {
    resumeRun(run, performance.now());
    publishRuns();
  }
}

/** Resolves when the worker has acknowledged the stop (the run then evaluates and ends). */
export async function stopTraining(): Promise<boolean> {
  const run = activeRun();
  if (!run || !isBusy(run)) return false;
  const ack = await getEngine().stop();
  if (ack.state === 'stopping') {
    run.warnings = run.warnings.filter((w) => w !== 'Stopping…');
    publishRuns();
    return true;
  }
  return false;
}

export function setRunVisible(id: number, visible: boolean): void {
  const run = trainingStore.getState().runs.find((r) => r.id === id);
  if (!run) return;
  run.visible = visible;
  publishRuns();
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
  lastStepsRefresh = 0;
  clearNonFiniteHighlight();
  publishRuns({ documentKey, activeRunId: null, opening: null, startFrom: null, given: null, fitting: null });
}

/** Makes a run the active one; its weights are loaded into the worker when they are not there. */
export async function selectRun(id: number): Promise<void> {
  const state = trainingStore.getState();
  const run = state.runs.find((r) => r.id === id);
  // Another document's run would show node names this graph doesn't have: compare its curves only.
  if (!run || run.documentKey !== state.documentKey) return;
  trainingStore.setState({ activeRunId: id });
  refreshViews();
  if (state.loadedRunId === id || !run.weights || state.runs.some(isBusy)) return;
  await openRunWeights(run);
}

/** Loads a run's graph and weights into the worker, so the views inspect that run. */
export async function openRunWeights(run: Run): Promise<void> {
  if (!run.weights) return;
  trainingStore.setState({ opening: { runId: run.id, error: null } });
  try {
    const own = run.graph.training.dataset !== null;
    const { given, fitting } = trainingStore.getState();
    const opened = await getEngine().openRun({ documentJson: serializeGraph(run.graph), weights: run.weights, given: own ? null : given, fitting: own ? null : fitting });
    run.backend ??= opened.backend;
    run.dataset = opened.dataset;
    run.capabilities = opened.capabilities;
    run.source = opened.source;
    trainingStore.setState({ loadedRunId: run.id, opening: null });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    trainingStore.setState({ loadedRunId: null, opening: { runId: run.id, error: message } });
  }
  publishRuns();
  refreshViews();
}

/**
 * Saves the wasm thread count and starts a fresh engine worker with it (tfjs reads it once, when
 * its wasm backend starts), then opens the active run's weights there so its views keep working.
 * Refused while a run trains.
 */
export async function applyWasmThreads(threads: number | null): Promise<void> {
  if (trainingStore.getState().runs.some(isBusy)) throw new Error('the wasm thread count cannot change while a run trains');
  saveWasmThreads(threads);
  restartEngine();
  trainingStore.setState({ loadedRunId: null });
  // The new worker chooses its backend before it opens weights.
  await selectedBackend();
  const run = activeRun();
  if (run?.weights) await openRunWeights(run);
}

/**
 * Inspects the document's model on `given` (null: back to a bundled dataset that fits it,
 * `fitting` when given): the active run, when its graph has no dataset, is opened again on it.
 */
export async function inspectOnGiven(given: GivenSample | null, fitting?: string): Promise<void> {
  trainingStore.setState(fitting === undefined ? { given } : { given, fitting });
  const run = activeRun();
  if (!run || run.graph.training.dataset || trainingStore.getState().runs.some(isBusy)) return;
  await openRunWeights(run);
}

/** Seconds left in the run now, from its speed so far. */
export function secondsLeft(run: Run): number | null {
  return secondsLeftAt(run, performance.now());
}

declare global {
  interface Window {
    /** For end-to-end tests and benchmarks: the training runs and the engine worker. */
    __netwrightTraining?: { store: typeof trainingStore; engine: ReturnType<typeof getEngine> };
  }
}

if (typeof window !== 'undefined') window.__netwrightTraining = { store: trainingStore, engine: getEngine() };
