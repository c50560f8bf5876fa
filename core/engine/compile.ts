/**
 * Graph -> tfjs functional model. Each node's declaration builds its own layers; the compiler only
 * wires them in topological order and works out which Input nodes are model inputs and which only
 * feed losses (labels), and which tensors the losses need from the model.
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LossDecl, SymbolicTensor } from '../catalogue/decl';
import { analyzeGraph, type AnalyzeOptions, type GraphAnalysis, type GraphIssue } from '../graph/analyze';
import type { GraphDocument, GraphNode } from '../graph/document';
import { reachable } from '../graph/reach';
import { nodeDisplayName } from '../graph/summary';
import type { Shape } from '../shapes/shape';

export class CompileError extends Error {
  constructor(readonly issues: readonly GraphIssue[]) {
    super(
      `the graph has ${issues.length} error${issues.length === 1 ? '' : 's'}: ${issues
        .slice(0, 3)
        .map((i) => i.message)
        .join('; ')}${issues.length > 3 ? '; ...' : ''}`,
    );
    this.name = 'CompileError';
  }
}

/** One tensor per entry of `compiled.feeds`, in that order (a batch). */
export type FeedTensors = readonly tf.Tensor[];

/** One output port of a graph node. */
export interface PortRef {
  nodeId: string;
  port: string;
}

/** An Input node and what feeds it. */
export interface FeedSpec {
  nodeId: string;
  /** Dataset feature bound to it ('' when unbound). */
  feature: string;
  shape: Shape;
  dtype: 'float32' | 'int32';
}

/** Where a loss port's tensor comes from: a feed directly (a label), or a model output. */
export type TensorSource = { kind: 'feed'; feed: number } | { kind: 'output'; output: number };

export interface LossBinding {
  nodeId: string;
  name: string;
  decl: LossDecl;
  params: Record<string, unknown>;
  weight: number;
  sources: Record<string, TensorSource>;
}

export interface CompiledGraph {
  /** The network: `modelInputs` feeds in order -> `outputs`. */
  model: tfl.LayersModel;
  /** All Input nodes that the model or a loss uses. */
  feeds: FeedSpec[];
  /** Indices into `feeds` of the model's inputs, in the model's input order. */
  modelInputs: number[];
  /** Node and port of each model output, in the model's output order. */
  outputs: { nodeId: string; port: string }[];
  losses: LossBinding[];
  /** The symbolic output of every layer node, by node id and port (for inspection models). */
  nodeTensors: ReadonlyMap<string, Readonly<Record<string, SymbolicTensor>>>;
  /** tfjs layer name base of each node. */
  layerNames: ReadonlyMap<string, string>;
  analysis: GraphAnalysis;
}

/** A tfjs-safe, unique layer name per node. */
function layerNames(nodes: readonly GraphNode[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const node of nodes) {
    let base = nodeDisplayName(node).replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z]/.test(base)) base = `n_${base}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    out.set(node.id, name);
  }
  return out;
}

export interface CompileOptions extends AnalyzeOptions {
  /**
   * Called with each layer node's output tensor per port; what it returns is what downstream
   * nodes, losses and inspection read. Must be an identity in value (gradient probes use it).
   * Default: no wrapping, the model is exactly the graph's layers.
   */
  wrapOutput?: (tensor: SymbolicTensor, at: { nodeId: string; port: string; layerName: string }) => SymbolicTensor;
  /** The model's outputs, in order (a sub-model's); default: what the losses read, else the sinks. */
  outputs?: readonly { nodeId: string; port: string }[];
}

/**
 * The graph node a tfjs layer (or one of its weights' layer names) was built for: the compiler
 * names layers after nodes, and tfjs may add a `_n` suffix; the longest matching base wins.
 */
export function nodeOfLayer(compiled: Pick<CompiledGraph, 'layerNames'>, layerName: string): string | null {
  let best: string | null = null;
  let bestLength = -1;
  for (const [nodeId, base] of compiled.layerNames) {
    if ((layerName === base || layerName.startsWith(`${base}_`)) && base.length > bestLength) {
      best = nodeId;
      bestLength = base.length;
    }
  }
  return best;
}

export function compileGraph(graph: GraphDocument, options: CompileOptions = {}): CompiledGraph {
  const analysis = analyzeGraph(graph, options);
  const errors = analysis.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new CompileError(errors);
  if (graph.nodes.length === 0) throw new CompileError([{ severity: 'error', message: 'the graph is empty' }]);

  const names = layerNames(graph.nodes);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const nodeTensors = new Map<string, Record<string, SymbolicTensor>>();
  const feeds: FeedSpec[] = [];
  const feedIndex = new Map<string, number>();
  const losses: LossBinding[] = [];
  const lossNodes: GraphNode[] = [];
  // Shared weights: the owner is built once as a sub-model, applied wherever the owner or a node
  // sharing its weights stands, so all of them use one set of variables.
  const ownersWithMembers = new Set<string>();
  for (const r of analysis.nodes.values()) if (r.sharedFrom !== undefined) ownersWithMembers.add(r.sharedFrom);
  const sharedModels = new Map<string, { model: tfl.LayersModel; ports: string[]; uses: number }>();

  /** Applies the owner's sub-model (built at its first use, on that use's input shapes and dtypes). */
  function applyShared(ownerId: string, portNames: readonly string[], inputs: Readonly<Record<string, SymbolicTensor[]>>): Record<string, SymbolicTensor> {
    let shared = sharedModels.get(ownerId);
    if (!shared) {
      const ownerNode = byId.get(ownerId) as GraphNode;
      const ownerDecl = analysis.nodes.get(ownerId)?.decl;
      if (!ownerDecl || ownerDecl.kind === 'loss') throw new CompileError([{ severity: 'error', nodeId: ownerId, message: `${nodeDisplayName(ownerNode)} has no weights to share` }]);
      const name = names.get(ownerId) as string;
      const placeholders: Record<string, SymbolicTensor[]> = {};
      const flat: SymbolicTensor[] = [];
      for (const port of portNames) {
        placeholders[port] = (inputs[port] ?? []).map((t, k) => {
          const p = tfl.input({ shape: t.shape.slice(1), dtype: t.dtype, name: `${name}_shared_in_${port}_${k}` });
          flat.push(p);
          return p;
        });
      }
      const built = ownerDecl.build({ params: ownerNode.params as never, name, inputs: placeholders });
      const ports = Object.keys(built);
      shared = { model: tfl.model({ inputs: flat, outputs: ports.map((p) => built[p] as SymbolicTensor), name: `${name}_shared` }), ports, uses: 0 };
      sharedModels.set(ownerId, shared);
    }
    const flatInputs = portNames.flatMap((p) => inputs[p] ?? []);
    const out = shared.model.apply(flatInputs.length === 1 ? (flatInputs[0] as SymbolicTensor) : flatInputs);
    shared.uses++;
    const list = (Array.isArray(out) ? out : [out]) as SymbolicTensor[];
    return Object.fromEntries(shared.ports.map((p, i) => [p, list[i] as SymbolicTensor]));
  }

  for (const id of analysis.order) {
    const node = byId.get(id) as GraphNode;
    const result = analysis.nodes.get(id);
    const decl = result?.decl;
    if (!result || !decl) continue;
    if (decl.kind === 'loss') {
      lossNodes.push(node);
      continue;
    }
    const inputs: Record<string, SymbolicTensor[]> = {};
    for (const port of result.inputPorts) inputs[port.name] = [];
    for (const edge of graph.edges) {
      if (edge.target.node !== id) continue;
      const source = nodeTensors.get(edge.source.node)?.[edge.source.port];
      if (source) inputs[edge.target.port]?.push(source);
    }
    let params = node.params as Record<string, unknown>;
    if (decl.kind === 'input') {
      // The analysed shape already includes a dataset binding.
      const shape = (result.outputs.out ?? []).slice(1);
      params = { ...params, shape };
      feedIndex.set(id, feeds.length);
      feeds.push({
        nodeId: id,
        feature: String(params.feature ?? ''),
        shape: result.outputs.out ?? [],
        dtype: params.dtype === 'int32' ? 'int32' : 'float32',
      });
    }
    const owner = result.sharedFrom ?? (ownersWithMembers.has(id) ? id : undefined);
    const built =
      owner !== undefined && decl.kind === 'layer'
        ? applyShared(owner, result.inputPorts.map((p) => p.name), inputs)
        : decl.build({ params: params as never, name: names.get(id) as string, inputs });
    const wrap = options.wrapOutput;
    if (wrap && decl.kind === 'layer') {
      for (const port of Object.keys(built)) {
        built[port] = wrap(built[port] as SymbolicTensor, { nodeId: id, port, layerName: names.get(id) as string });
      }
    }
    nodeTensors.set(id, built);
  }

  // The model's outputs: whatever the losses read from layers; without losses, the sink nodes.
  const outputs: { nodeId: string; port: string }[] = [];
  const outputKey = new Map<string, number>();
  const addOutput = (nodeId: string, port: string): number => {
    const key = `${nodeId}\u0000${port}`;
    const existing = outputKey.get(key);
    if (existing !== undefined) return existing;
    outputs.push({ nodeId, port });
    outputKey.set(key, outputs.length - 1);
    return outputs.length - 1;
  };
  for (const node of lossNodes) {
    const decl = analysis.nodes.get(node.id)?.decl as LossDecl;
    const sources: Record<string, TensorSource> = {};
    for (const edge of graph.edges) {
      if (edge.target.node !== node.id) continue;
      const feed = feedIndex.get(edge.source.node);
      sources[edge.target.port] =
        feed !== undefined ? { kind: 'feed', feed } : { kind: 'output', output: addOutput(edge.source.node, edge.source.port) };
    }
    losses.push({
      nodeId: node.id,
      name: names.get(node.id) as string,
      decl,
      params: node.params,
      weight: Number(node.params.weight ?? 1),
      sources,
    });
  }
  for (const o of options.outputs ?? []) {
    if (!nodeTensors.get(o.nodeId)?.[o.port]) throw new CompileError([{ severity: 'error', nodeId: o.nodeId, message: `node "${o.nodeId}" has no output "${o.port}" to return` }]);
    addOutput(o.nodeId, o.port);
  }
  if (outputs.length === 0) {
    const fed = new Set(graph.edges.map((e) => e.source.node));
    for (const id of analysis.order) {
      const decl = analysis.nodes.get(id)?.decl;
      if (decl && decl.kind === 'layer' && !fed.has(id)) {
        for (const port of Object.keys(nodeTensors.get(id) ?? {})) addOutput(id, port);
      }
    }
  }
  if (outputs.length === 0) throw new CompileError([{ severity: 'error', message: 'the graph has no layer to compute' }]);

  const needed = reachable(graph, outputs.map((o) => o.nodeId), 'up');
  const modelInputs = feeds.map((f, i) => ({ f, i })).filter(({ f }) => needed.has(f.nodeId)).map(({ i }) => i);
  const model = tfl.model({
    inputs: modelInputs.map((i) => (nodeTensors.get((feeds[i] as FeedSpec).nodeId) as Record<string, SymbolicTensor>).out as SymbolicTensor),
    outputs: outputs.map((o) => (nodeTensors.get(o.nodeId) as Record<string, SymbolicTensor>)[o.port] as SymbolicTensor),
    name: (graph.metadata.name || 'model').replace(/[^A-Za-z0-9_]/g, '_'),
  });
  // tfjs counts each application of a nested model and frees its weights when the count reaches
  // 0, but the outer model's dispose() takes off two (as for a model applied once): the other
  // applications are listed again so that disposing the model frees the shared weights too.
  for (const shared of sharedModels.values()) {
    for (let i = 1; i < shared.uses; i++) (model as unknown as tfl.LayersModel & { internalContainerRefs: unknown[] }).internalContainerRefs.push(shared.model);
  }
  return { model, feeds, modelInputs, outputs, losses, nodeTensors, layerNames: names, analysis };
}

/**
 * A model sharing the compiled model's layers (and so its weights) whose outputs are the given
 * node ports: what inspection reads activations and attention weights from. `feeds` are the
 * indices into `compiled.feeds` of its inputs, in order.
 */
export function inspectionModel(
  compiled: CompiledGraph,
  graph: GraphDocument,
  ports: readonly { nodeId: string; port: string }[],
): { model: tfl.LayersModel; feeds: number[] } {
  const needed = reachable(graph, ports.map((p) => p.nodeId), 'up');
  const feeds = compiled.feeds.map((f, i) => ({ f, i })).filter(({ f }) => needed.has(f.nodeId)).map(({ i }) => i);
  const inputs = feeds.map((i) => (compiled.nodeTensors.get((compiled.feeds[i] as FeedSpec).nodeId) as Record<string, SymbolicTensor>).out as SymbolicTensor);
  const outputs = ports.map((p) => {
    const t = compiled.nodeTensors.get(p.nodeId)?.[p.port];
    if (!t) throw new Error(`node ${p.nodeId} has no output "${p.port}" to inspect`);
    return t;
  });
  return { model: tfl.model({ inputs, outputs }), feeds };
}
