/** A VAE reports its loss terms (reconstruction, KL) as its metrics, not a per-pixel accuracy. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../../core/engine/compile';
import { Trainer } from '../../../core/engine/trainer';
import type { GraphDocument } from '../../../core/graph';
import { getTemplate } from '../../../core/templates';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('VAE metrics', () => {
  it('a step of the MLP VAE reports reconstruction and KL equal to its loss terms', () => {
    const graph = getTemplate('vae-mlp-mnist')?.build() as GraphDocument;
    const compiled = compileGraph(graph);
    const trainer = new Trainer(compiled, graph.training);
    const feeds = compiled.feeds.map((f) => tf.randomUniform([4, ...f.shape.slice(1).map((d) => d ?? 1)], 0, 1, 'float32', 7));
    // The first step creates the optimizer's state; later steps must not add tensors.
    trainer.trainStep(feeds);
    const before = tf.memory().numTensors;
    const step = trainer.trainStep(feeds);
    const evaluation = trainer.evaluate([feeds]);
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(step.metrics).sort()).toEqual(['KL', 'reconstruction']);
    expect(Object.keys(evaluation.metrics).sort()).toEqual(['KL', 'reconstruction']);
    const kl = compiled.losses.find((l) => l.decl.type === 'GaussianKL');
    const reconstruction = compiled.losses.find((l) => l.decl.type !== 'GaussianKL');
    expect(step.metrics.KL).toBeCloseTo(step.losses[kl?.nodeId ?? ''] as number, 5);
    expect(step.metrics.reconstruction).toBeCloseTo(step.losses[reconstruction?.nodeId ?? ''] as number, 5);
    tf.dispose(feeds);
    trainer.dispose();
  });
});
