/**
 * FusedAdamOptimizer (core/engine/optimizer.ts, kernel core/engine/kernels/adam.ts) against tfjs'
 * AdamOptimizer as the oracle: the same variables and gradients over several steps (with a
 * learning-rate change between them, as the schedules do), on wasm and cpu where the fused kernel
 * runs and on cpu without it (tfjs' ops, as on webgl/webgpu). Weights and both moments agree
 * within 1e-6 (relative above 1); the fused path dispatches one update kernel per variable; nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAM_UPDATE_KERNEL, registerAdamUpdateKernels } from '../../../core/engine/kernels/adam';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { FusedAdamOptimizer, setLearningRate } from '../../../core/engine/optimizer';
import { simdFor, useSimdKernels } from '../../../core/engine/simd';
import { loadNodeSimdKernels } from '../../../cli/node-backend';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
registerWasmKernelGaps();

afterAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES = [[257, 33], [33], [2, 3, 4], [1]];
const STEPS = 6;

/** Deterministic values spread over several magnitudes (and exact zeros, where v stays 0). */
function values(size: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => (i % 11 === 3 ? 0 : Math.sin(seed * 12.9898 + i * 78.233) * scale * 10 ** ((i % 5) - 2)));
}

interface Run {
  weights: Float32Array[];
  moments: Float32Array[];
  kernels: string[];
}

async function train(optimizer: tf.Optimizer, tag: string): Promise<Run> {
  const vars = tf.tidy(() => SHAPES.map((s, i) => tf.variable(tf.tensor(values(tf.util.sizeFromShape(s), i + 1, 1), s), true, `${tag}_w${i}`)));
  const kernels: string[] = [];
  for (let step = 0; step < STEPS; step++) {
    // A schedule's epoch boundary: the learning rate changes between steps.
    if (step === 3) setLearningRate(optimizer, 3e-3);
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => (grads[v.name] = tf.tensor(values(v.size, 100 * step + i, 0.005), v.shape)));
    const info = await tf.profile(() => optimizer.applyGradients(grads));
    kernels.push(...info.kernels.map((k) => k.name));
    tf.dispose(Object.values(grads));
  }
  const [iterations, ...state] = await optimizer.getWeights();
  iterations?.tensor.dispose();
  const run: Run = { weights: vars.map((v) => v.dataSync() as Float32Array), moments: state.map((w) => w.tensor.dataSync() as Float32Array), kernels };
  tf.dispose(vars);
  return run;
}

function expectClose(got: Float32Array[], want: Float32Array[], label: string): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, t) => {
    const w = want[t] as Float32Array;
    let worst = 0;
    // 1e-6, relative above 1 (a float32 ulp at 10 is 1e-6).
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs((g[i] as number) - (w[i] as number)) / Math.max(1, Math.abs(w[i] as number)));
    expect(worst, `${label} tensor ${t}`).toBeLessThanOrEqual(1e-6);
  });
}

/** `simd`: on wasm, whether Netwright's SIMD module runs the update (else the JavaScript pass). */
async function compare(backend: string, fusedKernel: boolean, simd = false): Promise<void> {
  expect(await tf.setBackend(backend)).toBe(true);
  if (!fusedKernel) tf.unregisterKernel(ADAM_UPDATE_KERNEL, backend);
  if (backend === 'wasm') {
    expect(await loadNodeSimdKernels()).toBe(true);
    useSimdKernels(simd);
    expect(simdFor(tf.backend()) !== null).toBe(simd);
  }
  try {
    const before = tf.memory();
    const oracle = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
    const fused = new FusedAdamOptimizer(1e-3, 0.9, 0.999, 1e-7);
    const want = await train(oracle, `${backend}_oracle_${fusedKernel}`);
    const got = await train(fused, `${backend}_fused_${fusedKernel}`);
    const label = `${backend} ${fusedKernel ? 'fused kernel' : 'tfjs ops'}${simd ? ' (SIMD)' : ''}`;
    expectClose(got.weights, want.weights, `${label} weights`);
    expectClose(got.moments, want.moments, `${label} moments`);
    expect(fused.iterations).toBe(oracle.iterations);
    const updates = got.kernels.filter((k) => k === ADAM_UPDATE_KERNEL).length;
    expect(updates, label).toBe(fusedKernel ? STEPS * SHAPES.length : 0);
    if (fusedKernel) expect(got.kernels.length, label).toBeLessThan(want.kernels.length / 4);
    oracle.dispose();
    fused.dispose();
    const after = tf.memory();
    expect(after.numTensors, `${label}: tensors leaked`).toBe(before.numTensors);
    expect(after.numDataBuffers, `${label}: buffers leaked`).toBe(before.numDataBuffers);
  } finally {
    registerAdamUpdateKernels();
    useSimdKernels(true);
  }
}

describe('FusedAdamOptimizer', () => {
  it('matches tfjs Adam on wasm (one kernel per variable, in the SIMD module)', async () => compare('wasm', true, true));
  it('matches tfjs Adam on wasm (one kernel per variable, the JavaScript pass)', async () => compare('wasm', true, false));
  it('matches tfjs Adam on cpu (one kernel per variable)', async () => compare('cpu', true));
  it('is tfjs Adam where the kernel is not registered (webgl, webgpu)', async () => compare('cpu', false));

  it('keeps non-finite updates non-finite, as tfjs', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const v = tf.tidy(() => tf.variable(tf.tensor([1, 2, 3]), true, 'nonfinite_w'));
    const opt: tf.Optimizer = new FusedAdamOptimizer(1e-3, 0.9, 0.999, 1e-7);
    const g = tf.tensor([NaN, Infinity, 1]);
    opt.applyGradients({ [v.name]: g });
    g.dispose();
    const w = v.dataSync();
    expect(Number.isNaN(w[0])).toBe(true);
    expect(Number.isFinite(w[1])).toBe(false);
    expect(w[2]).toBeCloseTo(3 - 1e-3, 6);
    opt.dispose();
    v.dispose();
  });
});
