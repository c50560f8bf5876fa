/**
 * Edits of the graph document as pure functions (document in, new document out, structure shared
 * where unchanged). The editor's store, the undo tests and scripts all edit through these, so the
 * rules (ids, defaults, edges removed with their nodes, pasted sub-graphs re-identified) live once.
 */
import { portsOf } from '../catalogue/decl';
import { defaultParams } from '../catalogue/params';
import { getDecl } from '../catalogue/registry';
import { submodelNameProblem } from './submodels';
import { LIMITS, SUBMODEL_LIMITS, type GraphDocument, type GraphEdge, type GraphNode, type ParamValueJson, type SavedRun, type TrainingSetup } from './document';

export interface Position {
  x: number;
  y: number;
}

/** What a node is called wherever it is listed: its name, or its id when it has none. */
const displayName = (n: GraphNode): string => (n.name && n.name.length > 0 ? n.name : n.id);

/**
 * A fresh id not used by any node or edge, nor as a node's name (a node without a name is shown
 * by its id), from a readable stem: "dense", "dense_2", ...
 */
export function freshId(graph: GraphDocument, stem: string, taken: ReadonlySet<string> = new Set()): string {
  const used = new Set([...graph.nodes.map((n) => n.id), ...graph.nodes.map(displayName), ...graph.edges.map((e) => e.id), ...taken]);
  const base = stem.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40) || 'node';
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

export function addNode(
  graph: GraphDocument,
  type: string,
  position: Position,
  params: Record<string, ParamValueJson> = {},
): { graph: GraphDocument; id: string } {
  const decl = getDecl(type);
  if (!decl) throw new Error(`unknown layer type "${type}"`);
  const id = freshId(graph, type);
  const node: GraphNode = {
    id,
    type,
    params: { ...(defaultParams(decl.params) as GraphNode['params']), ...params },
    position: { x: Math.round(position.x), y: Math.round(position.y) },
  };
  return { graph: { ...graph, nodes: [...graph.nodes, node] }, id };
}

/** Removes nodes and every wire touching them, and the given wires. */
export function removeElements(graph: GraphDocument, nodeIds: Iterable<string>, edgeIds: Iterable<string> = []): GraphDocument {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (nodes.size === 0 && edges.size === 0) return graph;
  const { submodels: _submodels, ...rest } = graph;
  return {
    ...rest,
    nodes: graph.nodes.filter((n) => !nodes.has(n.id)),
    edges: graph.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source.node) && !nodes.has(e.target.node)),
    ...withoutSubmodelNodes(graph, nodes),
  };
}

/** Sub-models without the removed nodes; a sub-model left with none goes too. */
function withoutSubmodelNodes(graph: GraphDocument, removed: ReadonlySet<string>): Pick<GraphDocument, 'submodels'> {
  if (graph.submodels === undefined) return {};
  if (!graph.submodels.some((s) => s.nodes.some((id) => removed.has(id)))) return { submodels: graph.submodels };
  const submodels = graph.submodels.map((s) => ({ ...s, nodes: s.nodes.filter((id) => !removed.has(id)) })).filter((s) => s.nodes.length > 0);
  return submodels.length > 0 ? { submodels } : {};
}

/**
 * Declares a sub-model of these nodes (in the graph's order). Throws when the name is taken or
 * malformed, or no node is given; loss nodes are left out (a sub-model computes values).
 */
export function addSubmodel(graph: GraphDocument, name: string, nodeIds: Iterable<string>): GraphDocument {
  const problem = submodelNameProblem(graph, name);
  if (problem) throw new Error(problem);
  const ids = new Set(nodeIds);
  const nodes = graph.nodes.filter((n) => ids.has(n.id) && getDecl(n.type)?.kind !== 'loss').map((n) => n.id);
  if (nodes.length === 0) throw new Error('select the layers of the sub-model first (losses are not part of one)');
  if ((graph.submodels?.length ?? 0) >= SUBMODEL_LIMITS.submodels) throw new Error(`a document has at most ${SUBMODEL_LIMITS.submodels} sub-models: remove one first`);
  return { ...graph, submodels: [...(graph.submodels ?? []), { name, nodes }] };
}

/** Renames a sub-model; throws when the new name is taken or malformed. */
export function renameSubmodel(graph: GraphDocument, name: string, next: string): GraphDocument {
  if (name === next) return graph;
  if (!graph.submodels?.some((s) => s.name === name)) throw new Error(`the graph has no sub-model "${name}"`);
  const problem = submodelNameProblem(graph, next, name);
  if (problem) throw new Error(problem);
  return { ...graph, submodels: graph.submodels.map((s) => (s.name === name ? { ...s, name: next } : s)) };
}

/** Removes a sub-model's declaration (its nodes stay in the graph). */
export function removeSubmodel(graph: GraphDocument, name: string): GraphDocument {
  if (!graph.submodels?.some((s) => s.name === name)) return graph;
  const { submodels: _all, ...rest } = graph;
  const submodels = graph.submodels.filter((s) => s.name !== name);
  return submodels.length > 0 ? { ...rest, submodels } : rest;
}

export function connect(graph: GraphDocument, edge: Omit<GraphEdge, 'id'>): { graph: GraphDocument; id: string } {
  const id = freshId(graph, 'e');
  return { graph: { ...graph, edges: [...graph.edges, { id, source: { ...edge.source }, target: { ...edge.target } }] }, id };
}

function updateNode(graph: GraphDocument, id: string, update: (node: GraphNode) => GraphNode): GraphDocument {
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    if (n.id !== id) return n;
    const next = update(n);
    changed = next !== n;
    return next;
  });
  return changed ? { ...graph, nodes } : graph;
}

/**
 * Sets parameters of a node. Wires to ports the new parameters no longer have (e.g. an LSTM's
 * `h` output after return state is switched off) are removed with it.
 */
export function setParams(graph: GraphDocument, id: string, params: Record<string, ParamValueJson>): GraphDocument {
  const next = updateNode(graph, id, (n) => {
    const changed = Object.entries(params).some(([k, v]) => JSON.stringify(n.params[k]) !== JSON.stringify(v));
    return changed ? { ...n, params: { ...n.params, ...params } } : n;
  });
  if (next === graph) return graph;
  const node = next.nodes.find((n) => n.id === id) as GraphNode;
  const decl = getDecl(node.type);
  if (!decl) return next;
  const inputs = new Set(portsOf(decl.inputs, node.params as never).map((p) => p.name));
  const outputs = new Set(decl.kind === 'loss' ? [] : portsOf(decl.outputs, node.params as never).map((p) => p.name));
  const edges = next.edges.filter(
    (e) => !(e.target.node === id && !inputs.has(e.target.port)) && !(e.source.node === id && !outputs.has(e.source.port)),
  );
  return edges.length === next.edges.length ? next : { ...next, edges };
}

/** A name no node shows yet (names and unnamed nodes' ids), from a stem: "hidden", "hidden_2", ... */
export function freshName(graph: GraphDocument, stem: string, taken: ReadonlySet<string> = new Set()): string {
  const used = new Set([...graph.nodes.map(displayName), ...graph.nodes.map((n) => n.id), ...taken]);
  const base = stem.trim().slice(0, 72) || 'node';
  if (!used.has(base)) return base;
  const root = base.replace(/_\d+$/, '');
  for (let i = 2; ; i++) if (!used.has(`${root}_${i}`)) return `${root}_${i}`;
}

/** Why a node cannot take this name (another node shows it), or null when it can. */
export function renameProblem(graph: GraphDocument, id: string, name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return null;
  const other = graph.nodes.find((n) => n.id !== id && (displayName(n) === trimmed || n.id === trimmed));
  if (!other) return null;
  return `"${trimmed}" is already the name of another node (${other.type} ${other.id}): names must be unique so issues, the summary and exports name one node`;
}

/** Renames a node; throws when another node already has the name (see `renameProblem`). */
export function renameNode(graph: GraphDocument, id: string, name: string): GraphDocument {
  const trimmed = name.trim();
  const problem = renameProblem(graph, id, trimmed);
  if (problem) throw new Error(problem);
  return updateNode(graph, id, (n) => {
    if ((n.name ?? '') === trimmed) return n;
    const { name: _old, ...rest } = n;
    return trimmed ? { ...rest, name: trimmed } : rest;
  });
}

/** Moves nodes to new positions in one edit (one undo entry for a whole drag). */
export function moveNodes(graph: GraphDocument, positions: Readonly<Record<string, Position>>): GraphDocument {
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    const p = positions[n.id];
    if (!p) return n;
    const x = Math.round(p.x);
    const y = Math.round(p.y);
    if (x === n.position.x && y === n.position.y) return n;
    changed = true;
    return { ...n, position: { x, y } };
  });
  return changed ? { ...graph, nodes } : graph;
}

export function setTraining(graph: GraphDocument, training: Partial<TrainingSetup>): GraphDocument {
  const next = { ...graph.training, ...training };
  return JSON.stringify(next) === JSON.stringify(graph.training) ? graph : { ...graph, training: next };
}

export function setMetadata(graph: GraphDocument, metadata: Partial<GraphDocument['metadata']>): GraphDocument {
  const next = { ...graph.metadata, ...metadata };
  return next.name === graph.metadata.name && next.description === graph.metadata.description ? graph : { ...graph, metadata: next };
}

/** The selected nodes and the wires between them: what copy puts on the clipboard. */
export function extractSubgraph(graph: GraphDocument, nodeIds: Iterable<string>): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const ids = new Set(nodeIds);
  return {
    nodes: structuredClone(graph.nodes.filter((n) => ids.has(n.id))),
    edges: structuredClone(graph.edges.filter((e) => ids.has(e.source.node) && ids.has(e.target.node))),
  };
}

/**
 * Pastes a sub-graph with fresh ids (its internal wires re-pointed), shifted by `offset`.
 * Returns the new node ids, so the editor can select them.
 */
export function pasteSubgraph(
  graph: GraphDocument,
  sub: { nodes: readonly GraphNode[]; edges: readonly GraphEdge[] },
  offset: Position,
): { graph: GraphDocument; nodeIds: string[] } {
  const taken = new Set<string>();
  const idMap = new Map<string, string>();
  const nodes = sub.nodes.map((n) => {
    const id = freshId(graph, n.type, taken);
    taken.add(id);
    idMap.set(n.id, id);
    const pasted: GraphNode = { ...structuredClone(n), id, position: { x: Math.round(n.position.x + offset.x), y: Math.round(n.position.y + offset.y) } };
    // A named node gets a fresh name too ("hidden" -> "hidden_2"): names stay unique.
    if (n.name) {
      pasted.name = freshName(graph, n.name, taken);
      taken.add(pasted.name);
    }
    return pasted;
  });
  const edges: GraphEdge[] = [];
  for (const e of sub.edges) {
    const source = idMap.get(e.source.node);
    const target = idMap.get(e.target.node);
    if (!source || !target) continue;
    const id = freshId(graph, 'e', taken);
    taken.add(id);
    edges.push({ id, source: { node: source, port: e.source.port }, target: { node: target, port: e.target.port } });
  }
  return { graph: { ...graph, nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] }, nodeIds: nodes.map((n) => n.id) };
}

/** Keeps a run with the document (replacing a kept run with the same id). */
export function keepRun(graph: GraphDocument, run: SavedRun): GraphDocument {
  const others = graph.runs.filter((r) => r.id !== run.id);
  if (others.length >= LIMITS.runs) throw new Error(`a document keeps at most ${LIMITS.runs} runs: remove one first`);
  return { ...graph, runs: [...others, run] };
}

export function removeRun(graph: GraphDocument, runId: string): GraphDocument {
  if (!graph.runs.some((r) => r.id === runId)) return graph;
  return { ...graph, runs: graph.runs.filter((r) => r.id !== runId) };
}

