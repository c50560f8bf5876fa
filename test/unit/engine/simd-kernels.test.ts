/**
 * Netwright's wasm SIMD module (core/engine/simd/kernels.c) through its exports, on tfjs' wasm
 * heap: the vector tanh and sigmoid against Math's over a wide range, and the tiled product (both
 * loop orders, chunks along k, row and column tails, a transposed A read in place) against the cpu
 * backend's matMul. The ops built on them are tested in additive-scores.test.ts and
 * fused-recurrence.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { heapOffset, simdFor, simdStatus, type SimdExports } from '../../../core/engine/simd';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

let simd: SimdExports;
let heap: HeapBackend;

beforeAll(async () => {
  registerWasmKernelGaps();
  expect(await loadNodeSimdKernels()).toBe(true);
  expect(await tf.setBackend('wasm')).toBe(true);
  simd = simdFor(tf.backend())!;
  heap = tf.backend() as unknown as HeapBackend;
  expect(simdStatus(tf.backend())).toBe("in use on tfjs' wasm memory");
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `f(input offset, output offset)` on a copy of `values` in the heap; returns the output. */
function unary(values: Float32Array, f: (x: number, y: number, n: number) => void): Float32Array {
  const x = tf.tensor1d(values);
  const y = heap.makeOutput([values.length], 'float32');
  f(heapOffset(heap, x), heapOffset(heap, y), values.length);
  const result = heap.typedArrayFromHeap(y).slice();
  heap.disposeData(y.dataId, true);
  x.dispose();
  return result;
}

function patterned(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(1.7 * i + 0.37 * seed + 0.1 * i * seed));
}

describe("Netwright's SIMD module on tfjs' wasm heap", () => {
  it('tanh and sigmoid: within 4e-7 of Math over [-100, 100] (saturation, tiny inputs, zero)', () => {
    const n = 40_000;
    const xs = Float32Array.from({ length: n }, (_, i) => 100 * Math.sign(i - n / 2) * Math.pow(Math.abs(i - n / 2) / (n / 2), 4));
    const tanh = unary(xs, (x, y, count) => simd.tanh_f32(x, y, count));
    const sigmoid = unary(xs, (x, y, count) => simd.sigmoid_f32(x, y, count));
    let worstTanh = 0;
    let worstSigmoid = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      worstTanh = Math.max(worstTanh, Math.abs(tanh[i]! - Math.tanh(x)));
      worstSigmoid = Math.max(worstSigmoid, Math.abs(sigmoid[i]! - 1 / (1 + Math.exp(-x))));
    }
    expect(worstTanh).toBeLessThan(4e-7);
    expect(worstSigmoid).toBeLessThan(4e-7);
    // Odd and exact at 0: no offset from the approximation.
    expect(unary(new Float32Array([0, 0, 0, 0]), (x, y, count) => simd.tanh_f32(x, y, count))).toEqual(new Float32Array(4));
  });

  // [m, k, n, transposeA]: tails of the 4x8 tiles in m and n (n not a multiple of 4 too), short and
  // long k (the two loop orders), k past 256 (chunks), the LSTM's shapes.
  for (const [m, k, n, transposeA] of [
    [1, 1, 1, false],
    [5, 3, 7, false],
    [7, 9, 13, true],
    [64, 64, 256, false],
    [64, 256, 64, false],
    [33, 300, 20, false],
    [32, 600, 40, true],
    [6, 273, 8, true],
  ] as const) {
    it(`${transposeA ? 'Aᵀ' : 'A'}·B: A ${transposeA ? `[${k}, ${m}]` : `[${m}, ${k}]`}, B [${k}, ${n}] = cpu's matMul within 1e-5`, async () => {
      const aValues = patterned(m * k, 1);
      const bValues = patterned(k * n, 2);
      const a = tf.tensor2d(aValues, transposeA ? [k, m] : [m, k]);
      const b = tf.tensor2d(bValues, [k, n]);
      const c = heap.makeOutput([m, n], 'float32');
      simd.matmul_f32(heapOffset(heap, a), heapOffset(heap, b), heapOffset(heap, c), m, k, n, transposeA ? 1 : 0);
      const actual = heap.typedArrayFromHeap(c).slice();
      heap.disposeData(c.dataId, true);
      tf.dispose([a, b]);
      await tf.setBackend('cpu');
      const expected = tf.tidy(() => tf.matMul(tf.tensor2d(aValues, transposeA ? [k, m] : [m, k]), tf.tensor2d(bValues, [k, n]), transposeA).dataSync());
      await tf.setBackend('wasm');
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
      expect(worst).toBeLessThan(1e-5);
    });
  }
});
