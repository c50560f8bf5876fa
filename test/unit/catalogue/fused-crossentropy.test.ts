/**
 * The fused sparse softmax cross-entropy (fused-crossentropy.ts over core/engine/simd/crossentropy.c)
 * against tfjs' ops on the cpu backend (`sparseCrossentropyPerPosition`'s log-softmax and one-hot
 * product): per-position losses and the gradient w.r.t. the logits within 1e-4, for int32 and
 * float32 labels, labels outside the classes, large logits, classes not a multiple of 4, one row,
 * [batch, time, classes] scores; which kernels ran and flat tensor counts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useStockCrossentropy } from '../../../core/catalogue/layers/losses/fused-crossentropy';
import { sparseCrossentropyPerPosition } from '../../../core/catalogue/layers/losses/sparse-categorical-crossentropy';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { SPARSE_XENT, SPARSE_XENT_GRAD } from '../../../core/engine/simd/crossentropy-kernels';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { expectClose, patternedValues } from './agreement';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

/** Losses and d(Σ loss·probe)/d scores on the active backend. */
function run(scoreValues: Float32Array, shape: number[], labelValues: number[], dtype: 'int32' | 'float32'): { loss: Float32Array; grad: Float32Array } {
  const initial = tf.tensor(scoreValues, shape);
  const scores = tf.variable(initial);
  const labels = tf.tensor(labelValues, [labelValues.length], dtype);
  const probe = tf.tensor1d(patternedValues([labelValues.length], 5, 2));
  let loss = new Float32Array(0);
  const { value, grads } = tf.variableGrads(() => {
    const perPosition = sparseCrossentropyPerPosition(scores, labels, true);
    loss = (perPosition.dataSync() as Float32Array).slice();
    return tf.sum(tf.mul(perPosition, probe));
  }, [scores]);
  const grad = (grads[scores.name]!.dataSync() as Float32Array).slice();
  tf.dispose([value, ...Object.values(grads), scores, initial, labels, probe]);
  return { loss, grad };
}

async function compareWithCpu(shape: number[], labels: number[], dtype: 'int32' | 'float32', scale = 3): Promise<void> {
  const label = `[${shape.join(', ')}] ${dtype} labels ${labels.join(',')}`;
  const scores = patternedValues(shape, 1, scale);
  await tf.setBackend('cpu');
  const expected = run(scores, shape, labels, dtype);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const info = await tf.profile(() => void run(scores, shape, labels, dtype));
  const actual = run(scores, shape, labels, dtype);
  expect(tf.memory().numTensors, `tensors left behind: ${label}`).toBe(before);
  const names = info.kernels.map((k) => k.name);
  expect(names, label).toContain(SPARSE_XENT);
  expect(names, label).toContain(SPARSE_XENT_GRAD);
  expect(names, `${label}: tfjs' ops ran`).not.toContain('OneHot');
  expectClose(actual.loss, expected.loss, `${label}: loss`);
  expectClose(actual.grad, expected.grad, `${label}: gradient`);
}

describe('fused sparse softmax cross-entropy (wasm SIMD) = tfjs ops on cpu', () => {
  beforeAll(async () => {
    registerWasmKernelGaps();
    expect(await loadNodeSimdKernels()).toBe(true);
  });
  afterEach(() => useStockCrossentropy(false));
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('int32 and float32 labels, classes 10, 3, 8 and 37, one row, [batch, time, classes]', async () => {
    await compareWithCpu([6, 10], [0, 9, 3, 4, 5, 1], 'int32');
    await compareWithCpu([6, 10], [0, 9, 3, 4, 5, 1], 'float32');
    await compareWithCpu([1, 3], [2], 'int32');
    await compareWithCpu([5, 8], [7, 0, 1, 2, 3], 'int32');
    await compareWithCpu([2, 3, 37], [0, 36, 5, 17, 20, 1], 'float32');
  });

  it('labels outside the classes give 0 and no gradient; fractional labels truncate as tfjs casts; large logits stay finite', async () => {
    await compareWithCpu([5, 10], [-1, 10, 2.7, -0.5, 9.9], 'float32');
    await compareWithCpu([4, 6], [-3, 6, 100, 0], 'int32');
    await compareWithCpu([4, 10], [1, 2, 3, 4], 'int32', 80);
  });

  it("useStockCrossentropy(true) runs tfjs' ops", async () => {
    await tf.setBackend('wasm');
    useStockCrossentropy(true);
    const info = await tf.profile(() => void run(patternedValues([3, 4], 1), [3, 4], [0, 1, 2], 'int32'));
    expect(info.kernels.map((k) => k.name)).not.toContain(SPARSE_XENT);
    expect(info.kernels.map((k) => k.name)).toContain('OneHot');
  });
});
