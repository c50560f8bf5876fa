/**
 * The run model: what a training run is in the UI (its state, curves, per-layer statistics,
 * histograms, warnings, manifest), how the engine worker's events fold into it, the diagnoses
 * shown to the user and the time-left estimate. Pure: no store, no worker, no clock (callers pass
 * the time), so it is unit-tested in Node; training-store.ts holds the runs and does the effects.
 */
import type { RunManifest, RunStatus } from '../../core/engine/run';
import type { GraphDocument, SavedWeights } from '../../core/graph';
import { discriminatorWinsOutright } from '../../core/inspect/gan-diagnosis';
import type { InspectionSource } from '../../core/inspect/inspection-input';
import type { GanFormulation } from '../../core/catalogue/layers/losses/gan';
import type { AttentionResult, DatasetInfo, GanSamplesResult, LayerGradientStat, LayerHistograms, RunStartedEvent, TrainingEvent } from '../engine/engine-api';

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
  /** Per batch, aligned with `steps`: each loss node's loss (by id) and each metric; NaN where not computed. */
  stepSeries: Record<string, number[]>;
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
  /** A GAN, per finished epoch: the samples of the run's fixed noise. */
  ganHistory: { epoch: number; result: GanSamplesResult }[];
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
  /** Once opened for inspection: where the views' samples come from (a model without a dataset reads a fitting one or a given sample). */
  source: InspectionSource | null;
}

export const RUN_COLOURS = ['#58a6ff', '#f0883e', '#3fb950', '#d2a8ff', '#ff7b72', '#e3b341'];
/** The colour of a run's curves wherever runs are overlaid. */
export const runColour = (run: Run): string => RUN_COLOURS[(run.index - 1) % RUN_COLOURS.length] as string;

export function isBusy(run: Run | null): boolean {
  return run !== null && (run.state === 'loading' || run.state === 'running' || run.state === 'paused');
}

/** A new run of `graph` (what Start makes before the worker answers), started at `nowMs`. */
export function createRun(graph: GraphDocument, index: number, documentKey: number, id: number, nowMs: number): Run {
  const now = nowMs;
  return {
    id,
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
    stepSeries: {},
    epochSteps: [],
    epochLoss: [],
    validationLoss: [],
    epochMetrics: {},
    validationMetrics: {},
    lastMetrics: {},
    layers: {},
    histograms: [],
    attentionHistory: [],
    ganHistory: [],
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
    source: null,
  };
}

/** Diagnostics users are taught: the initial loss of a softmax classifier, exploding losses. */
export function diagnose(run: Run): void {
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
  const gan = run.capabilities?.gan;
  const dOfGz = run.stepSeries['D(G(z))'];
  if (gan && dOfGz && !run.warnings.some((w) => w.startsWith('The discriminator wins')) && discriminatorWinsOutright(dOfGz, gan.formulation as GanFormulation)) {
    run.warnings.push(
      'The discriminator wins outright: D(G(z)) stayed below 0.05 for the last 50 steps, so the generator gets little gradient. Give the discriminator fewer steps or a lower learning rate, or use the non-saturating generator loss.',
    );
  }
}

/** A node the canvas should point at, with why (a non-finite value or an error there). */
export interface NodeAlert {
  nodeId: string;
  message: string;
}

/**
 * Folds one worker event into a run, in place, at time `nowMs`. Returns the node to point at
 * when the event names one (the caller highlights it).
 */
export function foldTrainingEvent(run: Run, event: TrainingEvent, nowMs: number): NodeAlert | null {
  const now = nowMs;
  let alert: NodeAlert | null = null;
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
      const before = run.steps.length;
      for (let i = 0; i < event.steps.length; i++) {
        run.steps.push(event.steps[i] as number);
        run.losses.push(event.losses[i] as number);
      }
      // A series first seen now starts with NaN for the steps before it; one not sent gets NaN.
      for (const key of new Set([...Object.keys(run.stepSeries), ...Object.keys(event.named)])) {
        const series = (run.stepSeries[key] ??= new Array<number>(before).fill(Number.NaN));
        const values = event.named[key];
        for (let i = 0; i < event.steps.length; i++) series.push(values ? (values[i] as number) : Number.NaN);
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
      if (event.ganSamples) run.ganHistory.push({ epoch: run.epochLoss.length, result: event.ganSamples });
      break;
    case 'finished':
      run.state = event.status;
      run.manifest = event.manifest;
      run.test = event.test;
      if (event.nonFinite) {
        run.error = event.nonFinite.message;
        run.errorNodeId = event.nonFinite.nodeId;
        if (event.nonFinite.nodeId) alert = { nodeId: event.nonFinite.nodeId, message: event.nonFinite.message };
      }
      break;
    case 'error':
      run.state = 'error';
      run.error = event.message;
      run.errorNodeId = event.nodeId;
      if (event.nodeId) alert = { nodeId: event.nodeId, message: event.message };
      break;
  }
  if (event.kind === 'finished' || event.kind === 'error') run.activeMs += now - run.lastResumeMs;
  return alert;
}

/** The run paused at `nowMs`: its training time stops counting. */
export function pauseRun(run: Run, nowMs: number): void {
  run.state = 'paused';
  run.activeMs += nowMs - run.lastResumeMs;
}

/** The run resumed at `nowMs`. */
export function resumeRun(run: Run, nowMs: number): void {
  run.state = 'running';
  run.lastResumeMs = nowMs;
}

/** Seconds left in the run at `nowMs`, from its speed so far (pauses excluded). */
export function secondsLeftAt(run: Run, nowMs: number): number | null {
  const done = run.steps.length;
  const total = run.batchesPerEpoch * run.epochs;
  if (done === 0 || total === 0 || !isBusy(run)) return null;
  const elapsed = run.activeMs + (run.state === 'running' ? nowMs - run.lastResumeMs : 0);
  return (elapsed / done) * Math.max(0, total - done) / 1000;
}
