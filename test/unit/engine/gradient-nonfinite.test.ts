/**
 * A finite forward pass whose gradient overflows: the refusal names the node nearest the loss
 * whose weights' gradient is not finite, in the trainer, the run loop (the CLI and the app worker
 * print and highlight `result.nonFinite`) and its message.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, NO_FILES } from '../../../core/data';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import { compileSeeded, runTraining } from '../../../core/engine/run';
import { Trainer } from '../../../core/engine/trainer';
import type { CompiledGraph } from '../../../core/engine/compile';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** point -> a -> b -> c -> d, trained to reproduce the point (mean absolute error). */
function chain(): GraphDocument {
  const g = new GraphBuilder('overflowing gradient');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const a = g.add('Dense', { units: 2 }, x, 'a');
  const b = g.add('Dense', { units: 2 }, a, 'b');
  const c = g.add('Dense', { units: 2 }, b, 'c');
  const d = g.add('Dense', { units: 2 }, c, 'd');
  g.add('MeanAbsoluteError', {}, { prediction: d, target: x });
  g.training({ dataset: { id: 'moons', options: {} }, optimizer: 'sgd', learningRate: 0.01, batchSize: 32, epochs: 1, seed: 3 });
  return g.build();
}

/**
 * Diagonal kernels 1, 1e-41, 1e22, 2e19 (no bias): the forward pass gives 2·x (finite), but the
 * gradient reaching b's output is (1/64)·2e19·1e22 ≈ 3e39, past float32's 3.4e38: b's and a's
 * weight gradients are Infinity/NaN, c's and d's are finite.
 */
function setOverflowingWeights(compiled: CompiledGraph): void {
  const scales: Record<string, number> = { a: 1, b: 1e-41, c: 1e22, d: 2e19 };
  for (const [nodeId, scale] of Object.entries(scales)) {
    const layer = compiled.model.getLayer(compiled.layerNames.get(nodeId) as string);
    tf.tidy(() => layer.setWeights([tf.mul(tf.eye(2), scale), tf.zeros([2])]));
  }
}

function weightsOf(compiled: CompiledGraph): number[][] {
  return compiled.model.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('a gradient that overflows on a finite forward pass', () => {
  it('is refused by the trainer, which names the node nearest the loss (b, not a)', async () => {
    const dataset = await loadDataset('moons', NO_FILES);
    const graph = chain();
    const compiled = compileSeeded(graph);
    setOverflowingWeights(compiled);
    const before = weightsOf(compiled);
    const trainer = new Trainer(compiled, graph.training);
    const batch = dataset.train.gather(Array.from({ length: 32 }, (_, i) => i));
    const feeds = [tf.tensor2d(batch.features.point?.data as Float32Array, [32, 2])];
    const step = trainer.trainStep(feeds);
    expect(Number.isFinite(step.loss)).toBe(true);
    expect(step.nonFinite).toMatchObject({ what: 'gradient', nodeId: 'b' });
    expect(step.nonFinite?.message).toMatch(/^the gradient of b\/kernel(_\d+)? became non-finite \(norm (Infinity|NaN)\)$/);
    expect(weightsOf(compiled)).toEqual(before);
    tf.dispose(feeds);
    trainer.dispose();
    compiled.model.dispose();
  });

  it('stops the run with the node in the result and the message, tensors back to their count', async () => {
    const dataset = await loadDataset('moons', NO_FILES);
    const graph = chain();
    const compiled = compileSeeded(graph);
    setOverflowingWeights(compiled);
    const before = weightsOf(compiled);
    const tensors = tf.memory().numTensors;
    const result = await runTraining(graph, compiled, dataset, { backend: 'cpu' });
    expect(result.status).toBe('non-finite');
    expect(result.nonFinite?.nodeId).toBe('b');
    expect(result.nonFinite?.message).toMatch(
      /^the gradient of b\/kernel(_\d+)? became non-finite \(norm (Infinity|NaN)\) at epoch 1, batch 1; the node nearest the loss whose weights' gradient is not finite is b \(Dense\)\. Training stopped; the weights are the last finite ones\.$/,
    );
    expect(weightsOf(compiled)).toEqual(before);
    result.trainer.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    compiled.model.dispose();
  });
});
