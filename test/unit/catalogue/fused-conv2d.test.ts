/**
 * The fused Conv2D op (fused-conv2d.ts, over Netwright's SIMD kernels in conv.c) against tfjs'
 * cpu backend: output and the gradients of input, filter and bias within 1e-4 on several
 * geometries (strides 1 and 2, same and valid, dilation, odd sizes, channel counts that are not
 * multiples of 4, no bias, no activation); the catalogue layer on the fused path; MaxPool's and
 * MaxPoolGrad's SIMD kernels; and flat tensor counts over training steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fusedConv2d, fusedConv2dApplies, type FusedConvActivation } from '../../../core/catalogue/layers/convolution/fused-conv2d';
import { conv2dLayer } from '../../../core/catalogue/layers/convolution/dilated';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { dilateFilter } from '../../../core/engine/kernels/dilated-filter';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { patternedValues } from './agreement';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

/** Deterministic values in [-scale, scale] (no randomness: a failure reproduces). */
interface Case {
  name: string;
  x: [number, number, number, number];
  kernel: [number, number];
  filters: number;
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
  activation: FusedConvActivation;
  bias: boolean;
}

const CASES: Case[] = [
  { name: '3x3 same relu, 3 -> 5 channels', x: [2, 7, 6, 3], kernel: [3, 3], filters: 5, strides: [1, 1], pad: 'same', dilations: [1, 1], activation: 'relu', bias: true },
  { name: '5x5 stride 2 valid linear, 1 -> 6 channels', x: [2, 9, 8, 1], kernel: [5, 5], filters: 6, strides: [2, 2], pad: 'valid', dilations: [1, 1], activation: 'linear', bias: true },
  { name: '3x2 strides [2, 1] same relu', x: [1, 8, 7, 2], kernel: [3, 2], filters: 4, strides: [2, 1], pad: 'same', dilations: [1, 1], activation: 'relu', bias: true },
  { name: 'dilation [2, 3] same relu, 5 -> 7', x: [2, 7, 9, 5], kernel: [3, 2], filters: 7, strides: [1, 1], pad: 'same', dilations: [2, 3], activation: 'relu', bias: true },
  { name: '1x1 valid linear, no bias', x: [3, 6, 5, 4], kernel: [1, 1], filters: 8, strides: [1, 1], pad: 'valid', dilations: [1, 1], activation: 'linear', bias: false },
  { name: "LeNet's second layer (5x5 valid relu, 6 -> 16)", x: [4, 14, 14, 6], kernel: [5, 5], filters: 16, strides: [1, 1], pad: 'valid', dilations: [1, 1], activation: 'relu', bias: true },
  { name: 'stride 2 same, even input, 9 -> 3', x: [2, 10, 8, 9], kernel: [4, 3], filters: 3, strides: [2, 2], pad: 'same', dilations: [1, 1], activation: 'relu', bias: true },
];

interface Result {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array | null;
}

/** Output and gradients of sum(y · weights) (weights patterned, so every gradient entry differs). */
function run(c: Case, fused: boolean): Result {
  let result: Result | null = null;
  tf.tidy(() => {
    const x = tf.tensor4d(patternedValues(c.x, 1), c.x);
    const wShape = [...c.kernel, c.x[3], c.filters] as [number, number, number, number];
    const w = tf.tensor4d(patternedValues(wShape, 2, 0.5), wShape);
    const b = tf.tensor1d(patternedValues([c.filters], 3, 0.3));
    const f = (xs: tf.Tensor4D, ws: tf.Tensor4D, bs: tf.Tensor1D): tf.Tensor4D => {
      if (fused) return fusedConv2d(xs, ws, c.bias ? bs : null, c.strides, c.pad, c.dilations, c.activation);
      // The reference: tfjs cannot differentiate dilated conv2d, so the dilated filter with dilation 1.
      let y: tf.Tensor4D = tf.conv2d(xs, dilateFilter(ws, c.dilations), c.strides, c.pad);
      if (c.bias) y = tf.add(y, bs);
      return c.activation === 'relu' ? tf.relu(y) : y;
    };
    const y = f(x, w, b);
    const weights = tf.tensor(patternedValues(y.shape, 4), y.shape);
    const loss = (xs: tf.Tensor, ws: tf.Tensor, bs?: tf.Tensor) => tf.sum(tf.mul(f(xs as tf.Tensor4D, ws as tf.Tensor4D, (bs ?? b) as tf.Tensor1D), weights));
    // Without a bias, b is not an input of the computation (tf.grads refuses it).
    const [dx, dw, db] = tf.grads(loss)(c.bias ? [x, w, b] : [x, w]);
    result = {
      y: y.dataSync() as Float32Array,
      dx: dx!.dataSync() as Float32Array,
      dw: dw!.dataSync() as Float32Array,
      db: c.bias ? (db!.dataSync() as Float32Array) : null,
    };
  });
  return result!;
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  expect(worst, what).toBeLessThan(1e-4);
}

describe('fused Conv2D on wasm (SIMD) against the cpu backend', () => {
  const reference = new Map<string, Result>();
  beforeAll(async () => {
    await tf.setBackend('cpu');
    for (const c of CASES) reference.set(c.name, run(c, false));
    registerWasmKernelGaps();
    expect(await loadNodeSimdKernels()).toBe(true);
    expect(await tf.setBackend('wasm')).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.name}: output and every gradient within 1e-4`, () => {
      expect(fusedConv2dApplies(tf.zeros(c.x), c.activation, 'channelsLast')).toBe(true);
      const actual = run(c, true);
      const expected = reference.get(c.name)!;
      expectClose(actual.y, expected.y, 'y');
      expectClose(actual.dx, expected.dx, 'dx');
      expectClose(actual.dw, expected.dw, 'dfilter');
      if (c.bias) expectClose(actual.db!, expected.db!, 'dbias');
    });
  }

  it('asks for no input gradient when only the weights train, and leaks no tensors over steps', async () => {
    const x = tf.tensor4d(patternedValues([4, 12, 12, 1], 5), [4, 12, 12, 1]);
    const w = tf.variable(tf.tensor4d(patternedValues([5, 5, 1, 6], 6, 0.3), [5, 5, 1, 6]));
    const b = tf.variable(tf.zeros([6]));
    const step = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(fusedConv2d(x, w as unknown as tf.Tensor4D, b as unknown as tf.Tensor1D, [1, 1], 'same', [1, 1], 'relu')) as tf.Scalar);
        w.assign(tf.sub(w, tf.mul(grads[w.name]!, 0.01)));
        b.assign(tf.sub(b, tf.mul(grads[b.name]!, 0.01)));
      });
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      step();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    const info = await tf.profile(step);
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain('NetwrightConv2DBackpropFilter');
    expect(names).toContain('NetwrightConv2DBiasGrad');
    expect(names).not.toContain('NetwrightConv2DBackpropInput');
    tf.dispose([w, b, x]);
  });

  it('the catalogue Conv2D layer takes the fused path and keeps the stock class name and weights', async () => {
    const layer = conv2dLayer({ filters: 6, kernelSize: [5, 5], strides: [1, 1], padding: 'same', dilationRate: [1, 1], activation: 'relu', useBias: true, name: 'c1' });
    const input = tfl.input({ shape: [10, 9, 2] });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    expect(layer.getClassName()).toBe('Conv2D');
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[5, 5, 2, 6], [6]]);
    const x = tf.tensor4d(patternedValues([3, 10, 9, 2], 7), [3, 10, 9, 2]);
    const fusedOut = model.predict(x) as tf.Tensor;
    const info = await tf.profile(() => tf.dispose(model.predict(x) as tf.Tensor));
    // predict's batching adds a Slice and an Identity; the convolution itself is the one fused kernel.
    expect(info.kernels.map((k) => k.name).filter((n) => n !== 'Slice' && n !== 'Identity')).toEqual(['NetwrightConv2D']);
    const [kernel, bias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
    const stock = tf.relu(tf.add(tf.conv2d(x, kernel, 1, 'same'), bias));
    expectClose(fusedOut.dataSync() as Float32Array, stock.dataSync() as Float32Array, 'layer output');
    const json = model.toJSON(null, false) as unknown as { config: { layers: { class_name: string }[] } };
    expect(json.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Conv2D']);
    tf.dispose([x, fusedOut, stock]);
    model.layers.forEach((l) => l.dispose());
  });
});

describe("MaxPool's and MaxPoolGrad's SIMD kernels against the cpu backend", () => {
  const geometries: { x: [number, number, number, number]; pool: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 8, 8, 6], pool: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [2, 7, 5, 3], pool: [3, 3], strides: [2, 2], pad: 'same' },
    { x: [1, 6, 9, 5], pool: [2, 3], strides: [1, 2], pad: 'valid' },
  ];
  const grads = (g: (typeof geometries)[number], ties: boolean): Float32Array => {
    let out: Float32Array | null = null;
    tf.tidy(() => {
      const values = patternedValues(g.x, 8);
      // ReLU-like ties: many zeros and all-negative windows (the cases tfjs' own wasm kernel got wrong).
      if (ties) for (let i = 0; i < values.length; i++) values[i] = values[i]! > 0.3 ? values[i]! : i % 3 === 0 ? -0.5 : 0;
      const x = tf.tensor4d(values, g.x);
      const f = (xs: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xs as tf.Tensor4D, g.pool, g.strides, g.pad), 1.5));
      // The forward pool's values, then the gradient.
      const forward = tf.maxPool(x, g.pool, g.strides, g.pad).dataSync() as Float32Array;
      const grad = tf.grad(f)(x).dataSync() as Float32Array;
      out = new Float32Array([...forward, ...grad]);
    });
    return out!;
  };
  it('pools the same maxima and routes each gradient to the first maximum of its window, as the cpu backend', async () => {
    await tf.setBackend('cpu');
    const expected = geometries.flatMap((g) => [grads(g, false), grads(g, true)]);
    registerWasmKernelGaps();
    expect(await loadNodeSimdKernels()).toBe(true);
    await tf.setBackend('wasm');
    const actual = geometries.flatMap((g) => [grads(g, false), grads(g, true)]);
    actual.forEach((a, i) => expectClose(a, expected[i]!, `geometry ${Math.floor(i / 2)}${i % 2 ? ' with ties' : ''}`));
    await tf.setBackend('cpu');
  });
});
