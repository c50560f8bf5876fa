/**
 * Shared weights: a node with `shares: <owner id>` applies the owner's weights instead of its own
 * (a GAN's discriminator on real and on generated samples, the two towers of a siamese network).
 * The compiler builds the owner once and applies it at every member; here the analysis checks that
 * this is possible (same type, parameters and input shapes; no chains) and counts the weights once.
 */
import { dimsCompatible, formatShape, type Shape } from '../shapes/shape';
import type { GraphIssue, NodeAnalysis } from './analysis-types';
import type { GraphDocument, GraphNode } from './document';

function label(node: GraphNode): string {
  return node.name ? `${node.name} (${node.type})` : `${node.type} ${node.id}`;
}

function sameParams(a: GraphNode, b: GraphNode): string | null {
  const keys = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
  for (const key of keys) {
    if (JSON.stringify(a.params[key]) !== JSON.stringify(b.params[key])) {
      return `${key} is ${JSON.stringify(a.params[key])} here but ${JSON.stringify(b.params[key])} there`;
    }
  }
  return null;
}

function sameInputs(a: NodeAnalysis, b: NodeAnalysis): string | null {
  for (const port of a.inputPorts) {
    const mine = a.inputs[port.name] ?? [];
    const theirs = b.inputs[port.name] ?? [];
    if (mine.length !== theirs.length) return `input "${port.name}" has ${mine.length} wire(s) here but ${theirs.length} there`;
    for (let i = 0; i < mine.length; i++) {
      const x = mine[i] as Shape;
      const y = theirs[i] as Shape;
      if (x.length !== y.length || !x.every((d, k) => dimsCompatible(d, y[k] ?? null))) {
        return `input "${port.name}" is ${formatShape(x)} here but ${formatShape(y)} there`;
      }
    }
  }
  return null;
}

/**
 * Checks every `shares` and rewrites the analysis of valid sharers: no weights of their own (the
 * owner's are counted once) and `sharedFrom` set. Problems become errors on the sharing node, with
 * the JSON path of its `shares`.
 */
export function applyWeightSharing(graph: GraphDocument, results: Map<string, NodeAnalysis>): void {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  graph.nodes.forEach((node, index) => {
    if (node.shares === undefined) return;
    const mine = results.get(node.id);
    if (!mine) return;
    const path = `$.nodes[${index}].shares`;
    const issue = (detail: string): void => {
      const extra: GraphIssue = { severity: 'error', nodeId: node.id, path, message: `${label(node)}: ${detail}`, detail };
      results.set(node.id, { ...mine, issues: [...mine.issues, extra] });
    };
    const owner = byId.get(node.shares);
    if (!owner) return issue(`shares the weights of "${node.shares}", which is not a node of this graph`);
    if (owner.id === node.id) return issue('shares the weights of itself; remove "shares" or name another node');
    if (owner.shares !== undefined) {
      return issue(`shares the weights of ${label(owner)}, which itself shares those of "${owner.shares}"; share "${owner.shares}" directly (no chains)`);
    }
    if (owner.type !== node.type) return issue(`shares the weights of ${label(owner)}, a different type: only a ${node.type} can lend its weights to a ${node.type}`);
    if (mine.decl && mine.decl.kind !== 'layer') return issue(`a ${mine.decl.kind} node has no weights to share`);
    const params = sameParams(node, owner);
    if (params) return issue(`shares the weights of ${label(owner)}, so its parameters must be the same: ${params}`);
    const theirs = results.get(owner.id);
    // Without shapes on both sides (an error upstream) there is nothing to compare yet.
    if (!theirs || Object.keys(mine.outputs).length === 0 || Object.keys(theirs.outputs).length === 0) {
      results.set(node.id, { ...mine, params: { trainable: 0, nonTrainable: 0 }, sharedFrom: owner.id });
      return;
    }
    const inputs = sameInputs(mine, theirs);
    if (inputs) return issue(`shares the weights of ${label(owner)}, so its inputs must have the same shapes: ${inputs}`);
    results.set(node.id, { ...mine, params: { trainable: 0, nonTrainable: 0 }, sharedFrom: owner.id });
  });
}

/** The node `id` applies the weights of `owner` (null: its own weights again). */
export function setShares(graph: GraphDocument, id: string, owner: string | null): GraphDocument {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node || (node.shares ?? null) === owner) return graph;
  const next: GraphNode = { ...node };
  if (owner === null) delete next.shares;
  else next.shares = owner;
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === id ? next : n)) };
}

/**
 * Why `id` cannot share the weights of `owner`, from the analysis of the shared graph (the same
 * checks as a file's `shares`: same type, parameters and input shapes, no chains, a node others
 * share cannot share in turn), or null.
 */
export function shareProblem(graph: GraphDocument, id: string, owner: string, analyze: (g: GraphDocument) => { nodes: ReadonlyMap<string, NodeAnalysis> }): string | null {
  if (graph.nodes.some((n) => n.shares === id)) {
    const sharers = graph.nodes.filter((n) => n.shares === id).map((n) => n.name ?? n.id);
    return `${sharers.join(', ')} already share${sharers.length === 1 ? 's' : ''} this node's weights (no chains); unshare ${sharers.length === 1 ? 'it' : 'them'} first`;
  }
  const shared = setShares(graph, id, owner);
  const index = shared.nodes.findIndex((n) => n.id === id);
  const issue = analyze(shared).nodes.get(id)?.issues.find((i) => i.path === `$.nodes[${index}].shares`);
  return issue ? (issue.detail ?? issue.message) : null;
}
