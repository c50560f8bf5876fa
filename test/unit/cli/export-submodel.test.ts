/**
 * `netwright export --submodel` and `netwright inspect --submodel`: the GAN generator of a kept run alone, in the three formats, each
 * checked against a tfjs model built directly for the generator from the run's weights (ONNX
 * Runtime, tf.loadLayersModel, and the real PyTorch where /usr/bin/python3 has it); the decoder of
 * the convolutional VAE in ONNX with the initial weights; a missing sub-model is named.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactsFromExport } from '../../../core/engine/export';
import { compileSeeded } from '../../../core/engine/run';
import { compileSubmodel } from '../../../core/engine/submodel';
import { applyWeights, decodeWeights } from '../../../core/engine/weights';
import { parseGraphText, serializeGraph, type GraphDocument } from '../../../core/graph';
import { npyBytes } from '../../../core/export/pytorch';
import { getTemplate } from '../../../core/templates';
import { PYTHON, torchUnavailable } from '../export/pytorch-oracle';
import { runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'netwright-export-submodel-'));
const EXAMPLES = resolve(__dirname, '../../../examples');

function readGraph(file: string): GraphDocument {
  const parsed = parseGraphText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file} does not parse`);
  return parsed.graph;
}

/** max |got - want| / max |want|. */
function relative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return diff / Math.max(scale, 1e-6);
}

async function runOnnx(file: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(file);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('netwright export --submodel', () => {
  const file = join(dir, 'gan.json');
  const noise = Float32Array.from({ length: 6 * 8 }, (_, i) => Math.sin(i * 1.7) * 1.5);
  let expected: Float32Array;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    writeFileSync(file, readFileSync(join(EXAMPLES, 'gan-2d.json')));
    const trained = await runCli(['train', file, '--epochs', '1', '--backend', 'cpu', '--keep']);
    expect(trained.code).toBe(0);
    // The oracle: Dense + LeakyReLU(0.3) layers built directly, with the run's weights by layer name.
    const run = readGraph(file).runs[0];
    if (!run?.weights) throw new Error('no kept weights');
    const saved = [...decodeWeights(run.weights).values()];
    const weightsOf = (layer: string) => saved.filter((w) => w.spec.layer === layer).map((w) => tf.tensor(w.values, w.spec.shape));
    const oracle = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 64, inputShape: [8] }),
        tfl.layers.leakyReLU({ alpha: 0.3 }),
        tfl.layers.dense({ units: 64 }),
        tfl.layers.leakyReLU({ alpha: 0.3 }),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const weights = ['g_hidden1', 'g_hidden2', 'generated'].flatMap(weightsOf);
    expect(weights).toHaveLength(6);
    oracle.setWeights(weights);
    const x = tf.tensor2d(noise, [6, 8]);
    const y = oracle.predict(x) as tf.Tensor;
    expected = Float32Array.from(y.dataSync());
    tf.dispose([x, y, ...weights]);
    oracle.dispose();
  }, 120_000);

  it('ONNX: noise in, points out; ONNX Runtime equals the tfjs generator within 1e-5', async () => {
    const out = join(dir, 'generator.onnx');
    const e = await runCli(['export', file, '--submodel', 'generator', '--format', 'onnx', '--out', out]);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/\(sub-model generator\) to .*generator\.onnx: ONNX opset 17, 4866 parameters; inputs noise \[batch, 8\]; outputs generated \[batch, 2\]\n$/);
    const got = (await runOnnx(out, { noise: new ort.Tensor('float32', noise, [6, 8]) }))['generated']?.data as Float32Array;
    const difference = relative(got, expected);
    console.log(`generator ONNX vs tfjs: max relative difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThan(1e-5);
  });

  it('layers: tf.loadLayersModel gives the generator', async () => {
    const out = join(dir, 'generator-layers');
    const e = await runCli(['export', file, '--submodel', 'generator', '--format', 'layers', '--out', out]);
    expect(e.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).submodel).toBe('generator');
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory(artifactsFromExport({ modelJson: readFileSync(join(out, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(out, 'weights.bin'))) })),
    );
    expect(model.countParams()).toBe(4866);
    const x = tf.tensor2d(noise, [6, 8]);
    const y = model.predict(x) as tf.Tensor;
    expect(relative(y.dataSync(), expected)).toBeLessThan(1e-6);
    tf.dispose([x, y]);
    model.dispose();
  });

  const noTorch = torchUnavailable();
  it.skipIf(noTorch !== null && !process.env['CI'])(`PyTorch: the exported module with weights.npz equals the tfjs generator within 1e-5${noTorch ? ` (skipped: ${noTorch})` : ''}`, async () => {
    const out = join(dir, 'generator-pytorch');
    const e = await runCli(['export', file, '--submodel', 'generator', '--format', 'pytorch', '--out', out]);
    expect(e.code).toBe(0);
    writeFileSync(join(out, 'noise.npy'), npyBytes({ dtype: 'float32', shape: [6, 8], values: noise }));
    const script = [
      'import json, sys, numpy as np, torch',
      `sys.path.insert(0, ${JSON.stringify(out)})`,
      'import model',
      `net = model.load_weights(model.Model(), ${JSON.stringify(join(out, 'weights.npz'))}).eval()`,
      `x = torch.from_numpy(np.load(${JSON.stringify(join(out, 'noise.npy'))}))`,
      'with torch.no_grad(): y = net(x)["generated"]',
      'print(json.dumps({"parameters": sum(p.numel() for p in net.parameters()), "y": y.flatten().tolist()}))',
    ].join('\n');
    const result = JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } })) as { parameters: number; y: number[] };
    expect(result.parameters).toBe(4866);
    const difference = relative(result.y, expected);
    console.log(`generator PyTorch vs tfjs: max relative difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThan(1e-5);
  });

  it('the convolutional VAE decoder exports alone to ONNX (latent in, image logits out) equal to tfjs', async () => {
    const vae = join(dir, 'vae.json');
    writeFileSync(vae, serializeGraph(getTemplate('vae-conv-mnist')?.build() as GraphDocument));
    const out = join(dir, 'decoder.onnx');
    const e = await runCli(['export', vae, '--submodel', 'decoder', '--format', 'onnx', '--out', out]);
    expect(e.stderr).toBe('');
    expect(e.stdout).toMatch(/inputs z \[batch, 2\]; outputs reconstruction \[batch, 28, 28, 1\]\n$/);
    // The same initial weights: the whole model compiled with the seed, copied into the decoder.
    const graph = readGraph(vae);
    const whole = compileSeeded(graph);
    const { compiled } = compileSubmodel(graph, 'decoder', whole);
    const z = Float32Array.from([0.3, -1.2, 1.5, 0.1, -0.4, 0.8]);
    const x = tf.tensor2d(z, [3, 2]);
    const y = compiled.model.predict(x) as tf.Tensor;
    const got = (await runOnnx(out, { z: new ort.Tensor('float32', z, [3, 2]) }))['reconstruction']?.data as Float32Array;
    expect(relative(got, y.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    compiled.model.dispose();
    whole.model.dispose();
  });

  it('inspect --submodel runs the generator on chosen noise: the oracle\'s points; the discriminator on a point gives D(x)', async () => {
    const text = Array.from(noise, (v) => String(v)).join(',');
    const e = await runCli(['inspect', file, '--submodel', 'generator', '--values', text, '--json', '--backend', 'cpu']);
    expect(e.stderr).toBe('');
    const result = JSON.parse(e.stdout) as { outputs: { node: string; shape: number[]; values: number[] }[] };
    expect(result.outputs.map((o) => [o.node, o.shape])).toEqual([['generated', [6, 2]]]);
    expect(relative(result.outputs[0]?.values ?? [], expected)).toBeLessThan(1e-6);
    // The whole model's D(x) on the same points (its first output is the real branch's score).
    const graph = readGraph(file);
    const whole = compileSeeded(graph);
    applyWeights(whole, graph, graph.runs[0]?.weights as NonNullable<GraphDocument['runs'][number]['weights']>);
    const points = tf.tensor2d([0.5, 0.2, -1, 0.7], [2, 2]);
    const outs = whole.model.predict(points) as tf.Tensor[];
    const dReal = (outs[whole.outputs.findIndex((o) => o.nodeId === 'd_score')] as tf.Tensor).dataSync();
    const d = await runCli(['inspect', file, '--submodel', 'discriminator', '--values', 'real=0.5,0.2,-1,0.7', '--json', '--backend', 'cpu']);
    const scores = (JSON.parse(d.stdout) as { outputs: { values: number[] }[] }).outputs[0]?.values ?? [];
    expect(relative(scores, dReal)).toBeLessThan(1e-6);
    tf.dispose([points, ...outs]);
    whole.model.dispose();
    const wrong = await runCli(['inspect', file, '--submodel', 'generator', '--values', '1,2,3']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('netwright: --values: "noise" takes 8 numbers per sample, 3 were given\n');
    const png = join(dir, 'generated.png');
    const drawn = await runCli(['inspect', file, '--submodel', 'generator', '--samples', '4', '--png', png, '--backend', 'cpu']);
    expect(drawn.code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('names a sub-model the graph does not have, with the ones it has', async () => {
    const inspected = await runCli(['inspect', file, '--submodel', 'critic']);
    expect(inspected.stderr).toBe('netwright: the graph has no sub-model "critic"; its sub-models are "generator", "discriminator"\n');
    const e = await runCli(['export', file, '--submodel', 'critic', '--format', 'onnx', '--out', join(dir, 'x.onnx')]);
    expect(e.code).toBe(1);
    expect(e.stderr).toBe('netwright: the graph has no sub-model "critic"; its sub-models are "generator", "discriminator"\n');
  });
});
