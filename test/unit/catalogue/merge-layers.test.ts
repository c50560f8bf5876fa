import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LayerDecl, SymbolicTensor } from '../../../core/catalogue/decl';
import { add } from '../../../core/catalogue/layers/merge/add';
import { average } from '../../../core/catalogue/layers/merge/average';
import { concatenate } from '../../../core/catalogue/layers/merge/concatenate';
import { multiply } from '../../../core/catalogue/layers/merge/multiply';
import { subtract } from '../../../core/catalogue/layers/merge/subtract';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality, smallDim, type InputSpec } from './layer-harness';

function shapeOf(decl: LayerDecl, params: Record<string, unknown>, inputs: Record<string, Shape[]>): Record<string, Shape> {
  return decl.inferShapes({ params: paramsObjectSchema(decl.params).parse(params), inputs });
}

function shapeErrorOf(decl: LayerDecl, params: Record<string, unknown>, inputs: Record<string, Shape[]>): string {
  try {
    shapeOf(decl, params, inputs);
  } catch (e) {
    expect(e).toBeInstanceOf(ShapeError);
    return (e as Error).message;
  }
  throw new Error('expected a ShapeError');
}

/** 2..4 inputs of one shape, some with a symbolic time axis where the shape has one. */
const sameShapeInputs = fc
  .record({ shape: fc.array(smallDim(4), { minLength: 1, maxLength: 3 }), count: fc.integer({ min: 2, max: 4 }), symbolic: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }) })
  .map(({ shape, count, symbolic }) => {
    // A symbolic axis is 5 in the forward pass, so the known inputs get 5 there too.
    const withSymbolic = shape.length >= 2 && symbolic.slice(0, count).some(Boolean);
    const known = withSymbolic ? [5, ...shape.slice(1)] : shape;
    return Array.from({ length: count }, (_, i): InputSpec => ({ shape: withSymbolic && symbolic[i] ? [null, ...shape.slice(1)] : [...known] }));
  });

const elementwiseCases = fc.record({ params: fc.constant({}), inputs: fc.record({ in: sameShapeInputs }) });

describe('merge layers agree with tfjs', () => {
  it('Add', () => checkLayerProperty(add, elementwiseCases));
  it('Multiply', () => checkLayerProperty(multiply, elementwiseCases));
  it('Average', () => checkLayerProperty(average, elementwiseCases));
  it('Subtract', () =>
    checkLayerProperty(
      subtract,
      fc.array(smallDim(4), { minLength: 1, maxLength: 3 }).map((shape) => ({ params: {}, inputs: { a: [{ shape }], b: [{ shape }] } })),
    ));
  it('Concatenate', () =>
    checkLayerProperty(
      concatenate,
      fc
        .record({
          shape: fc.array(smallDim(4), { minLength: 1, maxLength: 3 }),
          count: fc.integer({ min: 2, max: 4 }),
          sizes: fc.array(smallDim(4), { minLength: 4, maxLength: 4 }),
          axisPick: fc.nat(),
          negative: fc.boolean(),
        })
        .map(({ shape, count, sizes, axisPick, negative }) => {
          const index = 1 + (axisPick % shape.length); // 1-based in the feature axes (batch is 0)
          const axis = negative ? index - shape.length - 1 : index;
          const inputs = Array.from({ length: count }, (_, i) => {
            const s = [...shape];
            s[index - 1] = sizes[i] as number;
            return { shape: s };
          });
          return { params: { axis }, inputs: { in: inputs } };
        }),
    ));
});

describe('merge shapes', () => {
  it('Concatenate sums the joined axis and keeps symbolic axes symbolic', () => {
    expect(shapeOf(concatenate, {}, { in: [[null, 4], [null, 5]] }).out).toEqual([null, 9]);
    expect(shapeOf(concatenate, { axis: 1 }, { in: [[null, 2, 3], [null, 4, 3], [null, 1, 3]] }).out).toEqual([null, 7, 3]);
    expect(shapeOf(concatenate, { axis: 1 }, { in: [[null, null, 3], [null, 4, 3]] }).out).toEqual([null, null, 3]);
    expect(shapeOf(add, {}, { in: [[null, null, 3], [null, 4, 3]] }).out).toEqual([null, 4, 3]);
  });
  it('the wire order is the order of the inputs (Concatenate)', () => {
    const a = tfl.input({ shape: [2] });
    const b = tfl.input({ shape: [1] });
    const params = paramsObjectSchema(concatenate.params).parse({});
    const out = concatenate.build({ params, name: 'order_check', inputs: { in: [b, a] } }).out as SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: out });
    tf.tidy(() => {
      const y = model.predict([tf.tensor2d([[1, 2]]), tf.tensor2d([[9]])]) as tf.Tensor;
      expect(Array.from(y.dataSync())).toEqual([9, 1, 2]);
    });
    model.dispose();
  });
  it('Concatenate joins along a negative axis other than -1 (tfjs alone would join the last axis)', () => {
    const a = tfl.input({ shape: [1, 2] });
    const b = tfl.input({ shape: [1, 2] });
    const params = paramsObjectSchema(concatenate.params).parse({ axis: -2 });
    const out = concatenate.build({ params, name: 'neg_axis_check', inputs: { in: [a, b] } }).out as SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: out });
    tf.tidy(() => {
      const y = model.predict([tf.tensor3d([[[1, 2]]]), tf.tensor3d([[[3, 4]]])]) as tf.Tensor;
      expect(y.shape).toEqual([1, 2, 2]);
      expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    });
    model.dispose();
  });
  it('Subtract is a - b', () => {
    const a = tfl.input({ shape: [2] });
    const b = tfl.input({ shape: [2] });
    const out = subtract.build({ params: {}, name: 'sub_check', inputs: { a: [a], b: [b] } }).out as SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: out });
    tf.tidy(() => {
      const y = model.predict([tf.tensor2d([[5, 7]]), tf.tensor2d([[1, 10]])]) as tf.Tensor;
      expect(Array.from(y.dataSync())).toEqual([4, -3]);
    });
    model.dispose();
  });
});

describe('merge shape errors say what to do', () => {
  it('element-wise merges need equal shapes', () => {
    expect(shapeErrorOf(add, {}, { in: [[null, 64], [null, 32]] })).toContain(
      'Add needs all inputs the same shape but got [batch, 64] and [batch, 32] (input 2)',
    );
    expect(shapeErrorOf(multiply, {}, { in: [[null, 4], [null, 4], [null, 4, 1]] })).toContain('[batch, 4] and [batch, 4, 1] (input 3)');
    expect(shapeErrorOf(average, {}, { in: [[null, 3, 2], [null, 3, 5]] })).toContain('Average needs all inputs the same shape');
    expect(shapeErrorOf(subtract, {}, { a: [[null, 4]], b: [[null, 3]] })).toContain('[batch, 4] (a) and [batch, 3] (b)');
  });
  it('at least 2 inputs, and Subtract needs both', () => {
    expect(shapeErrorOf(concatenate, {}, { in: [[null, 4]] })).toContain('Concatenate needs at least 2 inputs');
    expect(shapeErrorOf(add, {}, { in: [] })).toContain('Add needs at least 2 inputs but got 0');
    expect(shapeErrorOf(subtract, {}, { a: [[null, 4]], b: [] })).toBe('input "b" is not connected');
  });
  it('Concatenate: ranks, axes and the other dimensions', () => {
    expect(shapeErrorOf(concatenate, {}, { in: [[null, 10, 4], [null, 8, 5]] })).toBe(
      'Concatenate along axis -1 needs the other axes equal but got [batch, 10, 4] and [batch, 8, 5] (input 2); axis 1 differs (10 vs 8)',
    );
    expect(shapeErrorOf(concatenate, {}, { in: [[null, 4], [null, 2, 2]] })).toContain('needs inputs of the same rank');
    expect(shapeErrorOf(concatenate, { axis: 2 }, { in: [[null, 4], [null, 2]] })).toContain('axis 2 does not exist in [batch, 4]');
    expect(concatenate.validateParams?.({ axis: 0 })).toHaveLength(1);
  });
});

describe('merge layers survive a save and load in the tfjs layers format', () => {
  it('Subtract', async () => {
    await checkSerializationRoundTrip(subtract, { params: {}, inputs: { a: [{ shape: [3, 2] }], b: [{ shape: [3, 2] }] } });
  });
  it('Concatenate', async () => {
    await checkSerializationRoundTrip(concatenate, { params: { axis: 1 }, inputs: { in: [{ shape: [2, 3] }, { shape: [4, 3] }] } });
  });
});

describe('merge shape rules answer any wiring with shapes or a ShapeError', () => {
  for (const decl of [concatenate, add, subtract, multiply, average]) {
    it(decl.type, () => checkShapeRuleTotality(decl));
  }
});
