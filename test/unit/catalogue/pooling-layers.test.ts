import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LayerDecl } from '../../../core/catalogue/decl';
import { avgPool1d } from '../../../core/catalogue/layers/pooling/avg-pool1d';
import { avgPool2d } from '../../../core/catalogue/layers/pooling/avg-pool2d';
import { cropping2d } from '../../../core/catalogue/layers/pooling/cropping2d';
import { globalAvgPool1d } from '../../../core/catalogue/layers/pooling/global-avg-pool1d';
import { globalAvgPool2d } from '../../../core/catalogue/layers/pooling/global-avg-pool2d';
import { globalMaxPool1d } from '../../../core/catalogue/layers/pooling/global-max-pool1d';
import { globalMaxPool2d } from '../../../core/catalogue/layers/pooling/global-max-pool2d';
import { maxPool1d } from '../../../core/catalogue/layers/pooling/max-pool1d';
import { maxPool2d } from '../../../core/catalogue/layers/pooling/max-pool2d';
import { upSampling2d } from '../../../core/catalogue/layers/pooling/upsampling2d';
import { zeroPadding2d } from '../../../core/catalogue/layers/pooling/zero-padding2d';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkShapeRuleTotality, smallDim } from './layer-harness';

const padding = fc.constantFrom('valid' as const, 'same' as const);

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

/** Length of an axis a window fits in (any length with 'same'). */
const fitting = (size: number, pad: 'valid' | 'same') => fc.integer({ min: pad === 'same' ? 1 : size, max: size + 4 });

const pool1dCases = fc
  .record({ poolSize: fc.integer({ min: 1, max: 4 }), strides: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 }), padding, channels: smallDim(3), symbolic: fc.boolean() })
  .chain((p) =>
    fitting(p.poolSize, p.padding).map((length) => ({
      params: { poolSize: p.poolSize, strides: p.strides, padding: p.padding },
      // A symbolic length is 5 in the forward pass: fine for any pool <= 4.
      inputs: { in: [{ shape: [p.symbolic ? null : length, p.channels] }] },
    })),
  );

const pool2dCases = fc
  .record({
    poolSize: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
    strides: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    padding,
    channels: smallDim(3),
  })
  .chain((p) => {
    const ph = p.poolSize[0] as number;
    const pw = p.poolSize[1] ?? ph;
    return fc.tuple(fitting(ph, p.padding), fitting(pw, p.padding)).map(([h, w]) => ({
      params: { poolSize: p.poolSize, strides: p.strides, padding: p.padding },
      inputs: { in: [{ shape: [h, w, p.channels] }] },
    }));
  });

const sequences = fc.record({
  params: fc.constant({}),
  inputs: fc.record({ in: fc.tuple(fc.option(smallDim(5), { nil: null }), smallDim(4)).map((shape) => [{ shape }]) }),
});
const images = fc.record({
  params: fc.constant({}),
  inputs: fc.record({ in: fc.tuple(smallDim(5), smallDim(5), smallDim(3)).map((shape) => [{ shape }]) }),
});

/** Padding or cropping in any of the accepted spellings: [n], [v, h], [t, b, l, r]. */
const sides = (max: number) =>
  fc.oneof(
    fc.array(fc.integer({ min: 0, max }), { minLength: 1, maxLength: 2 }),
    fc.array(fc.integer({ min: 0, max }), { minLength: 4, maxLength: 4 }),
  );

describe('pooling layers agree with tfjs', () => {
  it('MaxPool1D', () => checkLayerProperty(maxPool1d, pool1dCases));
  it('AvgPool1D', () => checkLayerProperty(avgPool1d, pool1dCases));
  it('MaxPool2D', () => checkLayerProperty(maxPool2d, pool2dCases));
  it('AvgPool2D', () => checkLayerProperty(avgPool2d, pool2dCases));
  it('GlobalMaxPool1D', () => checkLayerProperty(globalMaxPool1d, sequences));
  it('GlobalAvgPool1D', () => checkLayerProperty(globalAvgPool1d, sequences));
  it('GlobalMaxPool2D', () => checkLayerProperty(globalMaxPool2d, images));
  it('GlobalAvgPool2D', () => checkLayerProperty(globalAvgPool2d, images));
  it('UpSampling2D', () =>
    checkLayerProperty(
      upSampling2d,
      fc.record({
        params: fc.record({
          size: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
          interpolation: fc.constantFrom('nearest', 'bilinear'),
        }),
        inputs: fc.record({ in: fc.tuple(smallDim(4), smallDim(4), smallDim(3)).map((shape) => [{ shape }]) }),
      }),
    ));
  it('ZeroPadding2D', () =>
    checkLayerProperty(
      zeroPadding2d,
      fc.record({
        params: fc.record({ padding: sides(3) }),
        inputs: fc.record({ in: fc.tuple(smallDim(4), smallDim(4), smallDim(3)).map((shape) => [{ shape }]) }),
      }),
    ));
  it('Cropping2D', () =>
    checkLayerProperty(
      cropping2d,
      fc.record({ cropping: sides(2), h: smallDim(3), w: smallDim(3), channels: smallDim(3) }).map((p) => {
        // Grow the image so at least h x w remains after the crop.
        const [top, bottom, left, right] =
          p.cropping.length === 4 ? p.cropping : [p.cropping[0], p.cropping[0], p.cropping[1] ?? p.cropping[0], p.cropping[1] ?? p.cropping[0]];
        const height = p.h + (top ?? 0) + (bottom ?? 0);
        const width = p.w + (left ?? 0) + (right ?? 0);
        return { params: { cropping: p.cropping }, inputs: { in: [{ shape: [height, width, p.channels] }] } };
      }),
    ));
});

describe('pooling shapes follow the closed forms', () => {
  it('strides default to the pool size', () => {
    expect(shapeOf(maxPool2d, {}, [null, 28, 28, 6]).out).toEqual([null, 14, 14, 6]);
    expect(shapeOf(maxPool2d, {}, [null, 7, 7, 6]).out).toEqual([null, 3, 3, 6]);
    expect(shapeOf(maxPool2d, { padding: 'same' }, [null, 7, 7, 6]).out).toEqual([null, 4, 4, 6]);
    expect(shapeOf(avgPool2d, { poolSize: [3], strides: [1] }, [null, 5, 6, 2]).out).toEqual([null, 3, 4, 2]);
    expect(shapeOf(maxPool1d, { poolSize: 3 }, [null, 10, 4]).out).toEqual([null, 3, 4]);
    expect(shapeOf(avgPool1d, {}, [null, null, 4]).out).toEqual([null, null, 4]);
  });
  it('padding, cropping and upsampling', () => {
    expect(shapeOf(zeroPadding2d, { padding: [1, 2, 3, 4] }, [null, 5, 5, 1]).out).toEqual([null, 8, 12, 1]);
    expect(shapeOf(zeroPadding2d, { padding: [1, 2] }, [null, 5, 5, 1]).out).toEqual([null, 7, 9, 1]);
    expect(shapeOf(cropping2d, { cropping: [2] }, [null, 5, 6, 1]).out).toEqual([null, 1, 2, 1]);
    expect(shapeOf(upSampling2d, { size: [2, 3] }, [null, 4, 5, 2]).out).toEqual([null, 8, 15, 2]);
  });
});

describe('pooling shape errors say what to do', () => {
  it('a pool larger than the input with valid padding', () => {
    expect(shapeErrorOf(maxPool2d, {}, [null, 1, 4, 3])).toBe(
      "MaxPool2D pool 2 is larger than the input height 1 with padding 'valid'; use padding 'same', a smaller pool, or remove the pooling",
    );
    expect(shapeErrorOf(avgPool2d, { poolSize: [1, 5] }, [null, 4, 4, 3])).toContain('pool 5 is larger than the input width 4');
    expect(shapeErrorOf(maxPool1d, { poolSize: 4 }, [null, 3, 2])).toContain('MaxPool1D pool 4 is larger than the input length 3');
    expect(shapeErrorOf(avgPool1d, { poolSize: 4 }, [null, 2, 2])).toContain('AvgPool1D pool 4');
  });
  it('wrong ranks point to the right layer or the Reshape', () => {
    expect(shapeErrorOf(maxPool2d, {}, [null, 10, 4])).toContain('use the 1D version of this layer');
    expect(shapeErrorOf(maxPool1d, {}, [null, 4, 4, 1])).toContain('use the 2D version of this layer');
    expect(shapeErrorOf(globalMaxPool1d, {}, [null, 12])).toContain('Reshape to [12, 1]');
    expect(shapeErrorOf(globalAvgPool1d, {}, [null, 4, 4, 2])).toContain('expects rank 3 [batch, steps, channels]');
    expect(shapeErrorOf(globalMaxPool2d, {}, [null, 64])).toContain('Reshape to [8, 8, 1]');
    expect(shapeErrorOf(globalAvgPool2d, {}, [null, 3, 3])).toContain('expects rank 4 [batch, height, width, channels]');
    expect(shapeErrorOf(upSampling2d, {}, [null, 16])).toContain('Reshape to [4, 4, 1]');
    expect(shapeErrorOf(zeroPadding2d, {}, [null, 4, 4, null])).toContain('known number of channels');
  });
  it('cropping everything away', () => {
    expect(shapeErrorOf(cropping2d, { cropping: [2, 0] }, [null, 4, 6, 1])).toBe(
      'Cropping2D removes 4 rows (2 top + 2 bottom) but the input height is 4 in [batch, 4, 6, 1]; crop less so at least 1 remains',
    );
    expect(shapeErrorOf(cropping2d, { cropping: [0, 0, 3, 0] }, [null, 4, 3, 1])).toContain('removes 3 columns (3 left + 0 right)');
  });
  it('three padding numbers are refused', () => {
    expect(zeroPadding2d.validateParams?.({ padding: [1, 2, 3] })).toHaveLength(1);
    expect(cropping2d.validateParams?.({ cropping: [1, 2, 3] })).toHaveLength(1);
    expect(cropping2d.validateParams?.({ cropping: [1, 2, 3, 4] })).toEqual([]);
  });
});

describe('pooling shape rules answer any wiring with shapes or a ShapeError', () => {
  for (const decl of [maxPool1d, avgPool1d, maxPool2d, avgPool2d, globalMaxPool1d, globalAvgPool1d, globalMaxPool2d, globalAvgPool2d, upSampling2d, zeroPadding2d, cropping2d]) {
    it(decl.type, () => checkShapeRuleTotality(decl));
  }
});
