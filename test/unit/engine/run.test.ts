import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, NO_FILES } from '../../../core/data';
import { GraphBuilder, type GraphDocument, type TrainingSetup } from '../../../core/graph';
import { compileSeeded, runTraining, RunError } from '../../../core/engine/run';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function moonsMlp(training: Partial<TrainingSetup> = {}, hidden = 16): GraphDocument {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const h = g.add('Dense', { units: hidden, activation: 'tanh' }, x, 'hidden');
  const o = g.add('Dense', { units: 2 }, h, 'logits');
  const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' });
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: y });
  g.training({ dataset: { id: 'moons', options: {} }, learningRate: 0.02, batchSize: 32, epochs: 3, seed: 7, ...training });
  return g.build();
}

async function train(graph: GraphDocument, extra: { limit?: number; onEpoch?: () => void } = {}) {
  const dataset = await loadDataset('moons', NO_FILES);
  const compiled = compileSeeded(graph);
  const result = await runTraining(graph, compiled, dataset, { backend: 'cpu', limit: extra.limit ?? null, ...(extra.onEpoch ? { onEpoch: extra.onEpoch } : {}) });
  result.trainer.dispose();
  compiled.model.dispose();
  return result;
}

describe('a training run', () => {
  it('learns the two moons and reports validation and test results', async () => {
    const r = await train(moonsMlp({ epochs: 15 }));
    expect(r.status).toBe('completed');
    expect(r.epochs).toHaveLength(15);
    expect(r.epochs[14]?.loss).toBeLessThan(r.epochs[0]?.loss as number);
    expect(r.test?.metrics.accuracy).toBeGreaterThan(0.85);
    expect(r.epochs[0]?.validation?.samples).toBe(100);
    expect(r.manifest).toMatchObject({ seed: 7, backend: 'cpu', dataset: { id: 'moons' } });
    expect(r.manifest.graphHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('repeats exactly for the same seed and differs for another', async () => {
    const a = await train(moonsMlp({ epochs: 2 }));
    const b = await train(moonsMlp({ epochs: 2 }));
    const c = await train(moonsMlp({ epochs: 2, seed: 8 }));
    expect(b.epochs.map((e) => e.loss)).toEqual(a.epochs.map((e) => e.loss));
    expect(c.epochs.map((e) => e.loss)).not.toEqual(a.epochs.map((e) => e.loss));
  });

  it('keeps the tensor count flat from epoch 2 to epoch 20', async () => {
    const counts: number[] = [];
    await train(moonsMlp({ epochs: 20 }), { limit: 64, onEpoch: () => counts.push(tf.memory().numTensors) });
    expect(counts[19]).toBe(counts[1]);
  });

  it('stops on non-finite values, names the node and keeps finite weights', async () => {
    const graph = moonsMlp({ optimizer: 'sgd', learningRate: 1e30, epochs: 5 }, 64);
    const dataset = await loadDataset('moons', NO_FILES);
    const compiled = compileSeeded(graph);
    const r = await runTraining(graph, compiled, dataset, { backend: 'cpu' });
    expect(r.status).toBe('non-finite');
    expect(r.nonFinite?.message).toMatch(/Training stopped; the weights are the last finite ones/);
    expect(['hidden', 'logits']).toContain(r.nonFinite?.nodeId);
    const weightsFinite = compiled.model.getWeights().every((w) => Array.from(w.dataSync()).every(Number.isFinite));
    expect(weightsFinite).toBe(true);
    r.trainer.dispose();
  });

  it('names an Input node that is not bound to the dataset', async () => {
    const graph = moonsMlp();
    (graph.nodes[0] as { params: Record<string, unknown> }).params.feature = '';
    const dataset = await loadDataset('moons', NO_FILES);
    const compiled = compileSeeded(graph);
    await expect(runTraining(graph, compiled, dataset, { backend: 'cpu' })).rejects.toThrow(RunError);
    await expect(runTraining(graph, compiled, dataset, { backend: 'cpu' })).rejects.toThrow(/Input input is not bound to a dataset feature; set its "Dataset feature" to one of: point, label/);
  });
});
