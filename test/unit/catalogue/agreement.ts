/**
 * What the kernel-agreement tests (a fused or SIMD path against tfjs on cpu) share: deterministic
 * inputs with no repeating pattern, and the comparison they all make.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export function patternedValues(shape: readonly number[], seed: number, scale = 1): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = scale * Math.sin(1.7 * i + 0.37 * seed + 0.1 * i * seed);
  return values;
}

export function patterned(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(patternedValues(shape, seed, scale), shape);
}

/** Every value within 1e-4, relative to its size where it is above 1. */
export function expectClose(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(diff <= worst)) worst = diff;
  }
  expect(worst, label).toBeLessThanOrEqual(1e-4);
}
