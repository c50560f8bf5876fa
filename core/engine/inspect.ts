/**
 * Looking inside a model while it trains: node outputs with summary statistics, attention
 * weights, and full gradients on request. Everything runs in inference mode (no dropout, no
 * BatchNorm statistics update), applies no update and touches no optimizer state, and returns
 * plain typed arrays and numbers that a Web Worker can post.
 *
 * Inspection models (a tfjs model sharing the compiled model's layers, see `inspectionModel`) are
 * cached per compiled model and port set, because building one costs far more than running it.
 * They own no tensors: `disposeInspection` only drops them. (Calling `dispose()` on one would
 * dispose the shared layers' weights, i.e. the training model's.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphDocument, GraphNode } from '../graph/document';
import { portsWithRole } from '../graph/port-roles';
import { inspectionModel, nodeOfLayer, type CompiledGraph, type FeedTensors, type PortRef } from './compile';
import { weightedTotalLoss } from './gradient-flow';
import { freeingTapeOnThrow } from './tape';

/** Which saturation test applies to a tensor, from its node's activation parameter. */
export type Saturation = 'sigmoid' | 'tanh';

export interface Histogram {
  /** Lower edge of the first bin and upper edge of the last (the tensor's finite min and max). */
  min: number;
  max: number;
  /** Counts of the finite values per equal-width bin. */
  counts: number[];
}

export interface TensorSummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  histogram: Histogram;
  /** Share of values exactly 0 (after a ReLU: units that are off). */
  zeroShare: number;
  /**
   * After a ReLU: share of units (last axis) that are 0 for EVERY sample of the batch ("dead"
   * units); null for other activations.
   */
  deadUnitShare: number | null;
  /** Which test `saturatedShare` used; null when the node has no sigmoid/tanh activation. */
  saturation: Saturation | null;
  /** sigmoid: share of values < 0.01 or > 0.99; tanh: share with |x| > 0.99; null otherwise. */
  saturatedShare: number | null;
  /** NaN and ±Infinity values (excluded from every other statistic). */
  nonFinite: number;
}

export interface NodeOutput extends PortRef {
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
  summary: TensorSummary;
}

export interface NodeOutputsOptions {
  /** Histogram bins (default 20). */
  bins?: number;
}

export interface CachedModel {
  model: tfl.LayersModel;
  feeds: number[];
}

const cache = new WeakMap<CompiledGraph, Map<string, CachedModel>>();
/** Port sets kept per compiled model; the least recently used beyond this are dropped. */
const CACHE_LIMIT = 32;

/** The (cached) model whose outputs are these ports, and the feed indices of its inputs. */
export function cachedInspectionModel(compiled: CompiledGraph, graph: GraphDocument, ports: readonly PortRef[]): CachedModel {
  let models = cache.get(compiled);
  if (!models) {
    models = new Map();
    cache.set(compiled, models);
  }
  const key = ports.map((p) => `${p.nodeId}\u0000${p.port}`).join('\u0001');
  let entry = models.get(key);
  if (entry) {
    models.delete(key); // re-inserted below: Map order is recency order
  } else {
    entry = inspectionModel(compiled, graph, ports);
    if (models.size >= CACHE_LIMIT) models.delete(models.keys().next().value as string);
  }
  models.set(key, entry);
  return entry;
}

/** Drops the cached inspection models of a compiled model (they hold no tensors of their own). */
export function disposeInspection(compiled: CompiledGraph): void {
  cache.delete(compiled);
}

/** Runs an inspection model in inference mode; the caller owns (and disposes) the outputs. */
export function runInspection(compiled: CompiledGraph, graph: GraphDocument, ports: readonly PortRef[], feeds: FeedTensors): tf.Tensor[] {
  const { model, feeds: used } = cachedInspectionModel(compiled, graph, ports);
  const inputs = used.map((i) => {
    const t = feeds[i];
    if (!t) throw new Error(`inspection needs the feed of Input ${compiled.feeds[i]?.nodeId ?? i}`);
    return t;
  });
  const out = model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false });
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

function saturationOf(node: GraphNode | undefined): { relu: boolean; saturation: Saturation | null } {
  const activation = node?.params.activation;
  return {
    relu: activation === 'relu' || node?.type === 'ReLU',
    saturation: activation === 'sigmoid' ? 'sigmoid' : activation === 'tanh' ? 'tanh' : null,
  };
}

/** Summary statistics of one tensor's values (computed in one pass plus one for the histogram). */
export function summarize(
  values: ArrayLike<number>,
  shape: readonly number[],
  kind: { relu: boolean; saturation: Saturation | null },
  bins = 20,
): TensorSummary {
  const n = values.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let zeros = 0;
  let saturated = 0;
  let nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    if (v === 0) zeros++;
    if (kind.saturation === 'sigmoid' ? v < 0.01 || v > 0.99 : kind.saturation === 'tanh' ? Math.abs(v) > 0.99 : false) saturated++;
  }
  const finite = n - nonFinite;
  const mean = finite > 0 ? sum / finite : Number.NaN;
  let squares = 0;
  const counts = new Array<number>(Math.max(1, bins)).fill(0);
  const width = (max - min) / counts.length;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    squares += (v - mean) * (v - mean);
    const bin = width > 0 ? Math.min(counts.length - 1, Math.floor((v - min) / width)) : 0;
    counts[bin] = (counts[bin] as number) + 1;
  }
  let deadUnitShare: number | null = null;
  if (kind.relu && shape.length >= 2 && n > 0) {
    // Units are the last axis; a unit is dead when it is 0 at every sample and position.
    const units = shape[shape.length - 1] as number;
    const alive = new Uint8Array(units);
    for (let i = 0; i < n; i++) if ((values[i] as number) !== 0) alive[i % units] = 1;
    deadUnitShare = alive.reduce((a, v) => a + (v ? 0 : 1), 0) / units;
  }
  return {
    count: n,
    min: finite > 0 ? min : Number.NaN,
    max: finite > 0 ? max : Number.NaN,
    mean,
    std: finite > 0 ? Math.sqrt(squares / finite) : Number.NaN,
    histogram: { min: finite > 0 ? min : Number.NaN, max: finite > 0 ? max : Number.NaN, counts },
    zeroShare: finite > 0 ? zeros / finite : 0,
    deadUnitShare,
    saturation: kind.saturation,
    saturatedShare: kind.saturation ? (finite > 0 ? saturated / finite : 0) : null,
    nonFinite,
  };
}

/**
 * The values of the given node ports for a batch (e.g. one validation sample), with a summary of
 * each. `feeds` holds one tensor per `compiled.feeds` entry (only those the ports need are read).
 */
export function nodeOutputs(
  compiled: CompiledGraph,
  graph: GraphDocument,
  feeds: FeedTensors,
  ports: readonly PortRef[],
  options: NodeOutputsOptions = {},
): NodeOutput[] {
  if (ports.length === 0) return [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const outputs = tf.tidy(() => runInspection(compiled, graph, ports, feeds));
  try {
    return outputs.map((t, i) => {
      const port = ports[i] as PortRef;
      const dtype = t.dtype === 'int32' || t.dtype === 'bool' ? 'int32' : 'float32';
      const values = dtype === 'int32' ? Int32Array.from(t.dataSync()) : Float32Array.from(t.dataSync());
      const summary = summarize(values, t.shape, saturationOf(byId.get(port.nodeId)), options.bins ?? 20);
      return { nodeId: port.nodeId, port: port.port, shape: [...t.shape], dtype, values, summary };
    });
  } finally {
    tf.dispose(outputs);
  }
}

export interface AttentionMap {
  nodeId: string;
  type: string;
  /** weights[head][query step][source step]; each row sums to 1. */
  weights: number[][][];
}

/** The attention weights outputs of the model (ports with role 'attention'), in graph order. */
export function attentionOutputs(compiled: CompiledGraph): PortRef[] {
  return portsWithRole(compiled.analysis, 'attention').filter((ref) => compiled.nodeTensors.get(ref.nodeId)?.[ref.port] !== undefined);
}

function toNested(values: Float32Array, offset: number, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(values.subarray(offset + r * cols, offset + (r + 1) * cols)));
}

/**
 * The attention weights of every attention node for sample `sample` of the batch, per head:
 * [heads][Tq][Tv] (one head for Attention's [batch, Tq, Tv]).
 */
export function attentionWeights(compiled: CompiledGraph, graph: GraphDocument, feeds: FeedTensors, sample = 0): AttentionMap[] {
  const refs = attentionOutputs(compiled);
  if (refs.length === 0) return [];
  const types = new Map(graph.nodes.map((n) => [n.id, n.type]));
  const outputs = tf.tidy(() => runInspection(compiled, graph, refs, feeds));
  try {
    return outputs.map((t, i) => {
      const shape = t.shape;
      const batch = shape[0] as number;
      if (sample < 0 || sample >= batch) throw new Error(`attentionWeights: sample ${sample} is outside the batch of ${batch}`);
      const [heads, tq, tv] = shape.length === 4 ? (shape.slice(1) as [number, number, number]) : [1, shape[1] as number, shape[2] as number];
      const per = heads * tq * tv;
      const values = t.dataSync() as Float32Array;
      const weights = Array.from({ length: heads }, (_, h) => toNested(values, sample * per + h * tq * tv, tq, tv));
      const nodeId = (refs[i] as PortRef).nodeId;
      return { nodeId, type: types.get(nodeId) ?? '', weights };
    });
  } finally {
    tf.dispose(outputs);
  }
}

/** What computes the loss: a Trainer (its own forward and loss terms) or the compiled graph. */
export interface LossSource {
  readonly compiled: CompiledGraph;
  forward(feeds: FeedTensors, training: boolean): tf.Tensor[];
  lossTerms(feeds: FeedTensors, outputs: readonly tf.Tensor[]): tf.Scalar[];
}

export interface VariableGradient {
  /** tfjs variable name, e.g. `hidden/kernel`. */
  name: string;
  /** The graph node owning the variable ('' if none matches). */
  nodeId: string;
  shape: number[];
  values: Float32Array;
  norm: number;
}

export interface FullGradients {
  /** The weighted total loss of the batch. */
  loss: number;
  gradients: VariableGradient[];
}

function isLossSource(source: LossSource | CompiledGraph): source is LossSource {
  return typeof (source as Partial<LossSource>).lossTerms === 'function';
}

/**
 * The gradient of the weighted total loss with respect to every trainable variable, for one
 * batch, in inference mode. Nothing is applied: weights and optimizer state stay as they are.
 */
export function fullGradients(source: LossSource | CompiledGraph, feeds: FeedTensors): FullGradients {
  const compiled = isLossSource(source) ? source.compiled : source;
  if (compiled.losses.length === 0) throw new Error('fullGradients: the graph has no loss');
  const owners = compiled.model.layers.flatMap((layer) => layer.trainableWeights.map(() => nodeOfLayer(compiled, layer.name) ?? ''));
  const variables = compiled.model.layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  const total = (): tf.Scalar =>
    isLossSource(source)
      ? tf.tidy(() => {
          const terms = source.lossTerms(feeds, source.forward(feeds, false));
          return tf.addN(terms.map((t, i) => tf.mul(t, compiled.losses[i]?.weight ?? 1))) as tf.Scalar;
        })
      : weightedTotalLoss(compiled, feeds, (() => {
          const inputs = compiled.modelInputs.map((i) => feeds[i] as tf.Tensor);
          const out = compiled.model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false });
          return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
        })());
  const { value, grads } = freeingTapeOnThrow(() => tf.variableGrads(total, variables));
  try {
    const loss = value.dataSync()[0] as number;
    const gradients = variables.map((v, i) => {
      const g = grads[v.name];
      const values = g ? Float32Array.from(g.dataSync()) : new Float32Array(v.size);
      let sq = 0;
      for (const x of values) sq += x * x;
      return { name: v.name, nodeId: owners[i] ?? '', shape: [...v.shape], values, norm: Math.sqrt(sq) };
    });
    return { loss, gradients };
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}
