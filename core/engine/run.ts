/**
 * A training run: binds the graph's Input nodes to dataset features, runs epochs of training steps
 * with validation, early stopping and a best-weights checkpoint, and answers pause/stop requests
 * between steps. The same loop runs in the app's worker and in the command line.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchToTensors } from '../data/tensors';
import { permutation, mixSeed } from '../data/random';
import { PAD_ID, START_ID, type Batch, type Dataset, type DatasetSplit } from '../data/types';
import type { GraphDocument, RunManifest } from '../graph/document';
import { effectivePhases, isPhased } from '../graph/phases';
import { serializeGraph } from '../graph/serialize';
import { nodeDisplayName } from '../graph/summary';
import { compileGraph, inspectionModel, type CompileOptions, type CompiledGraph, type FeedTensors } from './compile';
import { SeededScope } from './seeded';
import { Trainer, type EvaluationResult, type NonFiniteReport, type StepResult, type TeacherForcing } from './trainer';

export class RunError extends Error {
  constructor(
    message: string,
    readonly nodeId?: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

/** The record of a run (its schema lives with the document, which keeps runs). */
export type { RunManifest } from '../graph/document';

export interface StepEvent {
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  batches: number;
  step: StepResult;
  samplesPerSecond: number;
  /** The training phase this step trained (a phased run, e.g. a GAN's "discriminator"). */
  phase?: string;
}

export interface EpochEvent {
  epoch: number;
  /** Mean loss; for a phased run the sum of the loss nodes' weighted means over their phases' steps. */
  loss: number;
  /** Mean of each loss node (by id) over the steps that computed it. */
  losses: Record<string, number>;
  metrics: Record<string, number>;
  validation: EvaluationResult | null;
  learningRate: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface NonFiniteEvent {
  report: NonFiniteReport;
  /** The first node (in graph order) whose output is not finite on the offending batch. */
  nodeId: string | null;
  message: string;
}

export type RunStatus = 'completed' | 'stopped' | 'early-stopped' | 'non-finite';

export interface RunResult {
  status: RunStatus;
  epochs: EpochEvent[];
  bestEpoch: number | null;
  test: EvaluationResult | null;
  nonFinite: NonFiniteEvent | null;
  manifest: RunManifest;
}

/** Pause and stop, checked between steps. */
export interface RunControl {
  stopRequested(): boolean;
  /** Resolves when the run may go on (immediately when not paused). */
  waitWhilePaused(): Promise<void>;
}

export interface RunOptions {
  /** Use at most this many samples of each split (quick checks, CI). */
  limit?: number | null;
  trackStats?: boolean;
  /** Update/weight ratios every this many steps (default 1). */
  statsEvery?: number;
  backend: string;
  control?: RunControl;
  onStep?(event: StepEvent): void;
  onEpoch?(event: EpochEvent): void;
  /** Gives the event loop a turn so pause/stop messages arrive (default: a macrotask). */
  yieldToEventLoop?: () => Promise<void>;
  /** How often to yield, in milliseconds of training. */
  yieldEveryMs?: number;
}

const defaultYield = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Dataset feature name for each feed, or a RunError naming the unbound Input node. */
export function bindFeeds(compiled: CompiledGraph, graph: GraphDocument, dataset: Dataset): string[] {
  const names = new Set([...dataset.spec.features, ...dataset.spec.labels].map((f) => f.name));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return compiled.feeds.map((feed) => {
    const node = byId.get(feed.nodeId);
    const label = node ? nodeDisplayName(node) : feed.nodeId;
    if (!feed.feature) {
      throw new RunError(`Input ${label} is not bound to a dataset feature; set its "Dataset feature" to one of: ${[...names].join(', ')}`, feed.nodeId);
    }
    if (!names.has(feed.feature)) {
      throw new RunError(`Input ${label} is bound to "${feed.feature}", which ${dataset.spec.id} does not have (it has ${[...names].join(', ')})`, feed.nodeId);
    }
    return feed.feature;
  });
}

/**
 * For a seq2seq dataset, the feed of the decoder input and the logits output of the sequence loss
 * (what scheduled sampling replaces and reads); null for other graphs.
 */
export function teacherForcingFor(compiled: CompiledGraph, dataset: Dataset): TeacherForcing | null {
  const binding = dataset.spec.seq2seq;
  if (!binding) return null;
  const decoderInputFeed = compiled.feeds.findIndex((f) => f.feature === binding.decoderInput);
  const loss = compiled.losses.find((l) => l.decl.type === 'SequenceCrossentropy');
  const source = loss?.sources.prediction;
  if (decoderInputFeed < 0 || !loss || source?.kind !== 'output') return null;
  return { decoderInputFeed, logitsOutput: source.output, startId: START_ID, padId: Number(loss.params.padId ?? PAD_ID) };
}

/** Batches of a split, optionally limited to its first `limit` rows. */
function* epochBatches(split: DatasetSplit, batchSize: number, seed: number, epoch: number, shuffle: boolean, limit: number | null): Generator<Batch> {
  if (limit === null || limit >= split.size) {
    yield* split.batches({ batchSize, shuffle, seed, epoch });
    return;
  }
  const order = shuffle ? permutation(limit, mixSeed(seed, epoch)) : Uint32Array.from({ length: limit }, (_, i) => i);
  for (let start = 0; start < limit; start += batchSize) yield split.gather(order.subarray(start, Math.min(limit, start + batchSize)));
}

function toFeeds(batch: Batch, featureNames: readonly string[]): FeedTensors {
  const tensors = batchToTensors(tf, batch, [...new Set(featureNames)]);
  return featureNames.map((name) => tensors[name] as tf.Tensor);
}

function disposeFeeds(feeds: FeedTensors): void {
  tf.dispose([...new Set(feeds)]);
}

/**
 * Evaluates a split in inference mode. Sampling layers draw from a scope seeded with `seed`, the
 * same at every evaluation: epochs and backends are compared on the same noise.
 */
export function evaluateSplit(trainer: Trainer, split: DatasetSplit, featureNames: readonly string[], batchSize: number, limit: number | null, seed = 0): Promise<EvaluationResult> {
  function* feeds(): Generator<FeedTensors> {
    for (const batch of epochBatches(split, batchSize, 0, 0, false, limit)) {
      const f = toFeeds(batch, featureNames);
      yield f;
      disposeFeeds(f);
    }
  }
  const scope = new SeededScope(mixSeed(seed, 0xe7a1));
  return trainer.evaluateAsync(feeds(), (fn) => scope.run(fn));
}

/** The first node, in graph order, whose output on these feeds is not finite. */
export function firstNonFiniteNode(compiled: CompiledGraph, graph: GraphDocument, feeds: FeedTensors): string | null {
  const ports = compiled.analysis.order.flatMap((id) => Object.keys(compiled.nodeTensors.get(id) ?? {}).map((port) => ({ nodeId: id, port })));
  if (ports.length === 0) return null;
  const { model, feeds: used } = inspectionModel(compiled, graph, ports);
  const finite = tf.tidy(() => {
    const inputs = used.map((i) => feeds[i] as tf.Tensor);
    const out = model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false });
    const list = Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
    return tf.stack(list.map((t) => tf.all(tf.isFinite(tf.cast(t, 'float32')))));
  });
  const flags = finite.dataSync();
  finite.dispose();
  const index = Array.from(flags).findIndex((v) => v === 0);
  return index < 0 ? null : (ports[index] as { nodeId: string }).nodeId;
}

/** Why a step was refused, where (epoch, batch) and which node, for the CLI and the app alike. */
function nonFiniteStepMessage(report: NonFiniteReport, nodeId: string | null, graph: GraphDocument, epoch: number, batch: number): string {
  const node = graph.nodes.find((n) => n.id === nodeId);
  const label = node ? `${nodeDisplayName(node)} (${node.type})` : null;
  const where = !label
    ? ''
    : report.what === 'gradient'
      ? `; the node nearest the loss whose weights' gradient is not finite is ${label}`
      : report.what === 'weights'
        ? ` (${label})`
        : `; the first non-finite output is ${label}`;
  return `${report.message} at epoch ${epoch + 1}, batch ${batch + 1}${where}. Training stopped; the weights are the last finite ones.`;
}

/** Compiles with seeded weight initialization, so the same seed starts from the same weights. */
export function compileSeeded(graph: GraphDocument, options: CompileOptions = {}): CompiledGraph {
  return new SeededScope(mixSeed(graph.training.seed, 0x1417)).run(() => compileGraph(graph, options));
}

/** SHA-256 of the canonical graph without its kept runs (a run never changes the hash). */
export async function graphHash(graph: GraphDocument): Promise<string> {
  const bytes = new TextEncoder().encode(serializeGraph({ ...graph, runs: [] }));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function runTraining(
  graph: GraphDocument,
  compiled: CompiledGraph,
  dataset: Dataset,
  options: RunOptions,
): Promise<RunResult & { trainer: Trainer }> {
  const setup = graph.training;
  const limit = options.limit ?? null;
  const featureNames = bindFeeds(compiled, graph, dataset);
  const manifest: RunManifest = {
    graphHash: await graphHash(graph),
    graphName: graph.metadata.name,
    dataset: { id: dataset.spec.id, version: dataset.spec.version, options: { ...(graph.training.dataset?.options ?? {}) } },
    seed: setup.seed,
    backend: options.backend,
    tfjsVersion: tf.version_core,
    training: structuredClone(setup),
    limit,
    startedAt: new Date().toISOString(),
  };
  const teacherForcing = teacherForcingFor(compiled, dataset);
  const trainerOptions = {
    graph,
    trackStats: options.trackStats ?? true,
    statsEvery: options.statsEvery ?? 1,
    ...(teacherForcing ? { teacherForcing } : {}),
  };
  // The run's trainer: trains a plain run, evaluates every loss of a phased one (and is returned).
  const trainer = new Trainer(compiled, setup, trainerOptions);
  // A phased run (a GAN) cycles its phases batch by batch, each with its own trainer and so its
  // own optimizer state; the cycle lists each phase `steps` times.
  const phased = isPhased(setup);
  const phaseTrainers: Trainer[] = [];
  try {
    if (phased) for (const phase of effectivePhases(setup)) phaseTrainers.push(new Trainer(compiled, setup, { ...trainerOptions, phase }));
  } catch (err) {
    phaseTrainers.forEach((t) => t.dispose());
    trainer.dispose();
    throw new RunError((err as Error).message);
  }
  const stepping = phased ? phaseTrainers : [trainer];
  const cycle = stepping.flatMap((t, i) => Array.from({ length: t.phase?.steps ?? 1 }, () => i));
  let globalStep = 0;
  const random = new SeededScope(mixSeed(setup.seed, 0x5eed));
  const yieldNow = options.yieldToEventLoop ?? defaultYield;
  const yieldEvery = options.yieldEveryMs ?? 50;
  const epochs: EpochEvent[] = [];
  let best: { loss: number; epoch: number; weights: tf.Tensor[] } | null = null;
  let sinceBest = 0;
  let status: RunStatus = 'completed';
  let nonFinite: NonFiniteEvent | null = null;
  let lastYield = performance.now();
  const trainSize = limit === null ? dataset.train.size : Math.min(limit, dataset.train.size);
  const batches = Math.ceil(trainSize / setup.batchSize);

  // Whatever throws mid-way (a dataset iterator, a loss, a listener), the run's own tensors go:
  // the optimizer's slots, the undo copies and the best checkpoint. The model stays the caller's.
  try {
    outer: for (let epoch = 0; epoch < setup.epochs; epoch++) {
      trainer.beginEpoch(epoch);
      for (const t of phaseTrainers) t.beginEpoch(epoch);
      const started = performance.now();
      let samples = 0;
      let lossSum = 0;
      const lossSums: Record<string, number> = {};
      const lossSamples: Record<string, number> = {};
      const metricSums: Record<string, number> = {};
      const metricSamples: Record<string, number> = {};
      let batch = 0;
      for (const data of epochBatches(dataset.train, setup.batchSize, setup.seed, epoch, true, limit)) {
        const feeds = toFeeds(data, featureNames);
        const stepper = stepping[cycle[globalStep % cycle.length] as number] as Trainer;
        globalStep++;
        let step: StepResult;
        try {
          // Reads are asynchronous: no GPU stall per step; the forward pass runs in the seeded scope.
          step = await stepper.trainStepAsync(feeds, (fn) => random.run(fn));
          if (step.nonFinite) {
            const report = step.nonFinite;
            const nodeId = report.nodeId ?? random.run(() => firstNonFiniteNode(compiled, graph, feeds)) ?? report.lossNodeId ?? null;
            // Back to the weights that gave the last finite loss.
            stepper.undoLastUpdate();
            nonFinite = { report, nodeId, message: nonFiniteStepMessage(report, nodeId, graph, epoch, batch) };
          }
        } finally {
          disposeFeeds(feeds);
        }
        if (nonFinite) {
          status = 'non-finite';
          break outer;
        }
        samples += data.size;
        lossSum += step.loss * data.size;
        for (const [k, v] of Object.entries(step.losses)) {
          lossSums[k] = (lossSums[k] ?? 0) + v * data.size;
          lossSamples[k] = (lossSamples[k] ?? 0) + data.size;
        }
        for (const [k, v] of Object.entries(step.metrics)) {
          metricSums[k] = (metricSums[k] ?? 0) + v * data.size;
          metricSamples[k] = (metricSamples[k] ?? 0) + data.size;
        }
        const samplesPerSecond = samples / Math.max(1e-9, (performance.now() - started) / 1000);
        options.onStep?.({ epoch, batch, batches, step, samplesPerSecond, ...(stepper.phase && phased ? { phase: stepper.phase.name } : {}) });
        batch++;
        if (performance.now() - lastYield >= yieldEvery) {
          await yieldNow();
          lastYield = performance.now();
        }
        if (options.control) {
          await options.control.waitWhilePaused();
          if (options.control.stopRequested()) {
            status = 'stopped';
            break outer;
          }
        }
      }
      // The last update of the epoch is checked before the weights are evaluated or kept.
      let broken: NonFiniteReport | null = null;
      for (const t of stepping) {
        broken = await t.restoreIfNonFiniteAsync();
        if (broken) break;
      }
      if (broken) {
        const node = graph.nodes.find((n) => n.id === broken.nodeId);
        nonFinite = {
          report: broken,
          nodeId: broken.nodeId ?? null,
          message: `${broken.message} at the end of epoch ${epoch + 1}${node ? ` (${nodeDisplayName(node)}, ${node.type})` : ''}. Training stopped; the weights are the last finite ones.`,
        };
        status = 'non-finite';
        break;
      }
      const seconds = (performance.now() - started) / 1000;
      const validation =
        dataset.validation.size > 0 && setup.validationSplit >= 0
          ? await evaluateSplit(trainer, dataset.validation, featureNames, Math.max(setup.batchSize, 256), limit, setup.seed)
          : null;
      // Each loss and metric is a mean over the steps that computed it (a phase computes only its own).
      const avg = (sums: Record<string, number>, counts: Record<string, number>) =>
        Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(counts[k] ?? 0, 1)]));
      const losses = avg(lossSums, lossSamples);
      const event: EpochEvent = {
        epoch,
        loss: phased ? compiled.losses.reduce((sum, l) => sum + (losses[l.nodeId] ?? 0) * l.weight, 0) : lossSum / Math.max(samples, 1),
        losses,
        metrics: avg(metricSums, metricSamples),
        validation,
        learningRate: (stepping[0] as Trainer).currentLearningRate,
        seconds,
        samplesPerSecond: samples / Math.max(seconds, 1e-9),
      };
      epochs.push(event);
      options.onEpoch?.(event);
      const monitored = validation?.loss ?? event.loss;
      // A GAN's losses measure a game, not quality: a phased run keeps its last weights.
      if (phased) continue;
      if (best === null || monitored < best.loss) {
        if (best) tf.dispose(best.weights);
        best = { loss: monitored, epoch, weights: trainer.snapshotWeights() };
        sinceBest = 0;
      } else if (setup.earlyStoppingPatience !== null && ++sinceBest >= setup.earlyStoppingPatience) {
        status = 'early-stopped';
        break;
      }
    }


    // The run ends with the best weights (on validation loss), as a checkpoint would restore them.
    if (best && status !== 'non-finite') trainer.restoreWeights(best.weights);
    const bestEpoch = best?.epoch ?? null;
    if (best) tf.dispose(best.weights);
    best = null;
    const test =
      status === 'non-finite' || dataset.test.size === 0
        ? null
        : await evaluateSplit(trainer, dataset.test, featureNames, Math.max(setup.batchSize, 256), limit, setup.seed);
    return { status, epochs, bestEpoch, test, nonFinite, manifest, trainer };
  } catch (err) {
    if (best) tf.dispose(best.weights);
    trainer.dispose();
    throw err;
  } finally {
    // Phase trainers hold only optimizer state and undo copies; the returned trainer evaluates.
    phaseTrainers.forEach((t) => t.dispose());
  }
}
