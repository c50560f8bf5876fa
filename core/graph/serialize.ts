/**
 * Canonical serialization: a fixed key order (documents first, parameters sorted), two-space
 * indentation and a final newline, so save -> load -> save is byte-identical and diffs stay small.
 */
import { getDecl } from '../catalogue/registry';
import type { GraphDocument, GraphEdge, GraphNode, SavedRun, TrainingPhase, TrainingSetup } from './document';

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
    ...(node.shares !== undefined ? { shares: node.shares } : {}),
    ...paramsVersionOf(node.type),
  };
}

/** A node's parameters are its type's current version (parsing migrates older ones): written above 1. */
function paramsVersionOf(type: string): { paramsVersion?: number } {
  const version = getDecl(type)?.paramsVersion ?? 1;
  return version > 1 ? { paramsVersion: version } : {};
}

function canonicalPhase(phase: TrainingPhase): TrainingPhase {
  return {
    name: phase.name,
    losses: [...phase.losses],
    updates: [...phase.updates],
    steps: phase.steps,
    optimizer: phase.optimizer,
    learningRate: phase.learningRate,
    momentum: phase.momentum,
    beta1: phase.beta1,
    clipWeights: phase.clipWeights,
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
    ...(t.phases !== undefined ? { phases: t.phases.map(canonicalPhase) } : {}),
  };
}

function canonicalRun(run: SavedRun): SavedRun {
  const c = run.curves;
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    savedAt: run.savedAt,
    graph: { nodes: run.graph.nodes.map(canonicalNode), edges: run.graph.edges.map(canonicalEdge), training: canonicalTraining(run.graph.training) },
    manifest: {
      graphHash: run.manifest.graphHash,
      graphName: run.manifest.graphName,
      dataset: { id: run.manifest.dataset.id, version: run.manifest.dataset.version, options: sortedRecord(run.manifest.dataset.options) },
      seed: run.manifest.seed,
      backend: run.manifest.backend,
      tfjsVersion: run.manifest.tfjsVersion,
      training: canonicalTraining(run.manifest.training),
      limit: run.manifest.limit,
      startedAt: run.manifest.startedAt,
      ...(run.manifest.origin
        ? {
            origin: {
              file: run.manifest.origin.file,
              format: run.manifest.origin.format,
              producer: run.manifest.origin.producer,
              sha256: run.manifest.origin.sha256,
              weightFiles: run.manifest.origin.weightFiles.map((w) => ({ name: w.name, sha256: w.sha256 })),
              graphFrom: run.manifest.origin.graphFrom,
            },
          }
        : {}),
    },
    curves: {
      steps: [...c.steps],
      losses: [...c.losses],
      epochSteps: [...c.epochSteps],
      epochLoss: [...c.epochLoss],
      validationLoss: [...c.validationLoss],
      metrics: sortedRecord(c.metrics),
      validationMetrics: sortedRecord(c.validationMetrics),
    },
    test: run.test ? { loss: run.test.loss, metrics: sortedRecord(run.test.metrics) } : null,
    weights: run.weights ? { specs: run.weights.specs.map((w) => ({ layer: w.layer, name: w.name, shape: [...w.shape], dtype: w.dtype })), data: run.weights.data, checksum: run.weights.checksum } : null,
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
    ...(graph.submodels !== undefined ? { submodels: graph.submodels.map((s) => ({ name: s.name, nodes: [...s.nodes] })) } : {}),
    runs: graph.runs.map(canonicalRun),
  };
}

/**
 * Kept runs are written one per line: their curves and weights would otherwise take a line per
 * number and bury the graph in diffs.
 */
export function serializeGraph(graph: GraphDocument): string {
  const { runs, ...rest } = canonicalGraph(graph);
  const head = JSON.stringify(rest, null, 2);
  const lines = runs.map((run) => `    ${JSON.stringify(run)}`);
  const list = lines.length === 0 ? '[]' : `[\n${lines.join(',\n')}\n  ]`;
  return `${head.slice(0, -2)},\n  "runs": ${list}\n}\n`;
}
