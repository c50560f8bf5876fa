/**
 * Gradient flow along the graph's edges: for a batch, the norm of dL/d(activation) for every node
 * output port, where L is the weighted total loss the trainer minimises.
 *
 * How: a model compiled with `compileWithGradientProbes` has an identity layer after every layer
 * node's output port. The identity has a custom gradient that, while a collector is attached,
 * records the squared norm of the gradient arriving at it (dy) and passes dy through unchanged.
 * Every consumer of the port (downstream nodes and losses) reads the probe's output, so dy is the
 * total derivative of the loss with respect to that port. One forward + backward pass fills the
 * collector. Input nodes need no probe: their gradient is taken directly with respect to the fed
 * tensor (float inputs only; token ids have no gradient).
 *
 * The probes have no weights and leave values unchanged, so a probed model trains exactly like a
 * clean one. Saved or exported models should not contain them: `copyWeightsByLayerName` moves the
 * weights of a probed model into a clean `compileGraph` of the same graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '../catalogue/decl';
import type { GraphDocument } from '../graph/document';
import { mixSeed } from '../data/random';
import { compileGraph, type CompileOptions, type CompiledGraph, type FeedTensors, type LossBinding } from './compile';
import { SeededScope } from './seeded';
import { freeingTapeOnThrow } from './tape';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Where the probes write during one backward pass: squared gradient norms by probe layer name. */
class ProbeCollector {
  private readonly squares = new Map<string, tf.Scalar[]>();

  record(probe: string, dy: tf.Tensor): void {
    const list = this.squares.get(probe) ?? [];
    // The backward pass runs inside a tidy; keep the one scalar we read afterwards.
    list.push(tf.keep(tf.sum(tf.square(tf.cast(dy, 'float32')))));
    this.squares.set(probe, list);
  }

  /** Gradient norm per probe (summing over repeated applications), and frees the scalars. */
  read(): Map<string, number> {
    const names = [...this.squares.keys()];
    const out = new Map<string, number>();
    if (names.length === 0) return out;
    const packed = tf.tidy(() => tf.stack(names.map((n) => tf.addN(this.squares.get(n) as tf.Scalar[]))));
    const values = packed.dataSync();
    packed.dispose();
    names.forEach((n, i) => out.set(n, Math.sqrt(values[i] as number)));
    this.dispose();
    return out;
  }

  dispose(): void {
    for (const list of this.squares.values()) tf.dispose(list);
    this.squares.clear();
  }
}

export interface GradientProbeLayerArgs extends LayerArgs {
  nodeId: string;
  port: string;
}

/** Identity in value; records ||dy|| when a collector is attached (see the module comment). */
export class GradientProbeLayer extends tfl.layers.Layer {
  static readonly className = 'NetwrightGradientProbe';
  readonly nodeId: string;
  readonly port: string;
  /** Set only for the duration of a `gradientFlow` pass; never serialized. */
  collector: ProbeCollector | null = null;

  constructor(args: GradientProbeLayerArgs) {
    super(args);
    this.nodeId = args.nodeId;
    this.port = args.port;
    this.supportsMasking = true; // passes a Keras mask (e.g. from Embedding maskZero) through unchanged
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const collector = this.collector;
    if (!collector || x.dtype !== 'float32') return tf.clone(x);
    const name = this.name;
    const probe = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => {
        collector.record(name, dy);
        return dy;
      },
    }));
    return probe(x) as tf.Tensor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), nodeId: this.nodeId, port: this.port };
  }
}
tf.serialization.registerClass(GradientProbeLayer);

/** The probe after one output port: `${layerName}__grad_${port}` (unique, tfjs-safe). */
function probeName(layerName: string, port: string): string {
  return `${layerName}__grad_${port}`;
}

const insertProbe: NonNullable<CompileOptions['wrapOutput']> = (tensor, at) =>
  new GradientProbeLayer({ name: probeName(at.layerName, at.port), nodeId: at.nodeId, port: at.port }).apply(tensor) as SymbolicTensor;

/** `compileGraph` with a gradient probe after every layer node's output port. */
export function compileWithGradientProbes(graph: GraphDocument, options: Omit<CompileOptions, 'wrapOutput'> = {}): CompiledGraph {
  return compileGraph(graph, { ...options, wrapOutput: insertProbe });
}

/**
 * Like `compileSeeded` (run.ts), with probes: the same seed gives the same initial weights as the
 * clean compile, because the probes draw no random numbers.
 */
export function compileSeededWithGradientProbes(graph: GraphDocument): CompiledGraph {
  return new SeededScope(mixSeed(graph.training.seed, 0x1417)).run(() => compileWithGradientProbes(graph));
}

/** The probe of every layer node port, including ports the model does not use (e.g. unwired attention weights). */
export function probeLayers(compiled: CompiledGraph): GradientProbeLayer[] {
  const out: GradientProbeLayer[] = [];
  for (const ports of compiled.nodeTensors.values()) {
    for (const t of Object.values(ports)) if (t.sourceLayer instanceof GradientProbeLayer) out.push(t.sourceLayer);
  }
  return out;
}

/**
 * Copies every weight of `from` into the layer of the same name in `to` (e.g. a probed model's
 * trained weights into a clean model for export). Throws when a layer with weights has no
 * counterpart or the shapes differ, so a partial copy never passes silently.
 */
export function copyWeightsByLayerName(from: tfl.LayersModel, to: tfl.LayersModel): number {
  const target = new Map(to.layers.map((l) => [l.name, l]));
  let copied = 0;
  for (const layer of from.layers) {
    // getWeights returns the variables themselves (not copies): never dispose them here.
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const other = target.get(layer.name);
    if (!other) throw new Error(`copyWeightsByLayerName: the target model has no layer "${layer.name}"`);
    const shapes = other.weights.map((w) => w.shape.join('x'));
    if (shapes.length !== weights.length || weights.some((w, i) => w.shape.join('x') !== shapes[i])) {
      throw new Error(`copyWeightsByLayerName: layer "${layer.name}" has weights ${weights.map((w) => w.shape.join('x')).join(', ')} but the target has ${shapes.join(', ')}`);
    }
    other.setWeights(weights);
    copied += weights.length;
  }
  return copied;
}

/**
 * A probe-free compile of the graph carrying the probed model's current weights: what to save or
 * export. (It runs the initializers once more before the copy; for large LSTMs on the cpu backend
 * the orthogonal initializer makes that take seconds.)
 */
export function cleanCopy(graph: GraphDocument, probed: CompiledGraph): CompiledGraph {
  const clean = compileGraph(graph);
  copyWeightsByLayerName(probed.model, clean.model);
  return clean;
}

export interface PortGradient {
  nodeId: string;
  port: string;
  /** ||dL/d(output of this port)|| over the whole batch; null when no gradient reaches it. */
  norm: number | null;
}

export interface EdgeGradient {
  edgeId: string;
  source: { node: string; port: string };
  target: { node: string; port: string };
  /** The norm at the edge's source port (an edge carries its source's activation). */
  norm: number | null;
}

export interface GradientFlow {
  /** The weighted total loss of the batch. */
  loss: number;
  ports: PortGradient[];
  edges: EdgeGradient[];
}

export interface GradientFlowOptions {
  /**
   * Forward in training mode (dropout active). Off by default: in training mode BatchNorm layers
   * update their moving statistics, which an inspection must not do.
   */
  training?: boolean;
}

function modelOutputs(compiled: CompiledGraph, feeds: FeedTensors, training: boolean): tf.Tensor[] {
  const inputs = compiled.modelInputs.map((i) => feeds[i] as tf.Tensor);
  const result = compiled.model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training });
  return Array.isArray(result) ? (result as tf.Tensor[]) : [result as tf.Tensor];
}

/** The weighted total loss, as `Trainer.trainStep` computes it. */
export function weightedTotalLoss(compiled: CompiledGraph, feeds: FeedTensors, outputs: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const terms = compiled.losses.map((loss: LossBinding) => {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [port, source] of Object.entries(loss.sources)) {
        tensors[port] = (source.kind === 'feed' ? feeds[source.feed] : outputs[source.output]) as tf.Tensor;
      }
      return tf.mul(loss.decl.compute(tensors, loss.params as never), loss.weight);
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

const differentiable = new WeakMap<CompiledGraph, number[]>();

/**
 * Indices of the float feeds the loss can be differentiated by. A float Input may reach the loss
 * only through ops without a gradient (a padding mask compared with 0.5): tfjs then refuses the
 * whole backward pass, so such feeds are found once per model, by trying each alone, and skipped.
 */
function differentiableFeeds(compiled: CompiledGraph, feeds: FeedTensors, total: () => tf.Scalar): number[] {
  const known = differentiable.get(compiled);
  if (known) return known;
  const candidates = compiled.feeds.flatMap((f, i) => (f.dtype === 'float32' && feeds[i] ? [i] : []));
  const tryGradient = (indices: number[]): boolean => {
    try {
      const { value, grads } = freeingTapeOnThrow(() => tf.engine().gradients(total, indices.map((i) => feeds[i] as tf.Tensor), undefined, true));
      tf.dispose([value, ...grads.filter((g): g is tf.Tensor => g != null)]);
      return true;
    } catch (error) {
      // (The abandoned tape held thousands of tensors for a seq2seq: freeingTapeOnThrow frees them.)
      if (error instanceof Error && /gradient function not found/i.test(error.message)) return false;
      throw error;
    }
  };
  const usable = candidates.length === 0 || tryGradient(candidates) ? candidates : candidates.filter((i) => tryGradient([i]));
  differentiable.set(compiled, usable);
  return usable;
}

/**
 * Gradient norms of the total loss with respect to every node output port, for one batch, and
 * per edge. Needs a model from `compileWithGradientProbes`. Changes no weight and no optimizer
 * state (nothing is applied); all tensors it makes are disposed.
 */
export function gradientFlow(compiled: CompiledGraph, graph: GraphDocument, feeds: FeedTensors, options: GradientFlowOptions = {}): GradientFlow {
  if (compiled.losses.length === 0) throw new Error('gradientFlow: the graph has no loss');
  const probes = probeLayers(compiled);
  if (probes.length === 0) throw new Error('gradientFlow: the model has no gradient probes; compile it with compileWithGradientProbes');
  const collector = new ProbeCollector();
  const variables = compiled.model.trainableWeights.map((w) => w.read());
  const total = () => weightedTotalLoss(compiled, feeds, modelOutputs(compiled, feeds, options.training ?? false));
  // Float feeds are differentiated directly: the Input nodes' own gradients.
  const usable = differentiableFeeds(compiled, feeds, total);
  const floatFeeds = [...new Set(usable.map((i) => feeds[i]).filter((t): t is tf.Tensor => t !== undefined))];
  const sources = [...variables, ...floatFeeds];
  const feedNorms = new Map<tf.Tensor, number | null>();
  probes.forEach((p) => (p.collector = collector));
  const { lossValue, portNorms } = (() => {
    try {
      const { value, grads } = freeingTapeOnThrow(() => tf.engine().gradients(total, sources, undefined, true));
      const feedGrads = grads.slice(variables.length);
      const packed = tf.tidy(() =>
        tf.stack([value, ...feedGrads.map((g) => (g ? tf.sqrt(tf.sum(tf.square(g))) : tf.scalar(Number.NaN)))]),
      );
      const values = packed.dataSync();
      tf.dispose([packed, value, ...grads.filter((g): g is tf.Tensor => g != null)]);
      floatFeeds.forEach((t, i) => feedNorms.set(t, feedGrads[i] ? (values[1 + i] as number) : null));
      return { lossValue: values[0] as number, portNorms: collector.read() };
    } finally {
      probes.forEach((p) => (p.collector = null));
      collector.dispose();
    }
  })();

  const ports: PortGradient[] = [];
  const byPort = new Map<string, number | null>();
  const key = (node: string, port: string) => `${node}\u0000${port}`;
  compiled.feeds.forEach((f, i) => {
    const t = feeds[i] as tf.Tensor;
    const norm = usable.includes(i) ? (feedNorms.get(t) ?? null) : null;
    byPort.set(key(f.nodeId, 'out'), norm);
    ports.push({ nodeId: f.nodeId, port: 'out', norm });
  });
  for (const probe of probes) {
    const norm = portNorms.get(probe.name) ?? null;
    byPort.set(key(probe.nodeId, probe.port), norm);
    ports.push({ nodeId: probe.nodeId, port: probe.port, norm });
  }
  const edges = graph.edges.map((e) => ({
    edgeId: e.id,
    source: { node: e.source.node, port: e.source.port },
    target: { node: e.target.node, port: e.target.port },
    norm: byPort.get(key(e.source.node, e.source.port)) ?? null,
  }));
  return { loss: lossValue, ports, edges };
}
