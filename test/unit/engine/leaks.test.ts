/**
 * Tensors and variables come back to their count before a run after every way a run can end:
 * a throw mid-way (a dataset iterator, a loss), Stop in the first epoch, many start/stop cycles.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, NO_FILES, type Batch, type BatchOptions, type Dataset, type DatasetSplit } from '../../../core/data';
import { GraphBuilder, serializeGraph, type GraphDocument, type TrainingSetup } from '../../../core/graph';
import { compileSeeded, runTraining } from '../../../core/engine/run';
import type { LossBinding } from '../../../core/engine/compile';
import { release, stopRun, train } from '../../../renderer/engine/training-session';
import type { TrainingEvent } from '../../../renderer/engine/engine-api';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function moonsMlp(training: Partial<TrainingSetup> = {}): GraphDocument {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const h = g.add('Dense', { units: 8, activation: 'tanh' }, x, 'hidden');
  const o = g.add('Dense', { units: 2 }, h, 'logits');
  const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' });
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: y });
  g.training({ dataset: { id: 'moons', options: {} }, optimizer: 'adam', learningRate: 0.02, batchSize: 32, epochs: 2, seed: 7, ...training });
  return g.build();
}

/** Tensors and registered variables (optimizer slots and layer weights are variables). */
function counts(): { tensors: number; variables: number } {
  return { tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().state.registeredVariables).length };
}

/** The split, but its iterator throws when asked for batch `failAt` (0-based). */
function failingSplit(split: DatasetSplit, failAt: number): DatasetSplit {
  const failing = Object.create(split) as DatasetSplit & { batches(options: BatchOptions): IterableIterator<Batch> };
  failing.batches = function* (options: BatchOptions) {
    let index = 0;
    for (const batch of split.batches(options)) {
      if (index++ === failAt) throw new Error('the disk went away');
      yield batch;
    }
  };
  return failing;
}

describe('tensors after a run ends', () => {
  it('come back to the count before the run when the dataset iterator throws on the 3rd batch', async () => {
    const dataset = await loadDataset('moons', NO_FILES);
    const broken: Dataset = { ...dataset, train: failingSplit(dataset.train, 2) };
    const graph = moonsMlp();
    const before = counts();
    const compiled = compileSeeded(graph);
    await expect(runTraining(graph, compiled, broken, { backend: 'cpu' })).rejects.toThrow('the disk went away');
    compiled.model.dispose();
    expect(counts()).toEqual(before);
  });

  it('come back to the count before the run when a loss throws on the 3rd step', async () => {
    const dataset = await loadDataset('moons', NO_FILES);
    const graph = moonsMlp();
    const before = counts();
    const compiled = compileSeeded(graph);
    const binding = compiled.losses[0] as LossBinding;
    let calls = 0;
    compiled.losses[0] = {
      ...binding,
      decl: {
        ...binding.decl,
        compute: (inputs, params) => {
          if (++calls === 3) throw new Error('the loss broke');
          return binding.decl.compute(inputs, params);
        },
      },
    };
    await expect(runTraining(graph, compiled, dataset, { backend: 'cpu' })).rejects.toThrow('the loss broke');
    expect(calls).toBe(3);
    compiled.model.dispose();
    expect(counts()).toEqual(before);
  });

  it('come back to the count before the run after Stop in the first epoch (the app worker)', async () => {
    const before = counts();
    const events: TrainingEvent[] = [];
    const result = await train({ documentJson: serializeGraph(moonsMlp()), backend: 'auto', limit: null, statsEvery: 1 }, () => 'test', (event) => {
      events.push(event);
      if (event.kind === 'steps') void stopRun();
    });
    expect(result).toMatchObject({ kind: 'finished', status: 'stopped' });
    expect(events.some((e) => e.kind === 'epoch')).toBe(false);
    // The model stays for inspection until released.
    expect(release().numTensors).toBe(before.tensors);
    expect(counts()).toEqual(before);
  });

  it('stay flat over 50 start/stop cycles of the app worker', async () => {
    const documentJson = serializeGraph(moonsMlp({ batchSize: 8 }));
    const before = counts();
    for (let cycle = 0; cycle < 50; cycle++) {
      const result = await train({ documentJson, backend: 'auto', limit: 64, statsEvery: 1 }, () => 'test', (event) => {
        if (event.kind === 'steps') void stopRun();
      });
      expect(result).toMatchObject({ kind: 'finished', status: 'stopped' });
    }
    release();
    expect(counts()).toEqual(before);
  });

  it('come back to the count before the run when the worker run throws mid-way', async () => {
    const before = counts();
    // A document the worker cannot train (the Input is bound to a feature moons does not have).
    const graph = moonsMlp();
    (graph.nodes[0] as { params: Record<string, unknown> }).params.feature = 'nothing';
    const result = await train({ documentJson: serializeGraph(graph), backend: 'auto', limit: 64 }, () => 'test', () => undefined);
    expect(result).toMatchObject({ kind: 'error' });
    release();
    expect(counts()).toEqual(before);
  });
});
