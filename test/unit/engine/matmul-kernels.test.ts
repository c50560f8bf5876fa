/**
 * The wasm matmul kernels that put transposed and batched products on XNNPACK's fast path
 * (core/engine/kernels/matmul.ts), against the cpu backend's kernels: every transposition, rank-2
 * to rank-4 operands, batches shared on either side, both sides batched (small items on the stock
 * loop, large ones per item), broadcast batches, the fused product with bias and activation, and
 * the gradients through tf.grad. No tensor or buffer may be left behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernelGaps, unregisterWasmFastMatMul } from '../../../core/engine/kernels';
import { BATCHED_MIN_FLOPS, fastBatchMatMul, fastFusedMatMul, takesFastPath } from '../../../core/engine/kernels/matmul';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

beforeAll(async () => {
  registerWasmKernelGaps();
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

function lcg(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const randomValues = (shape: number[], seed: number) => {
  const r = lcg(seed);
  return Array.from({ length: sizeOf(shape) }, () => r() * 2 - 1);
};

interface Result {
  values: number[];
  shape: number[];
}

/** Runs `op` on a backend from plain arrays; checks no tensor or buffer is left behind. */
async function runOn(backend: string, inputs: { values: number[]; shape: number[] }[], op: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const before = tf.memory();
  const tensors = inputs.map((d) => tf.tensor(d.values, d.shape));
  const outs = [op(...tensors)].flat();
  const results = outs.map((o) => ({ values: Array.from(o.dataSync()), shape: o.shape }));
  tf.dispose([...tensors, ...outs]);
  const after = tf.memory();
  expect(after.numTensors, `${backend}: tensors leaked`).toBe(before.numTensors);
  expect(after.numDataBuffers, `${backend}: buffers leaked`).toBe(before.numDataBuffers);
  return results;
}

/** 1e-4 relative, with a floor of 1e-6 · max(1, largest |entry|) (as the other kernel tests). */
function expectClose(actual: Result, expected: Result, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  const scale = expected.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expected.values.forEach((e, i) => {
    const a = actual.values[i] ?? NaN;
    expect(Math.abs(a - e), `${label}[${i}]: expected ${e}, got ${a}`).toBeLessThanOrEqual(1e-4 * (Math.abs(e) + 0.01 * Math.max(1, scale)));
  });
}

interface Case {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** The operand shapes of out = op(a)·op(b) with [...batch, m, n] out, per transposition. */
function shapesOf(batchA: number[], batchB: number[], m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Case {
  return {
    aShape: [...batchA, ...(transposeA ? [k, m] : [m, k])],
    bShape: [...batchB, ...(transposeB ? [n, k] : [k, n])],
    transposeA,
    transposeB,
  };
}

async function expectMatMulLikeCpu(c: Case, seed: number): Promise<void> {
  const inputs = [
    { values: randomValues(c.aShape, seed), shape: c.aShape },
    { values: randomValues(c.bShape, seed + 1), shape: c.bShape },
  ];
  const label = `[${c.aShape}]${c.transposeA ? 'ᵀ' : ''}·[${c.bShape}]${c.transposeB ? 'ᵀ' : ''}`;
  const matMul = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, c.transposeA, c.transposeB);
  const [expected] = await runOn('cpu', inputs, matMul);
  const [actual] = await runOn('wasm', inputs, matMul);
  expectClose(actual as Result, expected as Result, label);
  // The gradients (which call BatchMatMul with the other transpositions) as well; tfjs-core's
  // matMul gradient does not sum over broadcast batch axes (on any backend), so only equal batches.
  const batchesEqual = JSON.stringify(c.aShape.slice(0, -2)) === JSON.stringify(c.bShape.slice(0, -2));
  if (!batchesEqual) return;
  const grads = (a: tf.Tensor, b: tf.Tensor) => {
    const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => {
      const out = tf.matMul(x, y, c.transposeA, c.transposeB);
      return tf.sum(tf.mul(out, tf.tensor(randomValues(out.shape, seed + 2), out.shape)));
    })([a, b]);
    return g;
  };
  const expectedGrads = await runOn('cpu', inputs, grads);
  const actualGrads = await runOn('wasm', inputs, grads);
  expectedGrads.forEach((e, i) => expectClose(actualGrads[i] as Result, e, `${label}: gradient of ${i === 0 ? 'a' : 'b'}`));
}

describe('BatchMatMul on wasm (fast path)', () => {
  it('is the registered kernel, with the stock kernel behind it', () => {
    expect(tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc).toBe(fastBatchMatMul);
    expect(tf.getKernel(tf._FusedMatMul, 'wasm')?.kernelFunc).toBe(fastFusedMatMul);
  });

  it('routes the products it can make faster, and only those', () => {
    expect(takesFastPath([4, 3], [3, 5], false, false)).toBe(false);
    expect(takesFastPath([3, 4], [3, 5], true, false)).toBe(true);
    expect(takesFastPath([4, 3], [5, 3], false, true)).toBe(true);
    expect(takesFastPath([8, 4, 3], [3, 5], false, false)).toBe(true);
    expect(takesFastPath([4, 3], [8, 3, 5], false, false)).toBe(true);
    expect(takesFastPath([8, 4, 3], [8, 3, 5], false, false)).toBe(false);
    expect(takesFastPath([8, 64, 64], [8, 64, 64], false, false)).toBe(64 ** 3 >= BATCHED_MIN_FLOPS);
    expect(takesFastPath([2, 1, 64, 64], [1, 3, 64, 64], false, false)).toBe(false);
  });

  it('equals the cpu kernel, with gradients, for every transposition and batch layout', async () => {
    const layouts: [number[], number[]][] = [
      [[], []],
      [[1], []],
      [[5], []],
      [[], [5]],
      [[2, 3], []],
      [[3], [3]],
      [[2, 3], [2, 3]],
      [[2, 1], [1, 3]],
    ];
    let seed = 1;
    for (const [batchA, batchB] of layouts) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          await expectMatMulLikeCpu(shapesOf(batchA, batchB, 4, 3, 5, transposeA, transposeB), seed++);
          // Items large enough for the per-item fast path when both sides are batched.
          await expectMatMulLikeCpu(shapesOf(batchA, batchB, 33, 32, 31, transposeA, transposeB), seed++);
        }
      }
    }
  });

  it('equals the cpu kernel on random shapes, including 1-sized dimensions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          batch: fc.constantFrom<[number[], number[]]>([[], []], [[3], []], [[], [3]], [[2], [2]]),
          m: fc.integer({ min: 1, max: 40 }),
          k: fc.integer({ min: 1, max: 40 }),
          n: fc.integer({ min: 1, max: 40 }),
          transposeA: fc.boolean(),
          transposeB: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (g) => expectMatMulLikeCpu(shapesOf(g.batch[0], g.batch[1], g.m, g.k, g.n, g.transposeA, g.transposeB), g.seed),
      ),
      { numRuns: 40 },
    );
  });
});

describe('BatchMatMul on wasm: the cheaper transposition', () => {
  /** Kernels a product dispatches, by name. */
  async function kernelsOf(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): Promise<string[]> {
    const a = tf.tensor(randomValues(aShape, 7), aShape);
    const b = tf.tensor(randomValues(bShape, 8), bShape);
    const info = await tf.profile(() => tf.matMul(a, b, transposeA, transposeB));
    tf.dispose([a, b, info.result as tf.Tensor]);
    return info.kernels.map((k) => k.name);
  }

  it('multiplies hᵀ·dy with a one-column dy as (dyᵀ·h)ᵀ: vectors are reshaped, nothing is copied', async () => {
    // The additive attention's score-vector gradient: [B·Tq·Tv, units]ᵀ · [B·Tq·Tv, 1].
    expect(await kernelsOf([300, 20], [300, 1], true, false)).not.toContain('Transpose');
    expect(await kernelsOf([1, 300], [20, 300], false, true)).not.toContain('Transpose');
    // A large transposed operand with a small other side still takes the direct route (one copy of the small one).
    expect((await kernelsOf([300, 20], [20, 30], false, false)).filter((k) => k === 'Transpose')).toHaveLength(0);
    expect((await kernelsOf([300, 20], [30, 20], false, true)).filter((k) => k === 'Transpose')).toHaveLength(1);
  });

  it("gives the right product when a buffer is multiplied as the right operand in two shapes (the stock kernel's packing cache does not)", async () => {
    const y = tf.tensor2d([[2, 3]]);
    const p = tf.tensor2d([[1, -1]]);
    const first = tf.matMul(tf.tensor2d([[0.5]]), y);
    const reshaped = tf.matMul(p, tf.reshape(y, [2, 1]));
    const fused = tf.fused.matMul({ a: p, b: tf.reshape(y, [2, 1]), bias: tf.tensor1d([1]) });
    expect(Array.from(first.dataSync())).toEqual([1, 1.5]);
    expect(Array.from(reshaped.dataSync())).toEqual([-1]);
    expect(Array.from(fused.dataSync())).toEqual([0]);
    tf.dispose([y, p, first, reshaped, fused]);
  });

  it('computes products with a dimension of 1 (matrix-vector, outer) on the heap: no XNNPACK packing, no transpose', async () => {
    for (const [aShape, bShape, tA, tB] of [
      [[300, 20], [300, 1], true, false],
      [[300, 20], [20, 1], false, false],
      [[300, 1], [20, 1], false, true],
      [[1, 300], [20, 300], false, true],
    ] as const) {
      expect(await kernelsOf([...aShape], [...bShape], tA, tB), `[${aShape}]·[${bShape}]`).toEqual(['BatchMatMul']);
    }
  });

  it('equals the cpu kernel on both routes, with gradients', async () => {
    let seed = 500;
    for (const [m, k, n] of [
      [20, 300, 1],
      [1, 300, 20],
      [20, 300, 2],
      [64, 2, 64],
      [3, 50, 1],
      [40, 1, 30],
      [1, 1, 7],
      [1, 9, 1],
    ] as const) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) await expectMatMulLikeCpu(shapesOf([], [], m, k, n, transposeA, transposeB), seed++);
      }
    }
  });
});

describe('_FusedMatMul on wasm (fast path)', () => {
  it('equals the cpu kernel with bias and activation, for every transposition', async () => {
    let seed = 100;
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        for (const activation of ['linear', 'relu', 'sigmoid'] as const) {
          const c = shapesOf([], [], 6, 7, 5, transposeA, transposeB);
          const inputs = [
            { values: randomValues(c.aShape, seed), shape: c.aShape },
            { values: randomValues(c.bShape, seed + 1), shape: c.bShape },
            { values: randomValues([5], seed + 2), shape: [5] },
          ];
          seed += 3;
          const fused = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
            tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation });
          const [expected] = await runOn('cpu', inputs, fused);
          const [actual] = await runOn('wasm', inputs, fused);
          expectClose(actual as Result, expected as Result, `fused ${activation} transposeA=${transposeA} transposeB=${transposeB}`);
        }
      }
    }
  });
});

describe('the stock kernels, put back', () => {
  it('compute the same products (the fast path changes speed, not values)', async () => {
    const c = shapesOf([3], [], 9, 8, 7, true, true);
    const inputs = [
      { values: randomValues(c.aShape, 7), shape: c.aShape },
      { values: randomValues(c.bShape, 8), shape: c.bShape },
    ];
    const matMul = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, true, true);
    const [fast] = await runOn('wasm', inputs, matMul);
    unregisterWasmFastMatMul();
    try {
      expect(tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc).not.toBe(fastBatchMatMul);
      const [stock] = await runOn('wasm', inputs, matMul);
      expectClose(fast as Result, stock as Result, 'fast vs stock');
    } finally {
      registerWasmKernelGaps();
    }
    expect(tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc).toBe(fastBatchMatMul);
  });
});
