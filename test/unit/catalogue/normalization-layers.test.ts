import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LayerDecl, SymbolicTensor } from '../../../core/catalogue/decl';
import { batchNorm } from '../../../core/catalogue/layers/normalization/batch-norm';
import { layerNorm } from '../../../core/catalogue/layers/normalization/layer-norm';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality, smallDim } from './layer-harness';

function shapeErrorOf(decl: LayerDecl, params: Record<string, unknown>, input: Shape): string {
  try {
    decl.inferShapes({ params: paramsObjectSchema(decl.params).parse(params), inputs: { in: [input] } });
  } catch (e) {
    expect(e).toBeInstanceOf(ShapeError);
    return (e as Error).message;
  }
  throw new Error('expected a ShapeError');
}

/** A feature shape of rank 1..3 and an axis that exists in it, as -k or +k (batch excluded). */
const shapeAndAxis = fc
  .array(smallDim(4), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.oneof(fc.integer({ min: 1, max: shape.length }), fc.integer({ min: -shape.length, max: -1 })),
    }),
  );

const normCases = (extra: fc.Arbitrary<Record<string, unknown>>) =>
  fc.record({ sa: shapeAndAxis, extra, center: fc.boolean(), scale: fc.boolean() }).map((p) => ({
    params: { axis: p.sa.axis, center: p.center, scale: p.scale, ...p.extra },
    inputs: { in: [{ shape: p.sa.shape }] },
  }));

describe('normalization layers agree with tfjs', () => {
  it('BatchNorm', () => {
    checkLayerProperty(
      batchNorm,
      normCases(fc.record({ momentum: fc.double({ min: 0, max: 1, noNaN: true }), epsilon: fc.double({ min: 1e-6, max: 0.1, noNaN: true }) })),
    );
  });
  it('LayerNorm', () => {
    checkLayerProperty(layerNorm, normCases(fc.record({ epsilon: fc.double({ min: 1e-6, max: 0.1, noNaN: true }) })));
  });
});

describe('normalization parameter counts', () => {
  it('BatchNorm: 2 trainable + 2 non-trainable per channel (Keras)', () => {
    const params = paramsObjectSchema(batchNorm.params).parse({});
    expect(params).toMatchObject({ axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true });
    expect(batchNorm.countParams({ params, inputs: { in: [[null, 8, 8, 16]] } })).toEqual({ trainable: 32, nonTrainable: 32 });
  });
  it('BatchNorm momentum follows Keras: moving = momentum * moving + (1 - momentum) * batch statistic', async () => {
    const x = tfl.input({ shape: [2] });
    const params = paramsObjectSchema(batchNorm.params).parse({ momentum: 0.9 });
    const out = batchNorm.build({ params, name: 'bn_momentum', inputs: { in: [x] } }).out as SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: out });
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const data = tf.tensor2d([[1, 10], [3, 30], [5, 50], [7, 70]]);
    await model.fit(data, tf.zerosLike(data), { batchSize: 4, epochs: 1, shuffle: false, verbose: 0 });
    const variable = model.getLayer('bn_momentum').weights.find((w) => w.name.includes('moving_mean'));
    // Batch mean [4, 40]; the moving mean starts at 0.
    const movingMean = Array.from(variable?.read().dataSync() ?? []);
    expect(movingMean[0]).toBeCloseTo(0.1 * 4, 5);
    expect(movingMean[1]).toBeCloseTo(0.1 * 40, 4);
    tf.dispose(data);
    model.dispose();
  });
  it('LayerNorm normalizes each sample: mean 0, variance 1 over the last axis', () => {
    const x = tfl.input({ shape: [3, 6] });
    const params = paramsObjectSchema(layerNorm.params).parse({ epsilon: 1e-6 });
    const out = layerNorm.build({ params, name: 'ln_check', inputs: { in: [x] } }).out as SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: out });
    tf.tidy(() => {
      const y = model.predict(tf.randomNormal([2, 3, 6], 5, 3)) as tf.Tensor;
      const { mean, variance } = tf.moments(y, -1);
      expect(tf.max(tf.abs(mean)).dataSync()[0]).toBeLessThan(1e-4);
      expect(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0]).toBeLessThan(1e-3);
    });
    model.dispose();
  });
});

describe('normalization shape errors say what to do', () => {
  it('an axis outside the input', () => {
    expect(shapeErrorOf(batchNorm, { axis: 3 }, [null, 10])).toBe(
      'BatchNorm axis 3 does not exist in [batch, 10] (rank 2); use -1 for the last axis or 1..1',
    );
    expect(shapeErrorOf(layerNorm, { axis: -4 }, [null, 4, 4])).toContain('LayerNorm axis -4 does not exist');
    expect(shapeErrorOf(layerNorm, { axis: -3 }, [null, 4, 4])).toContain('LayerNorm axis -3 does not exist');
  });
  it('an unknown channel count', () => {
    expect(shapeErrorOf(batchNorm, {}, [null, 4, null])).toContain('needs a known size on axis -1');
    expect(shapeErrorOf(layerNorm, { axis: 1 }, [null, null, 8])).toContain('needs a known size on axis 1');
  });
  it('axis 0 (the batch) is refused by the parameter rule', () => {
    const rule = (decl: LayerDecl) => decl.validateParams?.(paramsObjectSchema(decl.params).parse({ axis: 0 }));
    expect(rule(batchNorm)).toHaveLength(1);
    expect(rule(layerNorm)).toHaveLength(1);
  });
});

describe('normalization layers survive a save and load in the tfjs layers format', () => {
  it('BatchNorm', async () => {
    await checkSerializationRoundTrip(batchNorm, { params: { axis: -1, momentum: 0.9, epsilon: 1e-5 }, inputs: { in: [{ shape: [3, 3, 4] }] } });
  });
  it('LayerNorm', async () => {
    await checkSerializationRoundTrip(layerNorm, { params: { scale: false }, inputs: { in: [{ shape: [5, 4] }] } });
  });
});

describe('normalization shape rules answer any wiring with shapes or a ShapeError', () => {
  for (const decl of [batchNorm, layerNorm]) {
    it(decl.type, () => checkShapeRuleTotality(decl));
  }
});
