/**
 * l2Norms (core/engine/kernels/norms.ts), the trainer's statistics in one kernel: on wasm and cpu
 * (the NetwrightL2Norms kernel) and through the op fallback other backends take, against norms
 * computed in float64 here; with and without a subtracted tensor; no tensor or buffer left behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { L2_NORMS_KERNEL, l2Norms, registerL2NormsKernels } from '../../../core/engine/kernels/norms';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { useSimdKernels } from '../../../core/engine/simd';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
registerWasmKernelGaps();

afterAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES = [[3], [4, 5], [2, 3, 4], [1], [0], [257, 33]];

function values(size: number, seed: number): number[] {
  return Array.from({ length: size }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * (1 + (i % 5)));
}

function expected(xs: number[][], ys?: number[][]): number[] {
  return xs.map((x, i) => Math.sqrt(x.reduce((s, v, k) => s + (v - (ys ? (ys[i]?.[k] as number) : 0)) ** 2, 0)));
}

async function check(backend: string, withKernel: boolean): Promise<void> {
  expect(await tf.setBackend(backend)).toBe(true);
  const stock = tf.getKernel(L2_NORMS_KERNEL, backend);
  if (!withKernel && stock) tf.unregisterKernel(L2_NORMS_KERNEL, backend);
  try {
    const xv = SHAPES.map((s, i) => values(s.reduce((a, b) => a * b, 1), i + 1));
    const yv = SHAPES.map((s, i) => values(s.reduce((a, b) => a * b, 1), i + 11));
    const before = tf.memory();
    const xs = SHAPES.map((s, i) => tf.tensor(xv[i] as number[], s));
    const ys = SHAPES.map((s, i) => tf.tensor(yv[i] as number[], s));
    const plain = l2Norms(xs);
    const diff = l2Norms(xs, ys);
    const empty = l2Norms([]);
    const label = `${backend} ${withKernel ? 'kernel' : 'ops'}`;
    expect(plain.shape).toEqual([SHAPES.length]);
    expect(empty.shape).toEqual([0]);
    const close = (got: ArrayLike<number>, want: number[]) =>
      want.forEach((w, i) => expect(Math.abs((got[i] as number) - w), `${label} [${i}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, w)));
    close(plain.dataSync(), expected(xv));
    close(diff.dataSync(), expected(xv, yv));
    tf.dispose([...xs, ...ys, plain, diff, empty]);
    const after = tf.memory();
    expect(after.numTensors, `${label}: tensors leaked`).toBe(before.numTensors);
    expect(after.numDataBuffers, `${label}: buffers leaked`).toBe(before.numDataBuffers);
  } finally {
    registerL2NormsKernels();
  }
}

describe('l2Norms', () => {
  it('is one kernel on wasm and cpu, and equals float64 norms there and through the op fallback', async () => {
    for (const backend of ['wasm', 'cpu']) {
      expect(tf.getKernel(L2_NORMS_KERNEL, backend), backend).toBeDefined();
      await check(backend, true);
      await check(backend, false);
    }
  });

  it('counts one dispatch for any number of tensors on wasm', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const xs = [tf.ones([3, 3]), tf.ones([4]), tf.ones([2, 2, 2])];
    const profile = await tf.profile(() => l2Norms(xs).dispose());
    expect(profile.kernels.map((k) => k.name)).toEqual([L2_NORMS_KERNEL]);
    tf.dispose(xs);
  });

  it('is Infinity where the float32 sum of squares overflows, as the ops are', async () => {
    for (const backend of ['wasm', 'cpu']) {
      expect(await tf.setBackend(backend)).toBe(true);
      const big = tf.tensor([2e19, 1]);
      const norms = l2Norms([big]);
      const viaOps = tf.sqrt(tf.sum(tf.square(big)));
      expect(norms.dataSync()[0], backend).toBe(Infinity);
      expect(viaOps.dataSync()[0], backend).toBe(Infinity);
      tf.dispose([big, norms, viaOps]);
    }
  });

  it("computes the same in Netwright's SIMD module on wasm (sums, differences, overflow, refusals)", async () => {
    expect(await loadNodeSimdKernels()).toBe(true);
    try {
      await check('wasm', true);
      const big = tf.tensor([2e19, 1]);
      const norms = l2Norms([big]);
      expect(norms.dataSync()[0]).toBe(Infinity);
      const a = tf.ones([3]);
      const b = tf.ones([4]);
      expect(() => l2Norms([a], [b])).toThrow(/x0 has 3 values, y0 4/);
      tf.dispose([big, norms, a, b]);
    } finally {
      useSimdKernels(false);
    }
  });

  it('refuses mismatched lists and sizes, naming them', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const a = tf.ones([3]);
    const b = tf.ones([4]);
    expect(() => l2Norms([a], [a, b])).toThrow(/1 tensors but 2 to subtract/);
    expect(() => l2Norms([a], [b])).toThrow(/x0 has 3 values, y0 4/);
    tf.dispose([a, b]);
  });
});
