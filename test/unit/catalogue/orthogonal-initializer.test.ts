/**
 * FastOrthogonal (core/catalogue/layers/recurrent/orthogonal.ts): the same matrix as tfjs'
 * linalg.qr-based initializer for the same seed (up to float32 rounding), orthonormal rows or
 * columns, the gain applied, and the class the recurrent layers' 'orthogonal' default resolves to.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../../core/catalogue/layers/recurrent/tfjs-rnn';
import { FastOrthogonal, orthonormalColumns, StockOrthogonal } from '../../../core/catalogue/layers/recurrent/orthogonal';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** tfjs-layers' own initializer, as the stock class computes it. */
function stockOrthogonal(shape: number[], seed: number, gain = 1): Float32Array {
  const t = new StockOrthogonal({ seed, gain }).apply(shape, 'float32');
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

function fast(shape: number[], seed: number, gain = 1): Float32Array {
  const t = new FastOrthogonal({ seed, gain }).apply(shape, 'float32');
  expect(t.shape).toEqual(shape);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** max |MᵀM - g²I| over the smaller side's Gram matrix of a rows×cols matrix. */
function gramError(m: ArrayLike<number>, rows: number, cols: number, gain: number): number {
  const byColumns = rows >= cols;
  const k = byColumns ? cols : rows;
  const len = byColumns ? rows : cols;
  const at = (vec: number, i: number) => (byColumns ? (m[i * cols + vec] as number) : (m[vec * cols + i] as number));
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += at(a, i) * at(b, i);
      worst = Math.max(worst, Math.abs(dot - (a === b ? gain * gain : 0)));
    }
  }
  return worst;
}

describe('FastOrthogonal', () => {
  it('equals tfjs-layers Orthogonal for the same seed (tall, wide, square, 3-D)', () => {
    for (const [shape, seed, gain] of [
      [[12, 5], 1, 1],
      [[5, 12], 2, 1],
      [[16, 16], 3, 1.5],
      [[3, 4, 6], 4, 1],
      [[32, 128], 5, 1],
    ] as [number[], number, number][]) {
      const before = tf.memory().numTensors;
      const expected = stockOrthogonal(shape, seed, gain);
      const actual = fast(shape, seed, gain);
      expect(tf.memory().numTensors, `${shape}: tensors leaked`).toBe(before);
      expect(actual.length).toBe(expected.length);
      expected.forEach((e, i) => expect(Math.abs((actual[i] as number) - e), `[${shape}] seed ${seed} at ${i}`).toBeLessThanOrEqual(1e-4));
      const cols = shape[shape.length - 1] as number;
      const rows = actual.length / cols;
      expect(gramError(actual, rows, cols, gain)).toBeLessThan(1e-5 * Math.max(1, gain * gain) * 10);
    }
  });

  it('gives orthonormal columns with a non-negative R diagonal (orthonormalColumns)', () => {
    // Columns [1,1,0], [1,0,1]: R[0][0] = √2 > 0 fixes the first column's sign to +.
    const q = orthonormalColumns([1, 1, 1, 0, 0, 1], 3, 2);
    expect(q[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(q[2]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(q[4]).toBeCloseTo(0, 6);
    expect(gramError(q, 3, 2, 1)).toBeLessThan(1e-12);
    expect(() => orthonormalColumns([1, 2], 1, 2)).toThrow(/rows >= columns/);
  });

  it("is what the recurrent layers' 'orthogonal' default builds", () => {
    const lstm = tfl.layers.lstm({ units: 4 });
    const cell = (lstm as unknown as { cell: { recurrentInitializer: unknown } }).cell;
    expect(cell.recurrentInitializer).toBeInstanceOf(FastOrthogonal);
    const restored = tfl.initializers.orthogonal({ seed: 1 });
    expect(restored.getClassName()).toBe('Orthogonal');
  });
});
