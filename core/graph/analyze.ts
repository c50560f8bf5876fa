/**
 * Shape inference over the whole graph: every edge gets a shape, every node its parameter count
 * and its errors. Pure and never throwing; a node's result is reused while the node object and the
 * shapes reaching it are unchanged, so an edit (or a trial connection) costs only what it touches.
 */
import { portsOf, type NodeDecl, type ParamCount, type PortSpec, type ShapeContext } from '../catalogue/decl';
import { getDecl } from '../catalogue/registry';
import { formatShape, ShapeError, shapesEqual, type Shape } from '../shapes/shape';
import type { GraphDocument, GraphEdge, GraphNode } from './document';
import { datasetFeatureResolver, datasetOptionIssues } from './dataset-binding';
import { phaseIssues } from './phases';
import { applyWeightSharing } from './sharing';
import { submodelIssues } from './submodels';
import type { FeatureResolver, GraphAnalysis, GraphIssue, NodeAnalysis } from './analysis-types';

export type { FeatureResolver, GraphAnalysis, GraphIssue, NodeAnalysis } from './analysis-types';

export interface AnalyzeOptions {
  /** Defaults to the bundled datasets' specs. */
  resolveFeature?: FeatureResolver;
  /** Bytes a graph may need to train; defaults to `TRAINING_MEMORY_BUDGET_BYTES`. */
  memoryBudgetBytes?: number;
}

/**
 * What a graph may need to train: 4 GiB, the most a wasm32 heap or a browser tab's GPU memory
 * reliably gives tfjs. A graph over it is refused before compiling rather than crashing there.
 */
export const TRAINING_MEMORY_BUDGET_BYTES = 4 * 1024 ** 3;

/** float32 weights, their gradients and up to two optimizer slots (Adam's moments). */
const BYTES_PER_PARAMETER = 4 * 4;
/** float32 activations and their gradients in the backward pass. */
const BYTES_PER_ACTIVATION = 4 * 2;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more than can be counted';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3)} ${units[unit]}`;
}

/** Elements of one sample's activations for a node (symbolic dimensions count as 1). */
function activationElements(outputs: Readonly<Record<string, Shape>>): number {
  let total = 0;
  for (const shape of Object.values(outputs)) total += shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
  return total;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** An error on the node needing the most memory when the graph's estimate is over the budget. */
function memoryIssue(graph: GraphDocument, results: ReadonlyMap<string, NodeAnalysis>, budget: number): GraphIssue | null {
  const batch = graph.training.batchSize;
  let total = 0;
  let largest: { node: GraphNode; parameters: number; bytes: number; weightBytes: number; activationBytes: number } | null = null;
  for (const r of results.values()) {
    const parameters = finiteOr(r.params.trainable + r.params.nonTrainable, Number.POSITIVE_INFINITY);
    const weightBytes = parameters * BYTES_PER_PARAMETER;
    const activationBytes = finiteOr(activationElements(r.outputs), Number.POSITIVE_INFINITY) * batch * BYTES_PER_ACTIVATION;
    const bytes = weightBytes + activationBytes;
    total += bytes;
    if (!largest || bytes > largest.bytes) largest = { node: r.node, parameters, bytes, weightBytes, activationBytes };
  }
  if (!largest || total <= budget) return null;
  const detail =
    `training needs about ${formatBytes(largest.bytes)} here (${largest.parameters.toLocaleString('en-US')} parameters: ` +
    `${formatBytes(largest.weightBytes)} with gradients and optimizer state; activations at batch ${batch.toLocaleString('en-US')}: ` +
    `${formatBytes(largest.activationBytes)}); the graph needs about ${formatBytes(total)}, over the memory budget of ` +
    `${formatBytes(budget)}. Make this layer smaller or lower the batch size.`;
  return nodeIssue(largest.node, 'error', detail);
}

const ZERO: ParamCount = { trainable: 0, nonTrainable: 0 };

interface CacheEntry {
  key: string;
  result: Omit<NodeAnalysis, 'node'>;
}

function describeNode(node: GraphNode): string {
  return node.name ? `${node.name} (${node.type})` : node.type;
}

/** An issue about a node: `message` names the node once (no "Dense: Dense expects..."). */
function nodeIssue(
  node: GraphNode,
  severity: GraphIssue['severity'],
  detail: string,
  extra: Partial<Pick<GraphIssue, 'port' | 'edgeId'>> = {},
): GraphIssue {
  const label = detail.startsWith(`${node.type} `) ? (node.name ?? node.id) : describeNode(node);
  return { severity, nodeId: node.id, ...extra, message: `${label}: ${detail}`, detail };
}

function shapeKey(inputs: Record<string, Shape[]>, extra: string): string {
  return `${extra}|${JSON.stringify(inputs)}`;
}

function evaluateNode(
  node: GraphNode,
  decl: NodeDecl,
  inputs: Record<string, Shape[]>,
  inputPorts: readonly PortSpec[],
  outputPorts: readonly PortSpec[],
  precheckIssues: GraphIssue[],
): Omit<NodeAnalysis, 'node'> {
  const base = { decl, inputPorts, outputPorts, inputs };
  const issues = [...precheckIssues];
  for (const port of inputPorts) {
    const wired = inputs[port.name]?.length ?? 0;
    if (wired === 0 && !port.optional) {
      issues.push(nodeIssue(node, 'error', `input "${port.name}" is not connected`, { port: port.name }));
    }
  }
  if (issues.some((i) => i.severity === 'error')) return { ...base, outputs: {}, params: ZERO, flops: 0, issues };
  const ctx: ShapeContext<Record<string, unknown>> = { params: node.params, inputs };
  try {
    if (decl.kind === 'loss') {
      decl.checkShapes(ctx as never);
      return { ...base, outputs: {}, params: ZERO, flops: 0, issues };
    }
    const outputs = decl.inferShapes(ctx as never);
    const params = decl.countParams(ctx as never);
    const flops = decl.flops?.({ ...ctx, outputs } as never) ?? 0;
    return { ...base, outputs, params, flops, issues };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const port = err instanceof ShapeError ? err.port : undefined;
    // A rule that throws something else is a bug in the catalogue; still report, never crash.
    const text = err instanceof ShapeError ? message : `internal error in the ${decl.type} shape rule: ${message}`;
    issues.push(nodeIssue(node, 'error', text, port ? { port } : {}));
    return { ...base, outputs: {}, params: ZERO, flops: 0, issues };
  }
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

/** Finds the nodes on cycles and returns a topological order of the rest (Kahn). */
function topologicalOrder(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
): { order: string[]; cyclic: Set<string>; downstream: Set<string> } {
  const indegree = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const successors = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    if (!indegree.has(e.source.node) || !indegree.has(e.target.node)) continue;
    indegree.set(e.target.node, (indegree.get(e.target.node) ?? 0) + 1);
    successors.get(e.source.node)?.push(e.target.node);
  }
  // Among the nodes that are ready, the one earliest in the document goes first, so the order
  // is the document's own wherever the wires allow (as Keras lists layers in creation order).
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const ready = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => index.get(n.id) as number);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = (nodes[ready.shift() as number] as GraphNode).id;
    order.push(id);
    for (const next of successors.get(id) ?? []) {
      const d = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, d);
      if (d === 0) insertSorted(ready, index.get(next) as number);
    }
  }
  const placed = new Set(order);
  // Of the nodes Kahn could not place, peel off those merely downstream of a cycle.
  const rest = new Set(nodes.filter((n) => !placed.has(n.id)).map((n) => n.id));
  const outdegree = new Map<string, number>([...rest].map((id) => [id, 0]));
  const predecessors = new Map<string, string[]>([...rest].map((id) => [id, []]));
  for (const e of edges) {
    if (rest.has(e.source.node) && rest.has(e.target.node)) {
      outdegree.set(e.source.node, (outdegree.get(e.source.node) ?? 0) + 1);
      predecessors.get(e.target.node)?.push(e.source.node);
    }
  }
  const sinks = [...rest].filter((id) => outdegree.get(id) === 0);
  const downstream = new Set<string>();
  while (sinks.length > 0) {
    const id = sinks.pop() as string;
    downstream.add(id);
    for (const prev of predecessors.get(id) ?? []) {
      const d = (outdegree.get(prev) ?? 0) - 1;
      outdegree.set(prev, d);
      if (d === 0) sinks.push(prev);
    }
  }
  const cyclic = new Set([...rest].filter((id) => !downstream.has(id)));
  return { order, cyclic, downstream };
}

/** A resolver that throws is a bug in it; the node shows the problem and analysis goes on. */
function resolveSafely(
  resolve: FeatureResolver,
  dataset: NonNullable<GraphDocument['training']['dataset']>,
  feature: string,
): ReturnType<FeatureResolver> {
  try {
    return resolve(dataset, feature);
  } catch (err) {
    return { error: `the dataset '${dataset.id}' could not describe its feature '${feature}': ${err instanceof Error ? err.message : String(err)}` };
  }
}

export interface GraphAnalyzer {
  analyze(graph: GraphDocument): GraphAnalysis;
}

/** An analyzer that remembers each node's last result; use one per open document. */
export function createAnalyzer(options: AnalyzeOptions = {}): GraphAnalyzer {
  let cache = new WeakMap<GraphNode, CacheEntry>();
  let lastDataset: string | null = null;
  return {
    analyze(graph) {
      const datasetId = graph.training.dataset?.id ?? null;
      if (datasetId !== lastDataset) {
        cache = new WeakMap();
        lastDataset = datasetId;
      }
      return analyzeWith(graph, options, cache);
    },
  };
}

export function analyzeGraph(graph: GraphDocument, options: AnalyzeOptions = {}): GraphAnalysis {
  return analyzeWith(graph, options, new WeakMap());
}

function analyzeWith(graph: GraphDocument, options: AnalyzeOptions, cache: WeakMap<GraphNode, CacheEntry>): GraphAnalysis {
  const issues: GraphIssue[] = [];
  // Bad dataset options are one issue at their path; Input nodes then wait instead of guessing.
  const datasetIssues = graph.training.dataset ? datasetOptionIssues(graph.training.dataset) : [];
  issues.push(...datasetIssues);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, GraphEdge[]>();
  const edgeShapes = new Map<string, Shape | null>();
  const danglingByTarget = new Map<string, GraphIssue[]>();

  for (const edge of graph.edges) {
    edgeShapes.set(edge.id, null);
    const source = byId.get(edge.source.node);
    const target = byId.get(edge.target.node);
    if (!source || !target) {
      const missing = !source ? edge.source.node : edge.target.node;
      const issue: GraphIssue = { severity: 'error', edgeId: edge.id, message: `wire ${edge.id} is dangling: node "${missing}" does not exist` };
      if (target) {
        issue.nodeId = target.id;
        issue.port = edge.target.port;
        const list = danglingByTarget.get(target.id);
        if (list) list.push(issue);
        else danglingByTarget.set(target.id, [issue]);
      } else issues.push(issue);
      continue;
    }
    const list = incoming.get(target.id) ?? [];
    list.push(edge);
    incoming.set(target.id, list);
  }

  const { order, cyclic, downstream } = topologicalOrder(graph.nodes, graph.edges);
  const results = new Map<string, NodeAnalysis>();

  for (const id of [...cyclic, ...downstream]) {
    const node = byId.get(id) as GraphNode;
    const decl = getDecl(node.type);
    const issue: GraphIssue = cyclic.has(id)
      ? nodeIssue(node, 'error', 'this node is on a cycle; a network must be a directed acyclic graph (remove one of the wires that loop back)')
      : nodeIssue(node, 'warning', 'no shape until the cycle above this node is removed');
    results.set(id, {
      node,
      decl,
      inputPorts: decl ? portsOf(decl.inputs, node.params as never) : [],
      outputPorts: decl && decl.kind !== 'loss' ? portsOf(decl.outputs, node.params as never) : [],
      inputs: {},
      outputs: {},
      params: ZERO,
      flops: 0,
      issues: [issue],
    });
  }

  for (const id of order) {
    const node = byId.get(id) as GraphNode;
    const decl = getDecl(node.type);
    if (!decl) {
      results.set(id, {
        node, decl, inputPorts: [], outputPorts: [], inputs: {}, outputs: {}, params: ZERO, flops: 0,
        issues: [{ severity: 'error', nodeId: id, message: `unknown layer type "${node.type}"` }],
      });
      continue;
    }
    const inputPorts = portsOf(decl.inputs, node.params as never);
    const outputPorts = decl.kind === 'loss' ? [] : portsOf(decl.outputs, node.params as never);
    const precheck: GraphIssue[] = [...(danglingByTarget.get(id) ?? [])];
    const inputs: Record<string, Shape[]> = Object.fromEntries(inputPorts.map((p) => [p.name, []]));
    for (const edge of incoming.get(id) ?? []) {
      const port = inputPorts.find((p) => p.name === edge.target.port);
      if (!port) {
        precheck.push(nodeIssue(node, 'error', `there is no input named "${edge.target.port}"`, { edgeId: edge.id, port: edge.target.port }));
        continue;
      }
      const list = inputs[port.name] as Shape[];
      if (list.length > 0 && !port.multiple) {
        precheck.push(nodeIssue(node, 'error', `input "${port.name}" takes one wire but has several`, { edgeId: edge.id, port: port.name }));
        continue;
      }
      const sourceResult = results.get(edge.source.node);
      const shape = sourceResult?.outputs[edge.source.port];
      if (!shape) {
        const sourceNode = byId.get(edge.source.node) as GraphNode;
        const sourceHasPort = sourceResult?.outputPorts.some((p) => p.name === edge.source.port);
        if (sourceResult && !sourceHasPort && sourceResult.decl) {
          precheck.push(nodeIssue(node, 'error', `the wire comes from output "${edge.source.port}", which ${describeNode(sourceNode)} does not have`, { edgeId: edge.id, port: port.name }));
        } else {
          // The source has an error of its own; this node waits for it without piling on.
          precheck.push(nodeIssue(node, 'warning', `input "${port.name}" has no shape until ${describeNode(sourceNode)} is fixed`, { edgeId: edge.id, port: port.name }));
        }
        continue;
      }
      list.push(shape);
    }
    const missingUpstream = precheck.some((i) => i.severity === 'warning');

    const bindingIssues: GraphIssue[] = [];
    let nodeForEval = node;
    if (decl.kind === 'input') {
      const feature = typeof node.params.feature === 'string' ? node.params.feature : '';
      const dataset = graph.training.dataset;
      const resolveFeature = options.resolveFeature ?? datasetFeatureResolver;
      if (feature && dataset && datasetIssues.length === 0) {
        const resolved = resolveSafely(resolveFeature, dataset, feature);
        if ('error' in resolved) {
          bindingIssues.push(nodeIssue(node, 'error', resolved.error));
        } else {
          const declared: Shape = [null, ...((node.params.shape as (number | null)[] | undefined) ?? [])];
          if (!shapesEqual(declared, resolved.shape)) {
            bindingIssues.push(
              nodeIssue(node, 'warning', `shape ${formatShape(declared)} is replaced by ${formatShape(resolved.shape)} of the dataset feature "${feature}"`),
            );
            nodeForEval = { ...node, params: { ...node.params, shape: resolved.shape.slice(1) as (number | null)[] } };
          }
        }
      }
    }

    const key = shapeKey(inputs, `${JSON.stringify(precheck)}|${JSON.stringify(nodeForEval === node ? null : nodeForEval.params)}`);
    const cached = cache.get(node);
    let result: Omit<NodeAnalysis, 'node'>;
    if (cached && cached.key === key) result = cached.result;
    else {
      result = missingUpstream
        ? { decl, inputPorts, outputPorts, inputs, outputs: {}, params: ZERO, flops: 0, issues: precheck }
        : evaluateNode(nodeForEval, decl, inputs, inputPorts, outputPorts, precheck);
      cache.set(node, { key, result });
    }
    results.set(id, { node, ...result, issues: [...bindingIssues, ...result.issues] });
  }

  for (const edge of graph.edges) {
    const shape = results.get(edge.source.node)?.outputs[edge.source.port];
    if (shape) edgeShapes.set(edge.id, shape);
  }
  applyWeightSharing(graph, results);
  issues.push(...phaseIssues(graph, results));
  issues.push(...submodelIssues(graph, results));

  const overBudget = memoryIssue(graph, results, options.memoryBudgetBytes ?? TRAINING_MEMORY_BUDGET_BYTES);
  if (overBudget?.nodeId) {
    const r = results.get(overBudget.nodeId) as NodeAnalysis;
    results.set(overBudget.nodeId, { ...r, issues: [...r.issues, overBudget] });
  }

  const totals = { trainable: 0, nonTrainable: 0, flops: 0 };
  for (const r of results.values()) {
    for (const issue of r.issues) issues.push(issue);
    totals.trainable += r.params.trainable;
    totals.nonTrainable += r.params.nonTrainable;
    totals.flops += r.flops;
  }
  // Names from older files may repeat: say which nodes share one, so every list can be read.
  const byName = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    const name = node.name && node.name.length > 0 ? node.name : node.id;
    const first = byName.get(name);
    if (first) {
      issues.push({
        severity: 'warning',
        nodeId: node.id,
        message: `two nodes are named "${name}" (${first.type} ${first.id} and ${node.type} ${node.id}): rename one so issues, the summary and exports name each node unambiguously`,
      });
    } else byName.set(name, node);
  }
  if (graph.nodes.length > 0 && !graph.nodes.some((n) => getDecl(n.type)?.kind === 'loss')) {
    issues.push({ severity: 'warning', message: 'the graph has no loss: add a loss node (e.g. CategoricalCrossentropy) to train it' });
  }
  return { nodes: results, edgeShapes, order, issues, totals };
}

/** Whether a wire may be added; `reason` says why not, in the words shown at the cursor. */
export function checkConnection(
  analyzer: GraphAnalyzer,
  graph: GraphDocument,
  candidate: Omit<GraphEdge, 'id'>,
): { ok: true; shape: Shape | null } | { ok: false; reason: string } {
  if (candidate.source.node === candidate.target.node) return { ok: false, reason: 'a node cannot feed itself' };
  const before = analyzer.analyze(graph);
  const target = before.nodes.get(candidate.target.node);
  const source = before.nodes.get(candidate.source.node);
  if (!target || !source) return { ok: false, reason: 'unknown node' };
  const port = target.inputPorts.find((p) => p.name === candidate.target.port);
  if (!port) return { ok: false, reason: `${describeNode(target.node)} has no input "${candidate.target.port}"` };
  const taken = graph.edges.some((e) => e.target.node === candidate.target.node && e.target.port === candidate.target.port);
  if (taken && !port.multiple) return { ok: false, reason: `input "${port.name}" already has a wire; remove it first` };
  const trial: GraphDocument = { ...graph, edges: [...graph.edges, { ...candidate, id: '__candidate__' }] };
  const after = analyzer.analyze(trial);
  const targetAfter = after.nodes.get(candidate.target.node);
  if (!targetAfter || after.order.length < before.order.length) {
    return { ok: false, reason: 'this wire would make a cycle; networks are acyclic' };
  }
  const newErrors = targetAfter.issues.filter(
    (i) => i.severity === 'error' && !target.issues.some((old) => old.message === i.message) && !/is not connected/.test(i.message),
  );
  if (newErrors.length > 0) return { ok: false, reason: (newErrors[0] as GraphIssue).message };
  return { ok: true, shape: after.edgeShapes.get('__candidate__') ?? null };
}
