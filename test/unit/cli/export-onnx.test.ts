import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactsFromExport } from '../../../core/engine/export';
import { GraphBuilder, serializeGraph } from '../../../core/graph';
import { runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'netwright-export-onnx-'));

function moonsGraph(name: string): string {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' }, undefined, 'point');
  const o = g.add('Dense', { units: 2 }, g.add('Dense', { units: 8, activation: 'tanh' }, x, 'hidden'), 'logits');
  g.add('SparseCategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
  g.training({ dataset: { id: 'moons', options: {} }, epochs: 2, learningRate: 0.05, seed: 3 });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, serializeGraph(g.build()));
  return path;
}

async function runOnnx(file: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(file);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('netwright export --format onnx', () => {
  it("writes the kept run's model: ONNX Runtime gives the layers export's outputs", async () => {
    await tf.setBackend('cpu');
    const file = moonsGraph('kept');
    const trained = await runCli(['train', file, '--epochs', '2', '--backend', 'cpu', '--keep']);
    expect(trained.code).toBe(0);
    const onnxFile = join(dir, 'out', 'moons.onnx');
    const e = await runCli(['export', file, '--format', 'onnx', '--out', onnxFile, '--run', '1']);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^exported run run-\d+ \(.*\) to .*moons\.onnx: ONNX opset 17, 42 parameters; inputs point \[batch, 2\]; outputs logits \[batch, 2\]\n$/);
    const layersDir = join(dir, 'layers');
    expect((await runCli(['export', file, '--format', 'layers', '--out', layersDir])).code).toBe(0);
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory(artifactsFromExport({ modelJson: readFileSync(join(layersDir, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(layersDir, 'weights.bin'))) })),
    );
    const points = Float32Array.from([0.5, 0.25, -1, 0.3, 2, -0.7, 0, 0]);
    const x = tf.tensor2d(points, [4, 2]);
    const expected = model.predict(x) as tf.Tensor;
    const got = (await runOnnx(onnxFile, { point: new ort.Tensor('float32', points, [4, 2]) }))['logits']?.data as Float32Array;
    const want = expected.dataSync();
    expect(got).toHaveLength(8);
    got.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i] as number))));
    tf.dispose([x, expected]);
    model.dispose();
  });

  it('exports the initial weights of a graph that keeps no run, and says so', async () => {
    const file = moonsGraph('fresh');
    const out = join(dir, 'fresh.onnx');
    const e = await runCli(['export', file, '--format', 'onnx', '--out', out]);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^exported the initial weights \(seed 3\) to /);
    const result = await runOnnx(out, { point: new ort.Tensor('float32', Float32Array.from([0.1, 0.2]), [1, 2]) });
    expect(result['logits']?.dims).toEqual([1, 2]);
    // The layers format still needs a kept run.
    const layers = await runCli(['export', file, '--out', join(dir, 'fresh-layers')]);
    expect(layers.code).toBe(1);
    expect(layers.stderr).toMatch(/keeps no runs/);
  });

  it('refuses a node it cannot express, naming it and why; an unknown format is a usage error', async () => {
    const g = new GraphBuilder('variable length');
    const tokens = g.add('Input', { shape: [null], dtype: 'int32', feature: 'tokens' }, undefined, 'tokens');
    const embedded = g.add('Embedding', { inputDim: 20, outputDim: 4 }, tokens, 'embedding');
    g.add('GlobalAvgPool1D', {}, g.add('PositionalEncoding', {}, embedded, 'positions'), 'pool');
    const file = join(dir, 'variable.json');
    writeFileSync(file, serializeGraph(g.build()));
    const e = await runCli(['export', file, '--format', 'onnx', '--out', join(dir, 'variable.onnx')]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/node "positions" \(PositionalEncoding\) cannot be exported to ONNX: .*needs a fixed sequence length/);
    const unknown = await runCli(['export', file, '--format', 'tflite', '--out', join(dir, 'x')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown export format "tflite"; the formats are layers, pytorch, onnx/);
  });
});
