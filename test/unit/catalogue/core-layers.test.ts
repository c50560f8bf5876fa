import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../../core/catalogue/activations';
import { portsOf, type LayerDecl, type SymbolicTensor } from '../../../core/catalogue/decl';
import { activation } from '../../../core/catalogue/layers/core/activation';
import { dense } from '../../../core/catalogue/layers/core/dense';
import { dropout } from '../../../core/catalogue/layers/core/dropout';
import { flatten } from '../../../core/catalogue/layers/core/flatten';
import { permute } from '../../../core/catalogue/layers/core/permute';
import { repeatVector } from '../../../core/catalogue/layers/core/repeat-vector';
import { reshape } from '../../../core/catalogue/layers/core/reshape';
import { split } from '../../../core/catalogue/layers/core/split';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality, smallDim } from './layer-harness';

function shapeOf(decl: LayerDecl, params: Record<string, unknown>, input: Shape): Record<string, Shape> {
  return decl.inferShapes({ params: paramsObjectSchema(decl.params).parse(params), inputs: { in: [input] } });
}

function shapeErrorOf(decl: LayerDecl, params: Record<string, unknown>, input: Shape): string {
  try {
    shapeOf(decl, params, input);
  } catch (e) {
    expect(e).toBeInstanceOf(ShapeError);
    return (e as Error).message;
  }
  throw new Error('expected a ShapeError');
}

function ruleOf(decl: LayerDecl, params: Record<string, unknown>): string[] {
  return decl.validateParams?.(paramsObjectSchema(decl.params).parse(params)) ?? [];
}

const featureShape = (maxRank = 3) => fc.array(smallDim(5), { minLength: 1, maxLength: maxRank });

/** Groups consecutive factors into dimensions: [2, 3, 2] with cuts after index 0 -> [2, 6]. */
function group(factors: readonly number[], cuts: readonly boolean[]): number[] {
  const dims: number[] = [];
  let current = 1;
  factors.forEach((f, i) => {
    current *= f;
    if (i === factors.length - 1 || cuts[i]) {
      dims.push(current);
      current = 1;
    }
  });
  return dims;
}

/** An input shape and a target shape over the same factors, so the value counts agree. */
const reshapeCases = fc
  // At most 4 factors: with a symbolic leading axis that is rank 6 with the batch, the most tfjs' predict slices.
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((factors) =>
    fc.record({
      inputCuts: fc.array(fc.boolean(), { minLength: factors.length, maxLength: factors.length }),
      targetCuts: fc.array(fc.boolean(), { minLength: factors.length, maxLength: factors.length }),
      targetFactors: fc.shuffledSubarray(factors, { minLength: factors.length, maxLength: factors.length }),
      inferAt: fc.option(fc.nat(), { nil: undefined }),
      symbolicBatchAxis: fc.boolean(),
      factors: fc.constant(factors),
    }),
  )
  .map((c) => {
    const input = group(c.factors, c.inputCuts);
    const target = group(c.targetFactors, c.targetCuts);
    if (c.symbolicBatchAxis) {
      // A symbolic leading axis: the target gains a -1 that absorbs it.
      return { params: { targetShape: [-1, ...target] }, inputs: { in: [{ shape: [null, ...input] }] } };
    }
    if (c.inferAt !== undefined) target[c.inferAt % target.length] = -1;
    return { params: { targetShape: target }, inputs: { in: [{ shape: input }] } };
  });

describe('core layers agree with tfjs', () => {
  it('Dense', () => {
    checkLayerProperty(
      dense,
      fc.record({
        params: fc.record({ units: smallDim(8), activation: fc.constantFrom(...ACTIVATIONS), useBias: fc.boolean() }),
        inputs: fc.record({ in: fc.array(smallDim(5), { minLength: 1, maxLength: 2 }).map((shape) => [{ shape }]) }),
      }),
    );
  });
  it('Flatten', () => {
    checkLayerProperty(
      flatten,
      fc.record({
        params: fc.constant({}),
        inputs: fc.record({ in: fc.array(smallDim(5), { minLength: 2, maxLength: 4 }).map((shape) => [{ shape }]) }),
      }),
    );
  });
  it('Activation', () => {
    checkLayerProperty(
      activation,
      fc.record({
        params: fc.record({ activation: fc.constantFrom(...ACTIVATIONS), alpha: fc.double({ min: 0, max: 1, noNaN: true }) }),
        inputs: fc.record({ in: featureShape().map((shape) => [{ shape }]) }),
      }),
    );
  });
  it('Dropout', () => {
    checkLayerProperty(
      dropout,
      fc.record({
        params: fc.record({ rate: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
        inputs: fc.record({ in: featureShape().map((shape) => [{ shape }]) }),
      }),
    );
  });
  it('Reshape', () => {
    checkLayerProperty(reshape, reshapeCases);
  });
  it('Permute', () => {
    checkLayerProperty(
      permute,
      featureShape(4).chain((shape) => {
        const axes = shape.map((_, i) => i + 1);
        return fc.shuffledSubarray(axes, { minLength: axes.length, maxLength: axes.length }).map((dims) => ({
          params: { dims },
          inputs: { in: [{ shape }] },
        }));
      }),
    );
  });
  it('RepeatVector', () => {
    checkLayerProperty(
      repeatVector,
      fc.record({
        params: fc.record({ n: smallDim(4) }),
        inputs: fc.record({ in: smallDim(5).map((d) => [{ shape: [d] }]) }),
      }),
    );
  });
  it('Split', () => {
    checkLayerProperty(
      split,
      fc
        .record({
          parts: fc.integer({ min: 2, max: 4 }),
          leading: fc.array(smallDim(3), { maxLength: 2 }),
          partSize: smallDim(3),
          explicit: fc.boolean(),
        })
        .chain((p) =>
          fc.array(smallDim(3), { minLength: p.parts, maxLength: p.parts }).map((sizes) => {
            const last = p.explicit ? sizes.reduce((a, b) => a + b, 0) : p.parts * p.partSize;
            return {
              params: { parts: p.parts, sizes: p.explicit ? sizes : [] },
              inputs: { in: [{ shape: [...p.leading, last] }] },
            };
          }),
        ),
    );
  });
});

describe('core layer shapes', () => {
  it('Reshape infers its -1 and keeps symbolic axes symbolic', () => {
    expect(shapeOf(reshape, { targetShape: [28, 28, 1] }, [null, 784]).out).toEqual([null, 28, 28, 1]);
    expect(shapeOf(reshape, { targetShape: [-1, 4] }, [null, 3, 8]).out).toEqual([null, 6, 4]);
    expect(shapeOf(reshape, { targetShape: [-1] }, [null, null, 8]).out).toEqual([null, null]);
  });
  it('Permute is 1-based and Split names its outputs out1..outN', () => {
    expect(shapeOf(permute, { dims: [2, 1] }, [null, 10, 3]).out).toEqual([null, 3, 10]);
    expect(shapeOf(permute, { dims: [3, 1, 2] }, [null, 4, 5, 6]).out).toEqual([null, 6, 4, 5]);
    expect(shapeOf(split, {}, [null, 16])).toEqual({ out1: [null, 8], out2: [null, 8] });
    expect(shapeOf(split, { parts: 3, sizes: [1, 2, 3] }, [null, 5, 6])).toEqual({ out1: [null, 5, 1], out2: [null, 5, 2], out3: [null, 5, 3] });
    expect(portsOf(split.outputs, paramsObjectSchema(split.params).parse({ parts: 3 })).map((p) => p.name)).toEqual(['out1', 'out2', 'out3']);
  });
});

describe('Dropout rate is the probability of dropping a unit', () => {
  it('rate 0.2 zeroes about 20% in training, scales the rest by 1 / 0.8, and does nothing at inference', () => {
    const x = tfl.input({ shape: [20_000] });
    const params = paramsObjectSchema(dropout.params).parse({ rate: 0.2 });
    const out = dropout.build({ params, name: 'dropout_convention', inputs: { in: [x] } }).out as SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: out });
    const layer = model.getLayer('dropout_convention');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const ones = tf.ones([1, 20_000]);
      const trained = Array.from((layer.apply(ones, { training: true }) as tf.Tensor).dataSync());
      const dropped = trained.filter((v) => v === 0).length / trained.length;
      // 20,000 Bernoulli(0.2) draws: the standard deviation of the fraction is 0.0028.
      expect(dropped).toBeGreaterThan(0.18);
      expect(dropped).toBeLessThan(0.22);
      expect(new Set(trained.filter((v) => v !== 0).map((v) => v.toFixed(5)))).toEqual(new Set(['1.25000']));
      expect(Array.from((model.predict(ones) as tf.Tensor).dataSync()).every((v) => v === 1)).toBe(true);
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('core layer shape errors say what to do', () => {
  it('Reshape with the wrong number of values', () => {
    expect(shapeErrorOf(reshape, { targetShape: [27, 28, 1] }, [null, 784])).toBe(
      'Reshape cannot turn [batch, 784] (784 values per sample) into [27, 28, 1] (756 values); the target shape must hold exactly 784 values, or use -1 for one dimension',
    );
    expect(shapeErrorOf(reshape, { targetShape: [-1, 5] }, [null, 12])).toContain('12 values are not divisible by 5');
    expect(ruleOf(reshape, { targetShape: [-1, -1] })).toHaveLength(1);
    expect(ruleOf(reshape, { targetShape: [0, 4] })).toHaveLength(1);
  });
  it('Permute dims that do not match the input', () => {
    expect(shapeErrorOf(permute, { dims: [2, 1] }, [null, 4, 5, 6])).toBe(
      'Permute dims [2, 1] reorder 2 axes but [batch, 4, 5, 6] has 3 after the batch; list 3, e.g. [2, 1, 3]',
    );
    expect(ruleOf(permute, { dims: [1, 1] })).toHaveLength(1);
    expect(ruleOf(permute, { dims: [1, 3] })).toEqual(['dims must list each of 1..2 exactly once (1-based, batch excluded), e.g. [2, 1]']);
  });
  it('RepeatVector wants a vector per sample', () => {
    expect(shapeErrorOf(repeatVector, {}, [null, 4, 5])).toBe(
      'RepeatVector expects rank 2 [batch, features] but got [batch, 4, 5]; add a Flatten (or a recurrent layer returning its last step) before it',
    );
  });
  it('Split that does not divide the axis', () => {
    expect(shapeErrorOf(split, { parts: 2 }, [null, 7])).toContain('Split cannot cut the last axis of [batch, 7] (7) into 2 equal parts');
    expect(shapeErrorOf(split, { parts: 2, sizes: [3, 3] }, [null, 7])).toBe(
      'Split sizes [3, 3] add up to 6 but the last axis of [batch, 7] is 7; make them add up to 7',
    );
    expect(shapeErrorOf(split, {}, [null, 4, null])).toContain('needs a known last dimension');
    expect(ruleOf(split, { parts: 2, sizes: [1, 2, 3] })).toHaveLength(1);
  });
  it('Activation and Dropout need a batch of something', () => {
    expect(shapeErrorOf(activation, {}, [null])).toContain('Activation expects rank >= 2');
    expect(shapeErrorOf(dropout, {}, [null])).toContain('Dropout expects rank >= 2');
    expect(ruleOf(dropout, { rate: 1 })[0]).toContain('probability of dropping');
    expect(ruleOf(dropout, { rate: 0.2 })).toEqual([]);
  });
});

describe('core layers survive a save and load in the tfjs layers format', () => {
  it('Dense', async () => {
    await checkSerializationRoundTrip(dense, { params: { units: 3, activation: 'leakyRelu' }, inputs: { in: [{ shape: [4] }] } });
  });
  it('Split, equal parts and given sizes', async () => {
    await checkSerializationRoundTrip(split, { params: { parts: 2 }, inputs: { in: [{ shape: [6] }] } });
    await checkSerializationRoundTrip(split, { params: { parts: 3, sizes: [1, 3, 2] }, inputs: { in: [{ shape: [2, 6] }] } });
  });
  it('Activation (leakyRelu with its slope)', async () => {
    await checkSerializationRoundTrip(activation, { params: { activation: 'leakyRelu', alpha: 0.1 }, inputs: { in: [{ shape: [4] }] } });
  });
});

describe('core shape rules answer any wiring with shapes or a ShapeError', () => {
  for (const decl of [dense, flatten, activation, dropout, reshape, permute, repeatVector, split]) {
    it(decl.type, () => checkShapeRuleTotality(decl));
  }
});
