import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2d } from '../../../core/catalogue/layers/convolution/conv2d';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { compileGraph } from '../../../core/engine/compile';
import { GraphBuilder } from '../../../core/graph';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality, smallDim } from './layer-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cases = fc
  .record({
    time: fc.option(smallDim(3), { nil: null }),
    h: fc.integer({ min: 3, max: 6 }),
    w: fc.integer({ min: 3, max: 6 }),
    c: smallDim(3),
    filters: smallDim(3),
    k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 2 }),
    padding: fc.constantFrom('valid' as const, 'same' as const),
  })
  .map(({ time, h, w, c, filters, k, s, padding }) => ({
    params: { filters, kernelSize: [k], strides: [s], padding, activation: 'relu', timeDistributed: true },
    inputs: { in: [{ shape: [time, h, w, c] }] },
  }));

describe('Conv2D per time step (TimeDistributed(Conv2D))', () => {
  it('shapes and parameter counts agree with tfjs', () => checkLayerProperty(conv2d, cases, 60));
  it('shape rule is total', () => checkShapeRuleTotality(conv2d));
  it('saves and loads', () => checkSerializationRoundTrip(conv2d, { params: { filters: 2, kernelSize: [2], timeDistributed: true }, inputs: { in: [{ shape: [3, 4, 4, 1] }] } }));

  it('each step is the plain Conv2D of that frame, with the same weights', () => {
    const g = new GraphBuilder('td');
    const video = g.add('Input', { shape: [3, 5, 5, 2] }, undefined, 'video');
    const frame = g.add('Input', { shape: [5, 5, 2] }, undefined, 'frame');
    g.add('Conv2D', { filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'tanh', timeDistributed: true }, video, 'per_step');
    g.add('Conv2D', { filters: 4, kernelSize: [3, 3], padding: 'same', activation: 'tanh' }, frame, 'plain');
    const compiled = compileGraph(g.build());
    compiled.model.getLayer('plain').setWeights(compiled.model.getLayer('per_step').getWeights());
    const x = tf.randomNormal([2, 3, 5, 5, 2], 0, 1, 'float32', 5);
    for (let t = 0; t < 3; t++) {
      const diff = tf.tidy(() => {
        const frameT = tf.squeeze(tf.slice(x, [0, t, 0, 0, 0], [2, 1, 5, 5, 2]), [1]);
        const [perStep, plain] = compiled.model.predict([x, frameT]) as tf.Tensor[];
        const stepT = tf.squeeze(tf.slice(perStep as tf.Tensor, [0, t, 0, 0, 0], [2, 1, 5, 5, 4]), [1]);
        return tf.max(tf.abs(tf.sub(stepT, plain as tf.Tensor))).dataSync()[0];
      });
      expect(diff).toBeLessThan(1e-6);
    }
    x.dispose();
    compiled.model.dispose();
  });

  it('says what it needs when given a single image', () => {
    const p = paramsObjectSchema(conv2d.params).parse({ timeDistributed: true });
    expect(() => conv2d.inferShapes({ params: p, inputs: { in: [[null, 8, 8, 1]] } })).toThrow(/sequence of images \[batch, time, height, width, channels\] but got \[batch, 8, 8, 1\]/);
  });
});
