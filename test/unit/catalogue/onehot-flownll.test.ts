import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneHotLayer } from '../../../core/catalogue/layers/core/one-hot';
import { flowNll } from '../../../core/catalogue/layers/losses/flow-nll';
import { checkLayerProperty, checkSerializationRoundTrip, smallDim } from './layer-harness';

describe('OneHot', () => {
  it('agrees with tfjs on 200 configurations', () => {
    checkLayerProperty(
      oneHotLayer,
      fc.integer({ min: 2, max: 12 }).chain((depth) =>
        fc.record({
          params: fc.constant({ depth }),
          inputs: fc.record({ in: fc.array(smallDim(4), { minLength: 0, maxLength: 1 }).map((shape) => [{ shape, dtype: 'int32' as const, intMax: depth }]) }),
        }),
      ),
    );
  });
  it('saves and loads', async () => {
    await checkSerializationRoundTrip(oneHotLayer, { params: { depth: 4 }, inputs: { in: [{ shape: [], dtype: 'int32', intMax: 4 }] } });
  });
});

describe('FlowNLL', () => {
  it('equals 0.5|z|^2 + d/2 log 2pi - logDet averaged over the batch', () => {
    const z = [
      [0.5, -1],
      [2, 0],
    ];
    const logDet = [0.3, -0.7];
    const expected =
      z.reduce((acc, row, i) => acc + 0.5 * row.reduce((a, v) => a + v * v, 0) + Math.log(2 * Math.PI) - (logDet[i] as number), 0) / 2;
    const value = flowNll.compute({ z: tf.tensor2d(z), logDet: tf.tensor2d(logDet, [2, 1]) }, { weight: 1 } as never);
    expect(value.dataSync()[0]).toBeCloseTo(expected, 5);
  });
  it('refuses a logDet that is not one number per sample', () => {
    expect(() => flowNll.checkShapes({ params: { weight: 1 } as never, inputs: { z: [[null, 2]], logDet: [[null, 2]] } })).toThrow(/one log-determinant per sample/);
  });
});
