/**
 * Canonical serialization: a fixed key order (documents first, parameters sorted), two-space
 * indentation and a final newline, so save -> load -> save is byte-identical and diffs stay small.
 */
import type { GraphDocument, GraphEdge, GraphNode, TrainingSetup } from './document';

function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as T;
  return out;
}

function canonicalNode(node: GraphNode): GraphNode {
  return {
    id: node.id,
    type: node.type,
    ...(node.name !== undefined ? { name: node.name } : {}),
    params: sortedRecord(node.params),
    position: { x: node.position.x, y: node.position.y },
  };
}

function canonicalEdge(edge: GraphEdge): GraphEdge {
  return {
    id: edge.id,
    source: { node: edge.source.node, port: edge.source.port },
    target: { node: edge.target.node, port: edge.target.port },
  };
}

function canonicalTraining(t: TrainingSetup): TrainingSetup {
  return {
    dataset: t.dataset ? { id: t.dataset.id, options: sortedRecord(t.dataset.options) } : null,
    optimizer: t.optimizer,
    learningRate: t.learningRate,
    momentum: t.momentum,
    schedule: sortedRecord<unknown>(t.schedule) as TrainingSetup['schedule'],
    batchSize: t.batchSize,
    epochs: t.epochs,
    seed: t.seed,
    validationSplit: t.validationSplit,
    gradientClipNorm: t.gradientClipNorm,
    earlyStoppingPatience: t.earlyStoppingPatience,
    teacherForcingRatio: t.teacherForcingRatio,
  };
}

export function canonicalGraph(graph: GraphDocument): GraphDocument {
  return {
    format: graph.format,
    version: graph.version,
    metadata: { name: graph.metadata.name, description: graph.metadata.description },
    nodes: graph.nodes.map(canonicalNode),
    edges: graph.edges.map(canonicalEdge),
    training: canonicalTraining(graph.training),
  };
}

export function serializeGraph(graph: GraphDocument): string {
  return `${JSON.stringify(canonicalGraph(graph), null, 2)}\n`;
}
