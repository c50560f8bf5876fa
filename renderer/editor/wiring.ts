/**
 * Making wires: a wire dropped on an input that already has one replaces it; a wire dragged from
 * an output into empty canvas (or started from the keyboard) offers only the layers / ports that
 * accept its shape. Every check is the analyzer's `checkConnection`.
 */
import { declsByCategory } from '../../core/catalogue/registry';
import { checkConnection, type GraphAnalyzer, type GraphDocument, type GraphEdge } from '../../core/graph';
import { addNode, connect, removeElements } from '../../core/graph/edit';
import type { Position } from '../../core/graph';

export type WireCandidate = Omit<GraphEdge, 'id'>;

export type WirePlan = { ok: true; replaces: GraphEdge | null; same: boolean } | { ok: false; reason: string };

/**
 * Whether `candidate` can be made, and the wire it replaces (an input takes one wire unless it
 * accepts several).
 */
export function planWire(analyzer: GraphAnalyzer, graph: GraphDocument, candidate: WireCandidate): WirePlan {
  const existing = graph.edges.find((e) => e.target.node === candidate.target.node && e.target.port === candidate.target.port);
  if (existing && existing.source.node === candidate.source.node && existing.source.port === candidate.source.port) return { ok: true, replaces: null, same: true };
  const port = analyzer.analyze(graph).nodes.get(candidate.target.node)?.inputPorts.find((p) => p.name === candidate.target.port);
  if (!existing || !port || port.multiple) {
    const checked = checkConnection(analyzer, graph, candidate);
    return checked.ok ? { ok: true, replaces: null, same: false } : { ok: false, reason: checked.reason };
  }
  const checked = checkConnection(analyzer, removeElements(graph, [], [existing.id]), candidate);
  return checked.ok ? { ok: true, replaces: existing, same: false } : { ok: false, reason: checked.reason };
}

/** The document with `candidate` made (and the wire it replaces removed): one edit, one undo step. */
export function applyWire(graph: GraphDocument, plan: WirePlan & { ok: true }, candidate: WireCandidate): GraphDocument {
  if (plan.same) return graph;
  const base = plan.replaces ? removeElements(graph, [], [plan.replaces.id]) : graph;
  return connect(base, candidate).graph;
}

export interface LayerChoice {
  type: string;
  category: string;
  description: string;
  /** The new node's input the wire goes to. */
  port: string;
}

const ALL_DECLS = [...declsByCategory()].flatMap(([category, decls]) => decls.map((decl) => ({ category, decl })));

/**
 * The layer types that accept the output `from` on one of their inputs (first accepting input),
 * found by trying each: add it to the graph, wire it, ask the analyzer.
 */
export function layersAccepting(analyzer: GraphAnalyzer, graph: GraphDocument, from: { node: string; port: string }): LayerChoice[] {
  const out: LayerChoice[] = [];
  for (const { category, decl } of ALL_DECLS) {
    let trial: { graph: GraphDocument; id: string };
    try {
      trial = addNode(graph, decl.type, { x: 0, y: 0 });
    } catch {
      continue;
    }
    const ports = analyzer.analyze(trial.graph).nodes.get(trial.id)?.inputPorts ?? [];
    const port = ports.find((p) => checkConnection(analyzer, trial.graph, { source: from, target: { node: trial.id, port: p.name } }).ok);
    if (port) out.push({ type: decl.type, category, description: decl.description, port: port.name });
  }
  return out;
}

/** The document with a new `choice` node at `position`, wired from `from`; and the new node's id. */
export function addWired(graph: GraphDocument, choice: LayerChoice, position: Position, from: { node: string; port: string }): { graph: GraphDocument; id: string } {
  const added = addNode(graph, choice.type, position);
  return { graph: connect(added.graph, { source: from, target: { node: added.id, port: choice.port } }).graph, id: added.id };
}

export interface PortChoice {
  node: string;
  nodeName: string;
  port: string;
  replaces: boolean;
}

/** Every input in the graph that accepts the output `from` (replacing a wire where it has one). */
export function inputsAccepting(analyzer: GraphAnalyzer, graph: GraphDocument, from: { node: string; port: string }, nameOf: (id: string) => string): PortChoice[] {
  const analysis = analyzer.analyze(graph);
  const out: PortChoice[] = [];
  for (const node of graph.nodes) {
    if (node.id === from.node) continue;
    for (const port of analysis.nodes.get(node.id)?.inputPorts ?? []) {
      const plan = planWire(analyzer, graph, { source: from, target: { node: node.id, port: port.name } });
      if (plan.ok && !plan.same) out.push({ node: node.id, nodeName: nameOf(node.id), port: port.name, replaces: plan.replaces !== null });
    }
  }
  return out;
}
