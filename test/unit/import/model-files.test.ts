import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGraphText, runManifestSchema, serializeGraph } from '../../../core/graph';
import { importModelFiles, isModelJsonText, modelEntry, modelName, type ModelFile } from '../../../core/import/model-files';
import { importedOutputs, maxAbsDiff, modelFiles, patternWeights, referenceOutputs, sampleInputs } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** A small model's layers-format files as the page gets them (bytes by file name), shards given separately. */
async function smallModel(shards: number): Promise<{ model: tfl.LayersModel; files: ModelFile[] }> {
  const model = tfl.sequential({ name: 'picked', layers: [tfl.layers.dense({ inputShape: [5], units: 4, activation: 'tanh' }), tfl.layers.dense({ units: 2 })] });
  patternWeights(model);
  const { json, files } = await modelFiles(model, shards);
  return { model, files: [{ name: 'model.json', bytes: text(json) }, ...[...files].map(([name, bytes]) => ({ name, bytes }))] };
}

describe('a model given as files (Open…, a drop, the worker)', () => {
  it('tells a model.json from a graph file', () => {
    expect(isModelJsonText(JSON.stringify({ modelTopology: {}, weightsManifest: [] }))).toBe(true);
    expect(isModelJsonText(JSON.stringify({ format: 'graph-model', modelTopology: {} }))).toBe(true);
    expect(isModelJsonText(JSON.stringify({ format: 'netwright.graph', version: 4, nodes: [] }))).toBe(false);
    expect(isModelJsonText('{"modelTopology": ')).toBe(false);
    expect(modelName('mnist_cnn.keras')).toBe('mnist_cnn');
  });

  it('imports a model.json whose weight files were picked with it (in any order, among other files): same outputs', async () => {
    const { model, files } = await smallModel(3);
    const picked = [files[2] as ModelFile, { name: 'notes.txt', bytes: new Uint8Array([1]) }, files[0] as ModelFile, files[3] as ModelFile, files[1] as ModelFile];
    const imported = await importModelFiles(picked, { name: 'picked', backend: 'cpu' });
    const inputs = sampleInputs(model);
    expect(maxAbsDiff(importedOutputs(imported.graph, inputs).outputs, referenceOutputs(model, inputs))).toBe(0);
    expect(imported.graph.runs.map((r) => r.name)).toEqual(['Imported weights (picked)']);
    tf.dispose(inputs);
    model.dispose();
  });

  it("keeps where the weights came from in the run's manifest (file, format, producer, SHA-256 of each file), saved and read back with the document", async () => {
    const { model, files } = await smallModel(2);
    const json = JSON.parse(new TextDecoder().decode((files[0] as ModelFile).bytes)) as Record<string, unknown>;
    json.generatedBy = 'TensorFlow.js tfjs-layers v4.22.0';
    json.convertedBy = 'TensorFlow.js Converter v4.22.0';
    const named = [{ name: 'mnist-mlp.json', bytes: text(json) }, ...files.slice(1)];
    const imported = await importModelFiles(named, { name: 'picked', backend: 'cpu' });
    const sha = async (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const run = imported.graph.runs[0];
    expect(run?.manifest.origin).toEqual({
      file: 'mnist-mlp.json',
      format: 'tfjs-layers',
      producer: 'TensorFlow.js tfjs-layers v4.22.0; TensorFlow.js Converter v4.22.0',
      sha256: await sha((named[0] as ModelFile).bytes),
      weightFiles: [
        { name: 'group1-shard1of2.bin', sha256: await sha((files[1] as ModelFile).bytes) },
        { name: 'group1-shard2of2.bin', sha256: await sha((files[2] as ModelFile).bytes) },
      ],
      graphFrom: 'layers',
    });
    // Saved with the document and read back; a trained run has no origin.
    const reread = parseGraphText(serializeGraph(imported.graph));
    expect(reread.ok && reread.graph.runs[0]?.manifest.origin).toEqual(run?.manifest.origin);
    const { origin: _origin, ...trained } = run?.manifest ?? {};
    expect(runManifestSchema.safeParse(trained).success).toBe(true);
    expect(runManifestSchema.safeParse({ ...run?.manifest, origin: { ...run?.manifest.origin, sha256: 'abc' } }).success).toBe(false);
    model.dispose();
  });

  it('says which weight file is missing, when no file is a model, and when two are', async () => {
    const { model, files } = await smallModel(2);
    await expect(importModelFiles(files.slice(0, 2), { name: 'x', backend: 'cpu' })).rejects.toThrow("weightsManifest[0]: the weight file 'group1-shard2of2.bin' is missing; give it together with model.json");
    expect(() => modelEntry(files.slice(1))).toThrow('none of the files (group1-shard1of2.bin, group1-shard2of2.bin) is a model: give a TensorFlow.js model.json with its weight files, a Keras .keras archive or a Keras .h5 file');
    expect(() => modelEntry([files[0] as ModelFile, { ...(files[0] as ModelFile), name: 'other.json' }])).toThrow('give one model.json at a time (given: model.json, other.json)');
    expect(() => modelEntry([])).toThrow('no files were given');
    model.dispose();
  });
});
