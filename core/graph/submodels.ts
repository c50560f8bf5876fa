/**
 * Sub-models: named parts of a graph (a VAE's decoder, a GAN's generator) that run, are inspected
 * and exported on their own. A document stores only each sub-model's nodes; its interface is
 * derived from the wires that cross the set's border, so it can never disagree with the graph:
 * - inputs: every distinct node output outside the set that a wire carries into the set (one
 *   input however many members read it), in the graph's topological order;
 * - outputs: every member output that a wire carries out of the set (to a layer or a loss), and
 *   every member output nothing reads, in topological order.
 * `extractSubmodel` turns a sub-model into a graph of its own: its members as they are (same ids,
 * names and parameters, so the compiler names their weights alike), one Input node per input with
 * the shape the cut wire carries.
 */
import type { GraphAnalysis, GraphIssue, NodeAnalysis } from './analysis-types';
import type { GraphDocument, GraphEdge, GraphNode, Submodel } from './document';
import type { Shape } from '../shapes/shape';
import { SUBMODEL_NAME_PATTERN } from './document';

/** A port of a node: where a sub-model's input comes from, or which output it returns. */
export interface SubmodelPort {
  node: string;
  port: string;
}

export interface SubmodelInput {
  /** The node output outside the sub-model that feeds it. */
  source: SubmodelPort;
  /** The Input node standing for it in the extracted graph (id = name, unique there). */
  inputId: string;
  /** Shape with the batch axis; null while the source has no shape (an error upstream). */
  shape: Shape | null;
  dtype: 'float32' | 'int32';
  /** Dataset feature of the source when the source is itself a bound Input node, else ''. */
  feature: string;
}

export interface SubmodelInterface {
  inputs: SubmodelInput[];
  outputs: SubmodelPort[];
}

function label(node: GraphNode): string {
  return node.name ? `${node.name} (${node.type})` : `${node.type} ${node.id}`;
}

function displayName(node: GraphNode): string {
  return node.name && node.name.length > 0 ? node.name : node.id;
}

/** Why a sub-model cannot take this name, or null when it can. */
export function submodelNameProblem(graph: GraphDocument, name: string, except?: string): string | null {
  if (!SUBMODEL_NAME_PATTERN.test(name)) return `"${name}" is not a sub-model name: 1-64 letters, digits, "_" or "-", starting with a letter`;
  if ((graph.submodels ?? []).some((s) => s.name === name && s.name !== except)) return `a sub-model is already named "${name}"`;
  return null;
}

/**
 * Problems with the document's sub-models, each at its JSON path under `$.submodels`: unknown or
 * repeated nodes, loss nodes (a sub-model computes values; losses stay with the whole graph), a
 * node applying the weights of a node outside (its weights would not be in the sub-model), two
 * sub-models with one name, a sub-model with no output.
 */
export function submodelIssues(graph: GraphDocument, results: ReadonlyMap<string, NodeAnalysis>): GraphIssue[] {
  const submodels = graph.submodels;
  if (submodels === undefined) return [];
  const issues: GraphIssue[] = [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const names = new Map<string, number>();
  submodels.forEach((submodel, i) => {
    const at = `$.submodels[${i}]`;
    const title = `sub-model "${submodel.name}"`;
    const error = (path: string, message: string, nodeId?: string): void => {
      issues.push({ severity: 'error', path, message: `${title}: ${message}`, ...(nodeId ? { nodeId } : {}) });
    };
    const first = names.get(submodel.name);
    if (first !== undefined) error(`${at}.name`, `two sub-models are named "${submodel.name}" (also $.submodels[${first}]); give each its own name`);
    else names.set(submodel.name, i);
    const members = new Set<string>();
    submodel.nodes.forEach((id, j) => {
      const path = `${at}.nodes[${j}]`;
      const node = byId.get(id);
      if (!node) return error(path, `has "${id}", which is not a node of this graph`);
      if (members.has(id)) return error(path, `lists ${label(node)} twice`, id);
      members.add(id);
      const kind = results.get(id)?.decl?.kind;
      if (kind === 'loss') return error(path, `has the loss node ${label(node)}; a sub-model computes values, its losses stay with the graph: leave it out`, id);
      if (node.shares !== undefined && !submodel.nodes.includes(node.shares)) {
        const owner = byId.get(node.shares);
        error(path, `has ${label(node)}, which applies the weights of ${owner ? label(owner) : `"${node.shares}"`} outside the sub-model; add that node too, or leave this one out`, id);
      }
    });
    if (members.size > 0 && members.size === submodel.nodes.length) {
      const { outputs } = submodelInterface(graph, results, submodel);
      if (outputs.length === 0) error(at, 'has no output: no wire leaves it and every output of its nodes is read inside it');
    }
  });
  return issues;
}

/** The sub-model's inputs and outputs, derived from the wires crossing its border. */
export function submodelInterface(graph: GraphDocument, results: ReadonlyMap<string, NodeAnalysis>, submodel: Submodel, order?: readonly string[]): SubmodelInterface {
  const members = new Set(submodel.nodes);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  // Topological order when known; otherwise the document's order.
  const rank = new Map((order ?? graph.nodes.map((n) => n.id)).map((id, i) => [id, i]));
  const byRank = (a: SubmodelPort, b: SubmodelPort): number => (rank.get(a.node) ?? 0) - (rank.get(b.node) ?? 0) || (a.port < b.port ? -1 : a.port > b.port ? 1 : 0);

  const sources = new Map<string, SubmodelPort>();
  const leaving = new Map<string, SubmodelPort>();
  const read = new Set<string>();
  for (const edge of graph.edges) {
    const key = `${edge.source.node}\u0000${edge.source.port}`;
    read.add(key);
    const fromInside = members.has(edge.source.node);
    const toInside = members.has(edge.target.node);
    if (!fromInside && toInside && byId.has(edge.source.node)) sources.set(key, { node: edge.source.node, port: edge.source.port });
    if (fromInside && !toInside && byId.has(edge.target.node)) leaving.set(key, { node: edge.source.node, port: edge.source.port });
  }
  for (const id of members) {
    const result = results.get(id);
    if (!result || result.decl?.kind !== 'layer') continue;
    for (const port of result.outputPorts) {
      const key = `${id}\u0000${port.name}`;
      if (!read.has(key)) leaving.set(key, { node: id, port: port.name });
    }
  }

  const taken = new Set(graph.nodes.filter((n) => members.has(n.id)).flatMap((n) => [n.id, displayName(n)]));
  const inputs = [...sources.values()].sort(byRank).map((source): SubmodelInput => {
    const node = byId.get(source.node) as GraphNode;
    const result = results.get(source.node);
    const single = (result?.outputPorts.length ?? 1) <= 1;
    const base = (single ? displayName(node) : `${displayName(node)}_${source.port}`).replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 56) || 'input';
    let inputId = base;
    for (let i = 2; taken.has(inputId); i++) inputId = `${base}_${i}`;
    taken.add(inputId);
    const isInput = node.type === 'Input';
    return {
      source,
      inputId,
      shape: result?.outputs[source.port] ?? null,
      dtype: isInput && node.params.dtype === 'int32' ? 'int32' : 'float32',
      feature: isInput ? String(node.params.feature ?? '') : '',
    };
  });
  return { inputs, outputs: [...leaving.values()].sort(byRank) };
}

export class SubmodelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubmodelError';
  }
}

export interface ExtractedSubmodel {
  /** The sub-model as a graph of its own: its nodes, and one Input per input. */
  graph: GraphDocument;
  interface: SubmodelInterface;
}

/**
 * The named sub-model as a graph of its own, to compile, export or inspect. Throws a
 * SubmodelError naming the sub-model when it does not exist, has problems, or an input has no
 * shape yet (the graph has an error upstream of it).
 */
export function extractSubmodel(graph: GraphDocument, analysis: GraphAnalysis, name: string): ExtractedSubmodel {
  const index = (graph.submodels ?? []).findIndex((s) => s.name === name);
  const submodel = graph.submodels?.[index];
  if (!submodel) {
    const known = (graph.submodels ?? []).map((s) => `"${s.name}"`);
    throw new SubmodelError(`the graph has no sub-model "${name}"; ${known.length > 0 ? `its sub-models are ${known.join(', ')}` : 'it declares none'}`);
  }
  const problems = analysis.issues.filter((i) => i.severity === 'error' && i.path?.startsWith(`$.submodels[${index}]`));
  if (problems.length > 0) throw new SubmodelError(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  const face = submodelInterface(graph, analysis.nodes, submodel, analysis.order);
  const members = new Set(submodel.nodes);
  const inputNodes: GraphNode[] = face.inputs.map((input) => {
    if (!input.shape) {
      throw new SubmodelError(`sub-model "${name}": its input from "${input.source.node}".${input.source.port} has no shape yet (an error before it in the graph)`);
    }
    const source = graph.nodes.find((n) => n.id === input.source.node) as GraphNode;
    return {
      id: input.inputId,
      type: 'Input',
      name: input.inputId,
      params: { shape: input.shape.slice(1), dtype: input.dtype, feature: input.feature },
      position: { ...source.position },
    };
  });
  const inputOf = new Map(face.inputs.map((i) => [`${i.source.node}\u0000${i.source.port}`, i.inputId]));
  const edges: GraphEdge[] = [];
  for (const edge of graph.edges) {
    if (!members.has(edge.target.node)) continue;
    if (members.has(edge.source.node)) edges.push(edge);
    else {
      const inputId = inputOf.get(`${edge.source.node}\u0000${edge.source.port}`);
      if (inputId) edges.push({ ...edge, source: { node: inputId, port: 'out' } });
    }
  }
  const { phases: _phases, ...training } = graph.training;
  const extracted: GraphDocument = {
    format: graph.format,
    version: graph.version,
    metadata: { name: `${graph.metadata.name} / ${name}`.slice(0, 200), description: `Sub-model "${name}" of ${graph.metadata.name}`.slice(0, 4_000) },
    nodes: [...inputNodes, ...graph.nodes.filter((n) => members.has(n.id))],
    edges,
    training,
    runs: [],
  };
  return { graph: extracted, interface: { inputs: face.inputs, outputs: face.outputs } };
}
