/**
 * The fused Dense op (fused-dense.ts over core/engine/simd/dense.c) against tfjs' Dense on the cpu
 * backend: the SAME layer object runs on cpu (tfjs' path, the oracle) and on wasm with the SIMD
 * module (the fused kernels), and the output and the gradients of Σ output·probe with respect to
 * x, the kernel and the bias must agree within 1e-4. Odd sizes (units not a multiple of 4, rows
 * not a multiple of 4, batch 1), every activation the kernels apply and one they do not, no bias,
 * a [batch, time, features] input; which kernels ran, flat tensor counts, save/load, and a
 * gradient of a gradient (the nested call falls back to tfjs' differentiable ops).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { denseLayer, FusedDense, useStockDense } from '../../../core/catalogue/layers/core/fused-dense';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { DENSE, DENSE_GRAD_BIAS, DENSE_GRAD_INPUT, DENSE_GRAD_KERNEL } from '../../../core/engine/simd/dense-kernels';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { expectClose, patterned } from './agreement';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

/** Deterministic values in [-scale, scale] (no randomness: a failure reproduces). */
/** The layer built on a symbolic input (so that it can be disposed like a layer of a model). */
function built(layer: tfl.layers.Layer, shape: number[]): tfl.layers.Layer {
  layer.apply(tfl.input({ shape: shape.slice(1) }));
  return layer;
}

interface Run {
  output: Float32Array;
  grads: Float32Array[];
}

/** Output and the gradients of Σ output·probe w.r.t. x and every weight, on the active backend. */
function run(layer: tfl.layers.Layer, xValues: tf.Tensor, withDx = true): Run {
  const x = tf.variable(xValues, true);
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let output = new Float32Array(0);
  let probe: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const y = layer.apply(x) as tf.Tensor;
    output = (y.dataSync() as Float32Array).slice();
    probe = tf.keep(patterned(y.shape, 7));
    return tf.sum(tf.mul(y, probe));
  }, withDx ? [x, ...weights] : weights);
  const result = { output, grads: (withDx ? [x, ...weights] : weights).map((v) => (grads[v.name]!.dataSync() as Float32Array).slice()) };
  // x shares xValues' data: disposing the variable leaves xValues to its owner.
  tf.dispose([value, ...Object.values(grads), x, probe!]);
  return result;
}

interface Case {
  shape: number[];
  units: number;
  activation: string;
  useBias: boolean;
}

/** The layer on cpu (tfjs' Dense) and on wasm (fused), from the same weights and input. */
async function compareWithCpu(c: Case): Promise<void> {
  const label = `[${c.shape.join(', ')}] -> ${c.units} ${c.activation}${c.useBias ? '' : ' no bias'}`;
  await tf.setBackend('cpu');
  const layer = built(denseLayer({ units: c.units, activation: c.activation as 'relu', useBias: c.useBias }), c.shape);
  const x = patterned(c.shape, 1, 2);
  // A bias that makes pre-activations of both signs (relu's gradient mask matters).
  layer.setWeights(layer.getWeights().map((w, i) => patterned(w.shape, 3 + i, i === 0 ? 0.7 : 0.5)));
  const expected = run(layer, x);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const info = await tf.profile(() => void run(layer, x));
  const actual = run(layer, x);
  expect(tf.memory().numTensors, `tensors left behind: ${label}`).toBe(before);
  const names = new Set(info.kernels.map((k) => k.name));
  for (const k of [DENSE, DENSE_GRAD_INPUT, DENSE_GRAD_KERNEL]) expect(names.has(k), `${label}: ${k} ran`).toBe(true);
  expect(names.has(DENSE_GRAD_BIAS), `${label}: ${DENSE_GRAD_BIAS} ran`).toBe(c.useBias);
  expect(names.has('BatchMatMul') || names.has('_FusedMatMul'), `${label}: no tfjs product ran`).toBe(false);
  expectClose(actual.output, expected.output, `${label}: output`);
  expect(actual.grads.length, label).toBe(expected.grads.length);
  actual.grads.forEach((g, i) => expectClose(g, expected.grads[i]!, `${label}: gradient ${['x', 'kernel', 'bias'][i]}`));
  layer.dispose();
  x.dispose();
}

describe('fused Dense (wasm SIMD) = tfjs Dense on cpu: output and every gradient', () => {
  beforeAll(async () => {
    registerWasmKernelGaps();
    expect(await loadNodeSimdKernels()).toBe(true);
  });
  afterEach(() => useStockDense(false));
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('every activation the kernels apply, odd sizes, with and without bias', async () => {
    for (const activation of ['linear', 'relu', 'sigmoid', 'tanh']) {
      for (const [rows, features, units] of [
        [7, 7, 10],
        [13, 33, 9],
        [8, 16, 12],
        [66, 300, 17],
      ] as const) {
        await compareWithCpu({ shape: [rows, features], units, activation, useBias: true });
      }
      await compareWithCpu({ shape: [6, 5], units: 3, activation, useBias: false });
    }
  });

  it('batch 1, one feature, one unit; a [batch, time, features] input; an activation applied after the kernel (elu, softmax)', async () => {
    await compareWithCpu({ shape: [1, 1], units: 1, activation: 'relu', useBias: true });
    await compareWithCpu({ shape: [1, 9], units: 5, activation: 'tanh', useBias: true });
    await compareWithCpu({ shape: [3, 4, 6], units: 7, activation: 'sigmoid', useBias: true });
    await compareWithCpu({ shape: [4, 11], units: 6, activation: 'elu', useBias: true });
    await compareWithCpu({ shape: [4, 11], units: 6, activation: 'softmax', useBias: false });
  });

  it('the input gradient runs only when the input needs one (a first layer on data skips its largest product)', async () => {
    await tf.setBackend('wasm');
    const layer = built(denseLayer({ units: 6, activation: 'relu' }), [5, 8]);
    const x = patterned([5, 8], 1);
    const info = await tf.profile(() => void run(layer, x, false));
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain(DENSE_GRAD_KERNEL);
    expect(names).toContain(DENSE_GRAD_BIAS);
    expect(names).not.toContain(DENSE_GRAD_INPUT);
    layer.dispose();
    x.dispose();
  });

  it("a gradient of a gradient (WGAN-GP's penalty) differentiates: the nested call takes tfjs' path, same values as cpu", async () => {
    const penaltyGrads = (layer: tfl.layers.Layer, x: tf.Tensor): Float32Array[] => {
      const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => {
        const g = tf.grad((v: tf.Tensor) => tf.sum(layer.apply(v) as tf.Tensor))(x);
        // The critic's own forward pass in the same step, outside the nested gradient.
        return tf.add(tf.sum(tf.square(g)), tf.sum(layer.apply(x) as tf.Tensor)) as tf.Scalar;
      }, weights);
      const out = weights.map((w) => (grads[w.name]!.dataSync() as Float32Array).slice());
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    await tf.setBackend('cpu');
    const layer = built(denseLayer({ units: 5, activation: 'tanh' }), [4, 6]);
    const x = patterned([4, 6], 1);
    const expected = penaltyGrads(layer, x);
    await tf.setBackend('wasm');
    const info = await tf.profile(() => void penaltyGrads(layer, x));
    expect(info.kernels.map((k) => k.name)).toContain(DENSE);
    penaltyGrads(layer, x).forEach((g, i) => expectClose(g, expected[i]!, `penalty gradient ${i}`));
    layer.dispose();
    x.dispose();
  });

  it("useStockDense(true) puts tfjs' own kernels back", async () => {
    await tf.setBackend('wasm');
    const layer = built(denseLayer({ units: 6, activation: 'relu' }), [5, 8]);
    const x = patterned([5, 8], 1);
    useStockDense(true);
    const stock = await tf.profile(() => void run(layer, x));
    expect(stock.kernels.map((k) => k.name)).not.toContain(DENSE);
    useStockDense(false);
    const fused = await tf.profile(() => void run(layer, x));
    expect(fused.kernels.map((k) => k.name)).toContain(DENSE);
    layer.dispose();
    x.dispose();
  });

  it('a model saved in the layers format loads as FusedDense with the same outputs (fused on wasm = stock)', async () => {
    await tf.setBackend('wasm');
    const input = tfl.input({ shape: [7] });
    const hidden = denseLayer({ units: 5, activation: 'tanh', name: 'hidden' }).apply(input) as tfl.SymbolicTensor;
    const out = denseLayer({ units: 3, name: 'logits' }).apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(JSON.stringify(artifacts!.modelTopology)).toContain('"class_name":"Dense"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(loaded.getLayer('hidden')).toBeInstanceOf(FusedDense);
    const x = patterned([4, 7], 2);
    useStockDense(true);
    const stock = (model.predict(x) as tf.Tensor).dataSync().slice() as Float32Array;
    useStockDense(false);
    const fused = (loaded.predict(x) as tf.Tensor).dataSync().slice() as Float32Array;
    expectClose(fused, stock, 'loaded fused vs original stock');
    model.dispose();
    loaded.dispose();
    x.dispose();
  });
});
