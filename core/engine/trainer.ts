/**
 * The training step, written out (not `model.fit`): weighted losses from the graph's loss nodes,
 * explicit gradients, clipping by global norm, per-variable statistics, and a guard that never
 * applies a non-finite update and never keeps non-finite weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { GraphDocument, TrainingSetup } from '../graph/document';
import type { EffectivePhase } from '../graph/phases';
import { nodeOfLayer, type CompiledGraph, type FeedTensors, type LossBinding } from './compile';
import { l2Norms } from './kernels/norms';
import { GAN_METRIC_NAMES } from './gan-metric-names';
import { METRICS } from './metrics';
import { createOptimizer, learningRateAt, setLearningRate } from './optimizer';
import { hasGradientPenalty, penaltyOfBatch, penaltyTerms, releasePenaltyTerms, type PenaltyTerm } from './gradient-penalty';
import { freeingTapeOnThrow } from './tape';

/** What a numeric tensor reads back as (the trainer only reads numbers). */
type TypedValues = Float32Array | Int32Array | Uint8Array;

/**
 * Work that needs tensors read back to go on: it yields each tensor to read and receives its
 * values. Driven synchronously (`dataSync`) or asynchronously (`data()`: no pipeline stall on a
 * GPU, and webgpu's only correct read where its canvas read-back fails).
 */
type Reads<T> = Generator<tf.Tensor, T, TypedValues>;

function readSync<T>(work: Reads<T>): T {
  let next = work.next();
  while (!next.done) {
    let values: TypedValues;
    try {
      values = next.value.dataSync() as TypedValues;
    } catch (err) {
      work.return(undefined as T); // runs the work's clean-up (tensors disposed)
      throw err;
    }
    next = work.next(values);
  }
  return next.value;
}

/** `during` wraps each synchronous part of the work (e.g. runs it in a seeded scope). */
async function readAsync<T>(work: Reads<T>, during: <R>(fn: () => R) => R = (fn) => fn()): Promise<T> {
  let next = during(() => work.next());
  while (!next.done) {
    let values: TypedValues;
    try {
      values = (await next.value.data()) as TypedValues;
    } catch (err) {
      work.return(undefined as T);
      throw err;
    }
    next = during(() => work.next(values));
  }
  return next.value;
}

export interface VariableStats {
  /** tfjs variable name, e.g. `dense/kernel`. */
  name: string;
  nodeId: string;
  gradNorm: number;
  weightNorm: number;
  /** ||update|| / ||weights before the update||: healthy training sits near 1e-3. */
  updateRatio: number;
}

export interface NonFiniteReport {
  what: 'loss' | 'gradient' | 'weights';
  message: string;
  /** The loss node whose value was not finite, when it was a loss. */
  lossNodeId?: string;
  /**
   * The node owning the first variable the update made non-finite, when it was the weights; for a
   * gradient, the node nearest the loss whose weights' gradient is not finite.
   */
  nodeId?: string;
}

export interface StepResult {
  loss: number;
  /** Unweighted value of each loss node, by node id. */
  losses: Record<string, number>;
  metrics: Record<string, number>;
  gradNorm: number;
  learningRate: number;
  /** Per-variable statistics (when tracking is on). */
  stats: VariableStats[] | null;
  /** Set when the step was refused because something became NaN/Inf; weights are unchanged. */
  nonFinite: NonFiniteReport | null;
}

export interface EvaluationResult {
  loss: number;
  losses: Record<string, number>;
  metrics: Record<string, number>;
  samples: number;
}

/** Where a seq2seq decoder's input comes from, for teacher forcing with a ratio below 1. */
export interface TeacherForcing {
  /** Index into the feeds of the decoder input ids (START + target). */
  decoderInputFeed: number;
  /** Index into the model outputs of the decoder's logits [batch, time, vocab]. */
  logitsOutput: number;
  startId: number;
  padId: number;
}

export interface TrainerOptions {
  teacherForcing?: TeacherForcing;
  /** Update/weight ratios every this many steps (1: every step); gradient norms are always taken. */
  statsEvery?: number;
  /**
   * Gradient and weight norms and update ratios every step, and the guard that restores weights an
   * update made non-finite (cheap; off only to measure what they cost).
   */
  trackStats?: boolean;
  /**
   * Train one phase of alternating training: only its losses are minimised, only the weights of
   * the nodes it updates change (the others are held fixed), with its own optimizer and learning
   * rate; `clipWeights` clips the updated weights after each step (a WGAN critic).
   */
  phase?: EffectivePhase;
  /**
   * The graph compiled: needed (and only read) when a discriminator loss has WGAN-GP's gradient
   * penalty, to find the critic and the real and generated samples it is applied between.
   */
  graph?: GraphDocument;
}

interface TrackedVariable {
  variable: tf.Variable;
  nodeId: string;
}

export class Trainer {
  readonly optimizer: tf.Optimizer;
  private readonly variables: TrackedVariable[];
  private readonly trackStats: boolean;
  private readonly statsEvery: number;
  private stepCount = 0;
  private readonly teacherForcing: TeacherForcing | null;
  private learningRate: number;
  /** Norms of the weights after the last step, so the next step need not recompute them. */
  private weightNorms: Float32Array | null = null;
  /** Copies of the weights from before the last update, until that update is known finite. */
  private previous: tf.Tensor[] | null = null;
  private disposed = false;
  /** The phase trained (null: every loss, every weight). */
  readonly phase: EffectivePhase | null;
  /** The losses this trainer minimises, in `compiled.losses` order. */
  private readonly trainedLosses: readonly LossBinding[];
  /** WGAN-GP penalties, by loss node id, and the model that also returns their generated samples. */
  private readonly penalties: ReadonlyMap<string, { term: PenaltyTerm; output: number }>;
  private readonly forwardModel: tfl.LayersModel;

  constructor(
    readonly compiled: CompiledGraph,
    readonly setup: TrainingSetup,
    options: TrainerOptions = {},
  ) {
    if (compiled.losses.length === 0) throw new Error('the graph has no loss node to train');
    this.trackStats = options.trackStats ?? true;
    this.statsEvery = Math.max(1, Math.floor(options.statsEvery ?? 1));
    this.teacherForcing = options.teacherForcing ?? null;
    this.phase = options.phase ?? null;
    this.optimizer = createOptimizer(this.optimizerSetup(), this.phase?.beta1);
    this.learningRate = this.optimizerSetup().learningRate;
    const all = compiled.model.layers.flatMap((layer) =>
      layer.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable, nodeId: nodeOfLayer(compiled, layer.name) ?? '' })),
    );
    const updates = this.phase?.updates ? new Set(this.phase.updates) : null;
    this.variables = updates ? all.filter((v) => updates.has(v.nodeId)) : all;
    const trained = this.phase?.losses ? new Set(this.phase.losses) : null;
    this.trainedLosses = trained ? compiled.losses.filter((l) => trained.has(l.nodeId)) : compiled.losses;
    const phaseName = this.phase?.name ?? '';
    if (this.trainedLosses.length === 0) throw new Error(`training phase "${phaseName}" minimises no loss node of the graph`);
    if (this.variables.length === 0) throw new Error(`training phase "${phaseName}" updates no trainable weights`);
    const withPenalty = compiled.losses.filter(hasGradientPenalty);
    if (withPenalty.length > 0 && !options.graph) {
      throw new Error(`${withPenalty[0]?.name}: the gradient penalty ('wasserstein-gp') needs the graph to find its critic; give the trainer options.graph`);
    }
    const terms = options.graph ? penaltyTerms(options.graph, compiled) : [];
    this.penalties = new Map(terms.map((term, i) => [term.lossNodeId, { term, output: compiled.outputs.length + i }]));
    // The generator's output is not a model output (no loss reads it): a model over the same
    // layers returns it too, after the model's outputs.
    this.forwardModel =
      terms.length === 0 ? compiled.model : tfl.model({ inputs: compiled.model.inputs, outputs: [...compiled.model.outputs, ...terms.map((t) => t.generated)] });
  }

  /** The setup with the phase's optimizer settings (the schedule and clipping stay the setup's). */
  private optimizerSetup(): TrainingSetup {
    const p = this.phase;
    return p ? { ...this.setup, optimizer: p.optimizer, learningRate: p.learningRate, momentum: p.momentum } : this.setup;
  }

  /** The variables this trainer updates (all trainable ones without a phase). */
  get trainedVariables(): readonly tf.Variable[] {
    return this.variables.map((v) => v.variable);
  }

  get currentLearningRate(): number {
    return this.learningRate;
  }

  /** Sets the learning rate of the schedule for this (0-based) epoch. */
  beginEpoch(epoch: number): void {
    this.learningRate = learningRateAt(this.optimizerSetup(), epoch);
    setLearningRate(this.optimizer, this.learningRate);
  }

  /** Model outputs for a batch, in `compiled.outputs` order (then a WGAN-GP's generated samples). */
  forward(feeds: FeedTensors, training: boolean): tf.Tensor[] {
    const inputs = this.compiled.modelInputs.map((i) => feeds[i] as tf.Tensor);
    const result = this.forwardModel.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training });
    return Array.isArray(result) ? (result as tf.Tensor[]) : [result as tf.Tensor];
  }

  private lossInputs(loss: LossBinding, feeds: FeedTensors, outputs: readonly tf.Tensor[]): Record<string, tf.Tensor> {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [port, source] of Object.entries(loss.sources)) {
      tensors[port] = (source.kind === 'feed' ? feeds[source.feed] : outputs[source.output]) as tf.Tensor;
    }
    return tensors;
  }

  /**
   * Each loss node's value, unweighted, in `compiled.losses` order (or of the given losses); a
   * 'wasserstein-gp' loss includes its gradient penalty times its weight lambda.
   */
  lossTerms(
    feeds: FeedTensors,
    outputs: readonly tf.Tensor[],
    losses: readonly LossBinding[] = this.compiled.losses,
    training = false,
    penalties?: Map<string, tf.Scalar>,
  ): tf.Scalar[] {
    return losses.map((loss) => {
      const penalty = this.penalties.get(loss.nodeId);
      const value = loss.decl.compute(this.lossInputs(loss, feeds, outputs), loss.params as never);
      if (!penalty) return value;
      const generated = outputs[penalty.output];
      if (!generated) throw new Error(`${loss.name}: the forward pass did not return the generated samples for the gradient penalty`);
      const weighted = tf.tidy(() => tf.mul(penalty.term.weight, penaltyOfBatch(penalty.term, feeds, generated, training)) as tf.Scalar);
      // The same tensor the loss adds, so the reported GP is the one trained on.
      penalties?.set(loss.nodeId, weighted);
      return tf.add(value, weighted) as tf.Scalar;
    });
  }

  /** Metrics of the given losses, whose values are `terms` (in the same order). */
  private metricTensors(
    feeds: FeedTensors,
    outputs: readonly tf.Tensor[],
    terms: readonly tf.Scalar[],
    losses: readonly LossBinding[] = this.compiled.losses,
    penalties?: ReadonlyMap<string, tf.Scalar>,
  ): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    // A VAE's headline numbers are its loss terms (reconstruction and KL, unweighted), not the
    // per-pixel "accuracy" its reconstruction loss would report.
    if (losses.some((l) => l.decl.type === 'GaussianKL')) {
      const kls = losses.filter((l) => l.decl.type === 'GaussianKL').length;
      const others = losses.length - kls;
      losses.forEach((l, i) => {
        const kl = l.decl.type === 'GaussianKL';
        const name = kl ? (kls === 1 ? 'KL' : `KL ${l.name}`) : others === 1 ? 'reconstruction' : `reconstruction ${l.name}`;
        out[name] = terms[i] as tf.Scalar;
      });
      return out;
    }
    const prefix = this.compiled.losses.length > 1;
    for (const loss of losses) {
      const fn = METRICS[loss.decl.type];
      if (!fn) continue;
      // D(x) and D(G(z)) are the GAN's own names: the generator's loss reports the same D(G(z)).
      const gan = loss.decl.type === 'GANDiscriminatorLoss' || loss.decl.type === 'GANGeneratorLoss';
      for (const [name, value] of Object.entries(fn(this.lossInputs(loss, feeds, outputs), loss.params))) {
        const key = prefix && !gan ? `${loss.name}.${name}` : name;
        if (key in out) value.dispose();
        else out[key] = value;
      }
      // WGAN-GP: the gradient penalty term (lambda times the penalty) that this loss includes.
      const penalty = penalties?.get(loss.nodeId);
      if (penalty) {
        const several = [...(penalties?.keys() ?? [])].length > 1;
        out[several ? `${loss.name}.${GAN_METRIC_NAMES.penalty}` : GAN_METRIC_NAMES.penalty] = tf.clone(penalty);
      }
    }
    return out;
  }

  /**
   * Scheduled sampling: with probability 1 - ratio a decoder input token is replaced by the model's
   * own previous prediction (from a pass with the true inputs), so the decoder learns to recover
   * from its mistakes. START and PAD positions are kept.
   */
  mixDecoderInputs(feeds: FeedTensors): { feeds: FeedTensors; created: tf.Tensor | null } {
    const tfc = this.teacherForcing;
    const ratio = this.setup.teacherForcingRatio;
    if (!tfc || ratio >= 1) return { feeds, created: null };
    const truth = feeds[tfc.decoderInputFeed] as tf.Tensor;
    const mixed = tf.tidy(() => {
      const logits = this.forward(feeds, false)[tfc.logitsOutput] as tf.Tensor;
      const predicted = tf.cast(tf.argMax(logits, -1), 'int32');
      const [batch, time] = truth.shape as [number, number];
      const shifted = tf.concat([tf.fill([batch, 1], tfc.startId, 'int32'), tf.slice(predicted, [0, 0], [batch, time - 1])], 1);
      const keepTruth = tf.logicalOr(
        tf.less(tf.randomUniform([batch, time], 0, 1, 'float32', Math.floor(Math.random() * 2 ** 31)), ratio),
        tf.equal(truth, tfc.padId),
      );
      return tf.where(keepTruth, tf.cast(truth, 'int32'), shifted);
    });
    const out = [...feeds];
    out[tfc.decoderInputFeed] = mixed;
    return { feeds: out, created: mixed };
  }

  trainStep(batchFeeds: FeedTensors): StepResult {
    return readSync(this.stepReads(batchFeeds));
  }

  /**
   * The same step with results read asynchronously. `during` wraps the part that draws random
   * numbers (the forward pass; see SeededScope), which runs before the first read.
   */
  trainStepAsync(batchFeeds: FeedTensors, during?: <R>(fn: () => R) => R): Promise<StepResult> {
    return readAsync(this.stepReads(batchFeeds), during);
  }

  private *stepReads(batchFeeds: FeedTensors): Reads<StepResult> {
    if (this.disposed) throw new Error('the trainer was disposed');
    const { feeds, created } = this.mixDecoderInputs(batchFeeds);
    try {
      return yield* this.step(feeds);
    } finally {
      created?.dispose();
    }
  }

  private *step(feeds: FeedTensors): Reads<StepResult> {
    const vars = this.variables.map((v) => v.variable);
    const losses = this.trainedLosses;
    let terms: tf.Scalar[] = [];
    let outputs: tf.Tensor[] = [];
    const penalties = new Map<string, tf.Scalar>();
    const { value, grads } = freeingTapeOnThrow(() =>
      tf.variableGrads(() => {
        outputs = this.forward(feeds, true);
        terms = this.lossTerms(feeds, outputs, losses, true, penalties);
        outputs.forEach((t) => tf.keep(t));
        terms.forEach((t) => tf.keep(t));
        penalties.forEach((t) => tf.keep(t));
        return tf.addN(terms.map((t, i) => tf.mul(t, (losses[i] as LossBinding).weight))) as tf.Scalar;
      }, vars),
    );
    const gradList = vars.map((v) => grads[v.name] as tf.Tensor);
    const metricNames: string[] = [];
    // One read for everything the step needs to decide: losses, metrics, gradient norms.
    const summary = tf.tidy(() => {
      const metrics = this.metricTensors(feeds, outputs, terms, losses, penalties);
      metricNames.push(...Object.keys(metrics));
      return tf.concat([tf.stack([value, ...terms, ...Object.values(metrics)]), l2Norms(gradList)]);
    });
    let values: TypedValues | null = null;
    try {
      values = yield summary;
    } finally {
      tf.dispose([summary, value, ...terms, ...outputs, ...penalties.values()]);
      // Abandoned before the read: nothing was applied.
      if (values === null) tf.dispose(gradList);
    }

    const loss = values[0] as number;
    const lossValues: Record<string, number> = {};
    losses.forEach((l, i) => (lossValues[l.nodeId] = values[1 + i] as number));
    const metrics: Record<string, number> = {};
    metricNames.forEach((name, i) => (metrics[name] = values[1 + losses.length + i] as number));
    const gradNorms = Array.from(values.subarray(1 + losses.length + metricNames.length));
    const gradNorm = Math.sqrt(gradNorms.reduce((a, n) => a + n * n, 0));
    const base = { loss, losses: lossValues, metrics, gradNorm, learningRate: this.learningRate };

    const badLoss = losses.find((l) => !Number.isFinite(lossValues[l.nodeId]));
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      tf.dispose(gradList);
      // Nothing is applied. The weights are left as they are so the caller can find the node that
      // went non-finite, then `undoLastUpdate()` puts back the weights of the last finite loss.
      const nonFinite: NonFiniteReport = badLoss
        ? { what: 'loss', lossNodeId: badLoss.nodeId, message: `the loss ${badLoss.name} became ${lossValues[badLoss.nodeId]}` }
        : !Number.isFinite(loss)
          ? { what: 'loss', message: `the loss became ${loss}` }
          : { what: 'gradient', ...this.nonFiniteGradient(gradNorms, gradNorm) };
      return { ...base, stats: null, nonFinite };
    }

    const clip = this.setup.gradientClipNorm;
    const scale = clip !== null && gradNorm > clip ? clip / gradNorm : 1;
    const named: tf.NamedTensorMap = {};
    vars.forEach((v, i) => (named[v.name] = scale === 1 ? (gradList[i] as tf.Tensor) : tf.mul(gradList[i] as tf.Tensor, scale)));
    if (!this.trackStats) {
      this.optimizer.applyGradients(named);
      this.clipUpdatedWeights();
      tf.dispose(gradList);
      if (scale !== 1) tf.dispose(Object.values(named));
      return { ...base, stats: null, nonFinite: null };
    }
    // The weights before this update are kept until the next step has shown the update finite
    // (a copy is cheap; a pass over every weight each step is not).
    if (this.previous) tf.dispose(this.previous);
    const before = vars.map((v) => tf.keep(tf.clone(v)));
    this.previous = before;
    this.optimizer.applyGradients(named);
    this.clipUpdatedWeights();
    tf.dispose(gradList);
    if (scale !== 1) tf.dispose(Object.values(named));

    const withUpdates = this.stepCount++ % this.statsEvery === 0;
    if (!withUpdates) {
      this.weightNorms = null;
      return { ...base, stats: null, nonFinite: null };
    }
    // On stats steps: new and update norms of every variable, read at once. The norms before the
    // update are the previous stats step's new norms when that was the step just before.
    const known = this.weightNorms;
    const after = tf.tidy(() => {
      // One kernel per group on wasm and cpu (see kernels/norms.ts).
      const newNorms = l2Norms(vars);
      const updateNorms = l2Norms(vars, before);
      return tf.concat(known ? [newNorms, updateNorms] : [newNorms, updateNorms, l2Norms(before)]);
    });
    let read: TypedValues;
    try {
      read = yield after;
    } finally {
      after.dispose();
    }
    const n = vars.length;
    // Laid out as [before | update | new].
    const norms = new Float32Array(3 * n);
    norms.set(read.subarray(0, n), 2 * n);
    norms.set(read.subarray(n, 2 * n), n);
    norms.set(known ?? read.subarray(2 * n, 3 * n), 0);
    const firstBad = Array.from(norms.subarray(2 * n)).findIndex((v) => !Number.isFinite(v));
    if (firstBad >= 0) {
      this.restorePrevious();
      const bad = this.variables[firstBad] as TrackedVariable;
      return {
        ...base,
        stats: null,
        nonFinite: { what: 'weights', nodeId: bad.nodeId, message: `the update made ${bad.variable.name} non-finite (the step was undone)` },
      };
    }
    this.weightNorms = this.statsEvery === 1 ? norms.slice(2 * n) : null;
    const stats = vars.map((v, i) => ({
      name: v.name,
      nodeId: (this.variables[i] as TrackedVariable).nodeId,
      gradNorm: (gradNorms[i] as number) * scale,
      weightNorm: norms[i] as number,
      updateRatio: (norms[n + i] as number) / Math.max(norms[i] as number, 1e-12),
    }));
    return { ...base, stats, nonFinite: null };
  }

  /** A WGAN critic's constraint: every weight this phase updates clipped to [-c, c]. */
  private clipUpdatedWeights(): void {
    const c = this.phase?.clipWeights ?? null;
    if (c === null) return;
    tf.tidy(() => {
      for (const { variable } of this.variables) variable.assign(tf.clipByValue(variable, -c, c));
    });
  }

  /**
   * The first variable whose gradient is not finite, of the node nearest the loss (last in
   * topological order). A non-finite gradient spreads backwards to every node before the one where
   * it arose, so the first such node in graph order would nearly always be the first layer.
   */
  private nonFiniteGradient(gradNorms: readonly number[], gradNorm: number): { nodeId?: string; message: string } {
    const order = this.compiled.analysis.order;
    let bad: { variable: TrackedVariable; norm: number; rank: number } | null = null;
    for (let i = 0; i < gradNorms.length; i++) {
      const norm = gradNorms[i] as number;
      const variable = this.variables[i] as TrackedVariable;
      const rank = order.indexOf(variable.nodeId);
      if (!Number.isFinite(norm) && (bad === null || rank > bad.rank)) bad = { variable, norm, rank };
    }
    if (!bad) return { message: `the gradient norm became ${gradNorm}` };
    return { nodeId: bad.variable.nodeId, message: `the gradient of ${bad.variable.variable.name} became non-finite (norm ${bad.norm})` };
  }

  /**
   * Puts back the weights from before the last applied update: after a non-finite loss, those
   * are the weights that last gave a finite one. False when there is nothing to undo.
   */
  undoLastUpdate(): boolean {
    if (!this.previous) return false;
    this.restorePrevious();
    return true;
  }

  private restorePrevious(): void {
    const previous = this.previous;
    if (!previous) return;
    this.variables.forEach((v, i) => v.variable.assign(previous[i] as tf.Tensor));
    tf.dispose(previous);
    this.previous = null;
    this.weightNorms = null;
  }

  /**
   * When some weight is not finite, puts back the weights from before the last update (the last
   * finite ones) and says which variable broke; null when every weight is finite.
   */
  restoreIfNonFinite(): NonFiniteReport | null {
    return readSync(this.nonFiniteReads());
  }

  restoreIfNonFiniteAsync(): Promise<NonFiniteReport | null> {
    return readAsync(this.nonFiniteReads());
  }

  private *nonFiniteReads(): Reads<NonFiniteReport | null> {
    const flags = tf.tidy(() =>
      this.variables.length === 0 ? tf.zeros([0]) : tf.stack(this.variables.map((v) => tf.all(tf.isFinite(v.variable)))),
    );
    let finite: TypedValues;
    try {
      finite = yield flags;
    } finally {
      flags.dispose();
    }
    const firstBad = Array.from(finite).findIndex((f) => f === 0);
    if (firstBad < 0) return null;
    const bad = this.variables[firstBad] as TrackedVariable;
    const undone = this.previous !== null;
    this.restorePrevious();
    return {
      what: 'weights',
      nodeId: bad.nodeId,
      message: `the update made ${bad.variable.name} non-finite${undone ? ' (the step was undone)' : ''}`,
    };
  }

  /** Mean losses and metrics over the batches (weighted by batch size), in inference mode. */
  evaluate(batches: Iterable<FeedTensors>): EvaluationResult {
    return readSync(this.evaluateReads(batches));
  }

  /** `during` wraps the forward passes (a seeded scope makes sampling layers repeatable). */
  evaluateAsync(batches: Iterable<FeedTensors>, during?: <R>(fn: () => R) => R): Promise<EvaluationResult> {
    return readAsync(this.evaluateReads(batches), during);
  }

  private *evaluateReads(batches: Iterable<FeedTensors>): Reads<EvaluationResult> {
    let samples = 0;
    let lossSum = 0;
    const lossSums: Record<string, number> = {};
    const metricSums: Record<string, number> = {};
    for (const feeds of batches) {
      const size = (feeds[0] as tf.Tensor).shape[0] ?? 0;
      const metricNames: string[] = [];
      const packed = tf.tidy(() => {
        const outputs = this.forward(feeds, false);
        const penalties = new Map<string, tf.Scalar>();
        const terms = this.lossTerms(feeds, outputs, this.compiled.losses, false, penalties);
        const total = tf.addN(terms.map((t, i) => tf.mul(t, (this.compiled.losses[i] as LossBinding).weight)));
        const metrics = this.metricTensors(feeds, outputs, terms, this.compiled.losses, penalties);
        metricNames.push(...Object.keys(metrics));
        return tf.stack([total, ...terms, ...Object.values(metrics)]);
      });
      let v: TypedValues;
      try {
        v = yield packed;
      } finally {
        packed.dispose();
      }
      samples += size;
      lossSum += (v[0] as number) * size;
      this.compiled.losses.forEach((l, i) => (lossSums[l.nodeId] = (lossSums[l.nodeId] ?? 0) + (v[1 + i] as number) * size));
      metricNames.forEach((name, i) => (metricSums[name] = (metricSums[name] ?? 0) + (v[1 + this.compiled.losses.length + i] as number) * size));
    }
    const avg = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, x]) => [k, x / Math.max(samples, 1)]));
    return { loss: lossSum / Math.max(samples, 1), losses: avg(lossSums), metrics: avg(metricSums), samples };
  }

  /** Copies of all weights (trainable and not), e.g. the best checkpoint. */
  snapshotWeights(): tf.Tensor[] {
    return this.compiled.model.getWeights().map((w) => tf.keep(tf.clone(w)));
  }

  restoreWeights(weights: readonly tf.Tensor[]): void {
    this.compiled.model.setWeights([...weights]);
    this.weightNorms = null;
    if (this.previous) tf.dispose(this.previous);
    this.previous = null;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.previous) tf.dispose(this.previous);
    this.previous = null;
    this.optimizer.dispose();
    releasePenaltyTerms([...this.penalties.values()].map((p) => p.term));
  }
}
