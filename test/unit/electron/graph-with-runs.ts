/** Small valid graph documents with kept runs, for the save/merge tests. */
import { GraphBuilder, serializeGraph, toSavedRun, type GraphDocument, type SavedRun } from '../../../core/graph';

export function smallGraph(): GraphDocument {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const o = g.add('Dense', { units: 2 }, x, 'logits');
  const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' });
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: y });
  g.training({ dataset: { id: 'moons', options: {} }, learningRate: 0.05, batchSize: 32, epochs: 1, seed: 5 });
  return g.build();
}

export function keptRun(graph: GraphDocument, id: string, name: string): SavedRun {
  return toSavedRun({
    id,
    name,
    status: 'completed',
    graph,
    manifest: {
      graphHash: 'a'.repeat(64),
      graphName: graph.metadata.name,
      dataset: { id: 'moons', version: 1, options: {} },
      seed: 5,
      backend: 'cpu',
      tfjsVersion: '4.22.0',
      training: graph.training,
      limit: null,
      startedAt: '2026-12-04T12:00:00.000Z',
    },
    curves: { steps: [1, 2], losses: [0.7, 0.6], epochSteps: [2], epochLoss: [0.65], validationLoss: [null], metrics: {}, validationMetrics: {} },
    test: null,
    weights: null,
    savedAt: new Date('2026-12-04T12:00:01.000Z'),
  });
}

export function graphText(graph: GraphDocument, runs: SavedRun[]): string {
  return serializeGraph({ ...graph, runs });
}
