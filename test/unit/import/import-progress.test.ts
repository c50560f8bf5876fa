/**
 * The import's progress as the worker reports it (engine.worker.ts hands these calls to the page
 * unchanged): stages in order, fractions rising to 1 with "done" last, for a tfjs model in shards
 * and for a Netwright export. The page showing them is test/e2e/import-training.spec.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSeeded } from '../../../core/engine/run';
import { GraphBuilder } from '../../../core/graph';
import { importModelFiles, type ModelFile } from '../../../core/import/model-files';
import { ImportError } from '../../../core/import/errors';
import { modelFiles, patternWeights } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

async function filesOf(model: tfl.LayersModel, shards: number, graph?: Parameters<typeof modelFiles>[2]): Promise<ModelFile[]> {
  const { json, files } = await modelFiles(model, shards, graph);
  return [{ name: 'model.json', bytes: text(json) }, ...[...files].map(([name, bytes]) => ({ name, bytes }))];
}

async function progressOf(files: ModelFile[]): Promise<[number, string][]> {
  const events: [number, string][] = [];
  await importModelFiles(files, { name: 'large', backend: 'cpu', onProgress: (fraction, stage) => events.push([fraction, stage]) });
  return events;
}

function expectRisingToDone(events: readonly [number, string][]): void {
  expect(events.length).toBeGreaterThanOrEqual(4);
  events.forEach(([fraction], i) => {
    expect(fraction).toBeGreaterThanOrEqual(0);
    expect(fraction).toBeLessThanOrEqual(1);
    if (i > 0) expect(fraction).toBeGreaterThan((events[i - 1] as [number, string])[0]);
  });
  expect(events.at(-1)).toEqual([1, 'done']);
}

describe('import progress', () => {
  it('a 784-1024-10 tfjs model in 4 shards (3.2 MB): reading, mapping, building, keeping, done, rising to 1', async () => {
    const model = tfl.sequential({ name: 'large', layers: [tfl.layers.dense({ inputShape: [784], units: 1024, activation: 'relu' }), tfl.layers.dense({ units: 10 })] });
    patternWeights(model);
    const files = await filesOf(model, 4);
    model.dispose();
    const events = await progressOf(files);
    expect(events.map(([, stage]) => stage)).toEqual(['reading weights', 'mapping layers', 'building the model', 'keeping the weights', 'done']);
    expectRisingToDone(events);
  });

  it("a Netwright export (its graph in the metadata) reports the same stages; a refused file stops before 'done'", async () => {
    const g = new GraphBuilder('exported');
    const x = g.add('Input', { shape: [6] }, undefined, 'x');
    g.add('Dense', { units: 3 }, g.add('Dense', { units: 8, activation: 'relu' }, x, 'hidden'), 'out');
    const graph = g.build();
    const compiled = compileSeeded(graph);
    const files = await filesOf(compiled.model, 1, graph);
    compiled.model.dispose();
    const events = await progressOf(files);
    expect(events.map(([, stage]) => stage)).toEqual(['reading weights', 'mapping layers', 'building the model', 'keeping the weights', 'done']);
    expectRisingToDone(events);

    // A truncated shard: the import fails with the reason, and never reports done.
    const truncated = files.map((f) => (f.name === 'model.json' ? f : { ...f, bytes: f.bytes.slice(0, f.bytes.byteLength - 4) }));
    const seen: string[] = [];
    await expect(importModelFiles(truncated, { name: 'cut', backend: 'cpu', onProgress: (_, stage) => seen.push(stage) })).rejects.toBeInstanceOf(ImportError);
    expect(seen).not.toContain('done');
  });
});
