import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, NO_FILES } from '../../../core/data';
import { GraphBuilder, parseGraphText, serializeGraph, type GraphDocument } from '../../../core/graph';
import type { CompiledGraph } from '../../../core/engine/compile';
import { compileSeeded, runTraining } from '../../../core/engine/run';
import { runGraph, thinned, toSavedRun } from '../../../core/graph/saved-runs';
import { applyWeights, captureWeights, decodeWeights, WeightsError } from '../../../core/engine/weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Moons classifier with batch norm, so non-trainable weights (moving statistics) are kept too. */
function moonsNet(hidden = 16): GraphDocument {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const h = g.add('Dense', { units: hidden, activation: 'relu' }, x, 'hidden');
  const n = g.add('BatchNorm', {}, h, 'norm');
  const o = g.add('Dense', { units: 2 }, n, 'logits');
  const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' });
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: y });
  g.training({ dataset: { id: 'moons', options: {} }, learningRate: 0.05, batchSize: 32, epochs: 2, seed: 5 });
  return g.build();
}

/** The model's outputs for fixed inputs (int inputs zero), as plain arrays. */
function outputsOf(compiled: CompiledGraph): number[][] {
  return tf.tidy(() => {
    const feeds = compiled.model.inputs.map((input, i) => {
      const shape = [4, ...input.shape.slice(1).map((d) => d ?? 1)];
      return input.dtype === 'int32' ? tf.zeros(shape, 'int32') : tf.randomUniform(shape, -1, 1, 'float32', 100 + i);
    });
    const out = compiled.model.predict(feeds);
    return (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
  });
}

async function trained(graph: GraphDocument) {
  const dataset = await loadDataset('moons', NO_FILES);
  const compiled = compileSeeded(graph);
  const result = await runTraining(graph, compiled, dataset, { backend: 'cpu', limit: 256 });
  result.trainer.dispose();
  return { compiled, result };
}

describe('weights kept with the document', () => {
  it('round-trip through a saved file: a fresh model gives the trained outputs exactly', async () => {
    const graph = moonsNet();
    const { compiled, result } = await trained(graph);
    const expected = outputsOf(compiled);
    const weights = captureWeights(compiled.model);
    // kernel + bias twice, and gamma, beta, moving mean, moving variance.
    expect(weights.specs).toHaveLength(8);
    expect(weights.specs.some((s) => /moving_mean/.test(s.name))).toBe(true);

    const saved = toSavedRun({
      id: 'run-1',
      name: 'Run 1',
      status: result.status,
      graph,
      manifest: result.manifest,
      curves: {
        steps: [1, 2, 3],
        losses: [0.7, Number.NaN, 0.5],
        epochSteps: result.epochs.map((_, i) => (i + 1) * 8),
        epochLoss: result.epochs.map((e) => e.loss),
        validationLoss: result.epochs.map((e) => e.validation?.loss ?? null),
        metrics: { accuracy: result.epochs.map((e) => e.metrics.accuracy ?? 0) },
        validationMetrics: {},
      },
      test: result.test,
      weights,
    });
    const text = serializeGraph({ ...graph, runs: [saved] });
    // One line per run: the graph part of the file stays readable.
    expect(text.split('\n').filter((l) => l.includes('"weights"'))).toHaveLength(1);
    const reopened = parseGraphText(text);
    expect(reopened.ok, JSON.stringify(reopened.ok ? null : reopened.errors)).toBe(true);
    if (!reopened.ok) return;
    const run = reopened.graph.runs[0];
    expect(run?.curves.losses).toEqual([0.7, null, 0.5]);
    expect(serializeGraph(reopened.graph)).toBe(text);

    const fresh = compileSeeded(runGraph(reopened.graph, run!));
    expect(outputsOf(fresh)).not.toEqual(expected);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) applyWeights(fresh, reopened.graph, run!.weights!);
    expect(tf.memory().numTensors).toBe(before);
    expect(outputsOf(fresh)).toEqual(expected);
    compiled.model.dispose();
    fresh.model.dispose();
  });

  it('refuses weights of another graph, naming the node that differs', async () => {
    const { compiled } = await trained(moonsNet(16));
    const weights = captureWeights(compiled.model);
    compiled.model.dispose();
    const wider = moonsNet(24);
    const other = compileSeeded(wider);
    let error: unknown = null;
    try {
      applyWeights(other, wider, weights);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).message).toMatch(/node "hidden" has shape \[2, 24\] but the saved weight is \[2, 16\]/);
    expect((error as WeightsError).nodeId).toBe(wider.nodes.find((n) => n.name === 'hidden')?.id);
    other.model.dispose();
  });

  it('refuses damaged weight data in a file with the path and what is wrong', async () => {
    const graph = moonsNet();
    const compiled = compileSeeded(graph);
    const weights = captureWeights(compiled.model);
    compiled.model.dispose();
    const manifest = {
      graphHash: 'a'.repeat(64),
      graphName: 'moons',
      dataset: { id: 'moons', version: 1, options: {} },
      seed: 5,
      backend: 'cpu',
      tfjsVersion: tf.version_core,
      training: graph.training,
      limit: null,
      startedAt: new Date(0).toISOString(),
    };
    const curves = { steps: [], losses: [], epochSteps: [], epochLoss: [], validationLoss: [], metrics: {}, validationMetrics: {} };
    const run = toSavedRun({ id: 'r', name: 'r', status: 'completed', graph, manifest, curves, test: null, weights });
    const file = (w: unknown) => JSON.stringify({ ...JSON.parse(serializeGraph(graph)), runs: [{ ...run, weights: w }] });
    const truncated = parseGraphText(file({ ...weights, data: weights.data.slice(0, -8) }));
    expect(truncated.ok).toBe(false);
    if (!truncated.ok) expect(truncated.errors[0]).toEqual({ path: '$.runs[0].weights.data', message: expect.stringMatching(/expected \d+ base64 characters/) as string });
    const garbage = parseGraphText(file({ ...weights, data: `${'*'.repeat(8)}${weights.data.slice(8)}` }));
    expect(garbage.ok).toBe(false);
    if (!garbage.ok) expect(garbage.errors[0]?.message).toMatch(/not base64/);
    const doc = JSON.parse(file(weights)) as { runs: { graph: { nodes: { params: Record<string, unknown> }[] } }[] };
    (doc.runs[0]!.graph.nodes[1] as { params: Record<string, unknown> }).params.units = -3;
    const badNode = parseGraphText(JSON.stringify(doc));
    expect(badNode.ok).toBe(false);
    if (!badNode.ok) expect(badNode.errors[0]?.path).toBe('$.runs[0].graph.nodes[1].params.units');
    expect(decodeWeights(weights).size).toBe(weights.specs.length);
  });

  it('reads a version 1 file as a document with no runs', () => {
    const v1 = { ...JSON.parse(serializeGraph(moonsNet())), version: 1 } as Record<string, unknown>;
    delete v1.runs;
    const r = parseGraphText(JSON.stringify(v1));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.graph.runs).toEqual([]);
  });

  it('thins long curves to a bounded number of points, keeping the first and the last', () => {
    const steps = Array.from({ length: 10_001 }, (_, i) => i + 1);
    const t = thinned(steps, steps.map((s) => s * 2), 2000);
    expect(t.steps.length).toBeLessThanOrEqual(2000);
    expect(t.steps[0]).toBe(1);
    expect(t.steps[t.steps.length - 1]).toBe(10_001);
    expect(t.values.every((v, i) => v === (t.steps[i] as number) * 2)).toBe(true);
  });
});
