import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSeeded } from '../../../core/engine/run';
import { captureWeights } from '../../../core/engine/weights';
import { GraphBuilder, keepRun, parseGraphText, serializeGraph, toSavedRun, type GraphDocument } from '../../../core/graph';
import { importLayersModel } from '../../../core/import/layers-model';
import { runCli } from '../cli/run-cli';
import { asModelFiles, importedOutputs, maxAbsDiff, modelFiles, patternWeights, referenceOutputs, sampleInputs } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A classifier with a conv branch, batch norm and a trailing leaky ReLU (a second tfjs layer). */
function netwrightGraph(): GraphDocument {
  const g = new GraphBuilder('roundtrip');
  const x = g.add('Input', { shape: [28, 28, 1], feature: 'image' }, undefined, 'image');
  const c = g.add('Conv2D', { filters: 3, kernelSize: [3, 3], activation: 'leakyRelu' }, x, 'conv');
  const p = g.add('MaxPool2D', {}, c, 'pool');
  const f = g.add('Flatten', {}, g.add('BatchNorm', {}, p, 'norm'), 'flat');
  const o = g.add('Dense', { units: 4 }, g.add('Dense', { units: 6, activation: 'relu' }, f, 'hidden'), 'logits');
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }, undefined, 'label') });
  g.training({ dataset: { id: 'mnist', options: {} }, seed: 3 });
  return g.build();
}

describe('export -> import round trip', () => {
  it('gives the same graph (the export carries it) and the same outputs', async () => {
    const graph = netwrightGraph();
    const compiled = compileSeeded(graph);
    patternWeights(compiled.model);
    const { json, files } = await modelFiles(compiled.model, 1, graph);
    const imported = await importLayersModel(asModelFiles(json, files), { name: 'roundtrip', backend: 'cpu' });
    expect(imported.source).toBe('netwright-metadata');
    expect({ ...imported.graph, runs: [] }).toEqual({ ...graph, metadata: { ...graph.metadata }, runs: [] });
    const inputs = sampleInputs(compiled.model);
    expect(maxAbsDiff(importedOutputs(imported.graph, inputs).outputs, referenceOutputs(compiled.model, inputs))).toBe(0);
    tf.dispose(inputs);
    compiled.model.dispose();
  });

  it('without the graph in the metadata, the layers map back to the same node types and parameters', async () => {
    const graph = netwrightGraph();
    const compiled = compileSeeded(graph);
    patternWeights(compiled.model);
    const { json, files } = await modelFiles(compiled.model, 1);
    expect(json.userDefinedMetadata).toBeUndefined();
    const imported = await importLayersModel(asModelFiles(json, files), { name: 'roundtrip', backend: 'cpu' });
    expect(imported.source).toBe('layers');
    const layers = (g: GraphDocument) => g.nodes.filter((n) => !['SparseCategoricalCrossentropy'].includes(n.type) && n.name !== 'label').map((n) => ({ type: n.type, params: { ...n.params, feature: undefined } as Record<string, unknown> }));
    // The leaky ReLU Netwright builds as a second tfjs layer comes back as an Activation node.
    const expected = layers(graph).flatMap((n) =>
      n.params.activation === 'leakyRelu' ? [{ ...n, params: { ...n.params, activation: 'linear' } }, { type: 'Activation', params: { activation: 'leakyRelu', alpha: 0.3, feature: undefined } }] : [n],
    );
    expect(layers(imported.graph)).toEqual(expected);
    const inputs = sampleInputs(compiled.model);
    expect(maxAbsDiff(importedOutputs(imported.graph, inputs).outputs, referenceOutputs(compiled.model, inputs))).toBe(0);
    tf.dispose(inputs);
    compiled.model.dispose();
  });
});

describe('netwright import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwright-import-'));

  it('imports an exported run and refuses to overwrite without --force', async () => {
    const graph = netwrightGraph();
    const compiled = compileSeeded(graph);
    patternWeights(compiled.model);
    const weights = captureWeights(compiled.model);
    compiled.model.dispose();
    const run = toSavedRun({
      id: 'r1',
      name: 'patterned',
      status: 'completed',
      graph,
      manifest: { graphHash: '0'.repeat(64), graphName: 'roundtrip', dataset: { id: 'mnist', version: 1, options: {} }, seed: 3, backend: 'cpu', tfjsVersion: tf.version_core, training: graph.training, limit: null, startedAt: new Date(0).toISOString() },
      curves: { steps: [], losses: [], epochSteps: [], epochLoss: [], validationLoss: [], metrics: {}, validationMetrics: {} },
      test: null,
      weights,
    });
    const file = join(dir, 'g.json');
    writeFileSync(file, serializeGraph(keepRun(graph, run)));
    const exported = await runCli(['export', file, '--out', join(dir, 'model')]);
    expect(exported.code).toBe(0);
    const out = join(dir, 'imported.json');
    const r = await runCli(['import', join(dir, 'model', 'model.json'), '--out', out, '--backend', 'cpu']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported .*model\.json: 9 nodes, .* parameters \(the graph Netwright exported\)/);
    const parsed = parseGraphText(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.errors[0]?.message);
    expect(parsed.graph.nodes).toEqual(graph.nodes);
    expect(parsed.graph.runs[0]?.weights?.data).toBe(weights.data);

    const again = await runCli(['import', join(dir, 'model', 'model.json'), '--out', out, '--backend', 'cpu']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect((await runCli(['import', join(dir, 'model', 'model.json'), '--out', out, '--backend', 'cpu', '--force'])).code).toBe(0);
  });

  it('says which weight file is missing or truncated', async () => {
    const model = join(dir, 'model');
    if (!existsSync(join(model, 'model.json'))) return expect.fail('the previous test writes the model');
    const bytes = readFileSync(join(model, 'weights.bin'));
    writeFileSync(join(model, 'weights.bin'), bytes.subarray(0, bytes.byteLength - 8));
    const r = await runCli(['import', join(model, 'model.json'), '--out', join(dir, 'x.json'), '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the weight file 'weights\.bin' holds \d+ bytes but the manifest's weights need \d+/);
  });
});
