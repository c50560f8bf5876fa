import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, fusedActivation } from '../../../core/catalogue/activations';
import type { LayerDecl, SymbolicTensor } from '../../../core/catalogue/decl';
import {
  NetwrightDilatedConv1D,
  NetwrightDilatedConv2D,
  NetwrightDilatedSeparableConv2D,
} from '../../../core/catalogue/layers/convolution/dilated';
import { conv1d } from '../../../core/catalogue/layers/convolution/conv1d';
import { conv2d } from '../../../core/catalogue/layers/convolution/conv2d';
import { conv2dTranspose } from '../../../core/catalogue/layers/convolution/conv2d-transpose';
import { separableConv2d } from '../../../core/catalogue/layers/convolution/separable-conv2d';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality, smallDim } from './layer-harness';

const padding = fc.constantFrom('valid' as const, 'same' as const);
const activation = fc.constantFrom(...ACTIVATIONS);

/** Strides and dilation for one axis, never both above 1 (tfjs refuses it). */
const strideDilation = fc.oneof(
  fc.record({ stride: fc.integer({ min: 1, max: 3 }), dilation: fc.constant(1) }),
  fc.record({ stride: fc.constant(1), dilation: fc.integer({ min: 1, max: 3 }) }),
);

/** An axis length the window fits in with 'valid' padding (any length with 'same'). */
function axisLength(kernel: number, dilation: number, pad: 'valid' | 'same'): fc.Arbitrary<number> {
  const span = (kernel - 1) * dilation + 1;
  return pad === 'same' ? fc.integer({ min: 1, max: 7 }) : fc.integer({ min: span, max: span + 4 });
}

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

describe('convolution layers agree with tfjs', () => {
  it('Conv1D', () => {
    checkLayerProperty(
      conv1d,
      fc
        .record({
          kernelSize: fc.integer({ min: 1, max: 4 }),
          sd: strideDilation,
          padding,
          filters: smallDim(4),
          activation,
          useBias: fc.boolean(),
          channels: smallDim(3),
          symbolicLength: fc.boolean(),
        })
        .chain((p) =>
          axisLength(p.kernelSize, p.sd.dilation, p.padding).map((length) => ({
            params: {
              filters: p.filters,
              kernelSize: p.kernelSize,
              strides: p.sd.stride,
              dilationRate: p.sd.dilation,
              padding: p.padding,
              activation: p.activation,
              useBias: p.useBias,
            },
            // A symbolic length becomes 5 in the forward pass: only valid when 5 fits the window.
            inputs: {
              in: [{ shape: [p.symbolicLength && p.padding === 'same' ? null : length, p.channels] }],
            },
          })),
        ),
    );
  });

  const conv2dCases = (withDilation: boolean, extra: fc.Arbitrary<Record<string, unknown>>) =>
    fc
      .record({
        kh: fc.integer({ min: 1, max: 3 }),
        kw: fc.integer({ min: 1, max: 3 }),
        sdh: strideDilation,
        sdw: strideDilation,
        padding,
        filters: smallDim(3),
        activation,
        useBias: fc.boolean(),
        channels: smallDim(3),
        squareKernel: fc.boolean(),
        extra,
      })
      .chain((p) => {
        // tfjs checks strides vs dilations over both axes together.
        const dilation = withDilation && p.sdh.stride === 1 && p.sdw.stride === 1 ? [p.sdh.dilation, p.sdw.dilation] : [1, 1];
        const [dh, dw] = dilation as [number, number];
        const kw = p.squareKernel ? p.kh : p.kw;
        return fc.tuple(axisLength(p.kh, dh, p.padding), axisLength(kw, dw, p.padding)).map(([h, w]) => ({
          params: {
            filters: p.filters,
            kernelSize: p.squareKernel ? [p.kh] : [p.kh, p.kw],
            strides: [p.sdh.stride, p.sdw.stride],
            ...(withDilation ? { dilationRate: dilation } : {}),
            padding: p.padding,
            activation: p.activation,
            useBias: p.useBias,
            ...p.extra,
          },
          inputs: { in: [{ shape: [h, w, p.channels] }] },
        }));
      });

  it('Conv2D', () => {
    checkLayerProperty(conv2d, conv2dCases(true, fc.constant({})));
  });
  it('SeparableConv2D', () => {
    checkLayerProperty(separableConv2d, conv2dCases(true, fc.record({ depthMultiplier: fc.integer({ min: 1, max: 3 }) })));
  });
  it('Conv2DTranspose', () => {
    checkLayerProperty(
      conv2dTranspose,
      fc.record({
        params: fc.record({
          filters: smallDim(3),
          kernelSize: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
          strides: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
          padding,
          activation,
          useBias: fc.boolean(),
        }),
        inputs: fc.record({ in: fc.tuple(smallDim(4), smallDim(4), smallDim(3)).map((shape) => [{ shape }]) }),
      }),
    );
  });
});

describe('convolution output sizes and FLOPs follow the closed forms', () => {
  it("valid: floor((n - span) / s) + 1 with span = (k - 1) * d + 1; same: ceil(n / s)", () => {
    expect(shapeOf(conv2d, { filters: 6, kernelSize: [5] }, [null, 32, 32, 3]).out).toEqual([null, 28, 28, 6]);
    expect(shapeOf(conv2d, { filters: 2, kernelSize: [3], strides: [2] }, [null, 8, 7, 1]).out).toEqual([null, 3, 3, 2]);
    expect(shapeOf(conv2d, { filters: 2, kernelSize: [3], dilationRate: [2] }, [null, 9, 9, 1]).out).toEqual([null, 5, 5, 2]);
    expect(shapeOf(conv2d, { filters: 2, kernelSize: [3], strides: [2], padding: 'same' }, [null, 7, 8, 1]).out).toEqual([null, 4, 4, 2]);
    expect(shapeOf(conv1d, { filters: 4, kernelSize: 2 }, [null, 11, 7]).out).toEqual([null, 10, 4]);
    expect(shapeOf(conv1d, { filters: 4, kernelSize: 2 }, [null, null, 7]).out).toEqual([null, null, 4]);
  });
  it("transpose: n * s + max(k - s, 0) with 'valid', n * s with 'same'", () => {
    expect(shapeOf(conv2dTranspose, { filters: 1, kernelSize: [3], strides: [2] }, [null, 7, 7, 4]).out).toEqual([null, 15, 15, 1]);
    expect(shapeOf(conv2dTranspose, { filters: 1, kernelSize: [1], strides: [3] }, [null, 2, 2, 4]).out).toEqual([null, 6, 6, 1]);
    expect(shapeOf(conv2dTranspose, { filters: 1, kernelSize: [4], strides: [2], padding: 'same' }, [null, 7, 7, 4]).out).toEqual([
      null, 14, 14, 1,
    ]);
  });
  it('FLOPs count a multiply-add as 2', () => {
    const flops = (decl: LayerDecl, params: Record<string, unknown>, input: Shape) => {
      const ctx = { params: paramsObjectSchema(decl.params).parse(params), inputs: { in: [input] } };
      return decl.flops?.({ ...ctx, outputs: decl.inferShapes(ctx) });
    };
    // LeNet's first layer: 28 * 28 positions, 6 filters, 5 * 5 * 3 taps each.
    expect(flops(conv2d, { filters: 6, kernelSize: [5] }, [null, 32, 32, 3])).toBe(2 * 28 * 28 * 6 * 75);
    expect(flops(conv1d, { filters: 4, kernelSize: 2 }, [null, 11, 3])).toBe(2 * 10 * 4 * 2 * 3);
    // Depthwise 3x3 over 4 channels, then 1x1 from 4 to 8, at 6 * 6 positions.
    expect(flops(separableConv2d, { filters: 8, kernelSize: [3] }, [null, 8, 8, 4])).toBe(2 * 36 * (9 * 4 + 4 * 8));
    // Every one of the 3 * 3 input pixels meets 2 * 2 * 5 * 7 weights.
    expect(flops(conv2dTranspose, { filters: 7, kernelSize: [2], strides: [2] }, [null, 3, 3, 5])).toBe(2 * 9 * 4 * 5 * 7);
  });
});

describe('convolution shape errors say what to do', () => {
  it('Conv2D on a flat vector suggests the Reshape', () => {
    expect(shapeErrorOf(conv2d, {}, [null, 784])).toBe(
      'Conv2D expects rank 4 [batch, height, width, channels] but got [batch, 784]; add a Reshape to [28, 28, 1] before it',
    );
    expect(shapeErrorOf(conv2d, {}, [null, 3072])).toContain('Reshape to [32, 32, 3]');
    expect(shapeErrorOf(conv2d, {}, [null, 28, 28])).toContain('Reshape to [28, 28, 1]');
  });
  it('a kernel larger than the input with valid padding', () => {
    expect(shapeErrorOf(conv2d, { kernelSize: [5] }, [null, 3, 8, 1])).toBe(
      "Conv2D kernel 5 is larger than the input height 3 with padding 'valid'; use padding 'same' or a smaller kernel",
    );
    expect(shapeErrorOf(conv2d, { kernelSize: [3], dilationRate: [1, 3] }, [null, 8, 6, 1])).toContain(
      'kernel 3 (dilation 3: spans 7) is larger than the input width 6',
    );
    expect(shapeErrorOf(conv1d, { kernelSize: 4 }, [null, 3, 1])).toContain('larger than the input length 3');
    expect(shapeErrorOf(separableConv2d, { kernelSize: [4] }, [null, 3, 3, 2])).toContain('larger than the input height 3');
    expect(() => shapeOf(conv2d, { kernelSize: [5], padding: 'same' }, [null, 3, 3, 1])).not.toThrow();
  });
  it('Conv1D wants [batch, steps, channels]', () => {
    expect(shapeErrorOf(conv1d, {}, [null, 20])).toBe(
      'Conv1D expects rank 3 [batch, steps, channels] but got [batch, 20]; add a Reshape to [20, 1] before it (one channel per step)',
    );
    expect(shapeErrorOf(conv1d, {}, [null, 8, 8, 1])).toContain('use the 2D version');
  });
  it('unknown channels and wrong ranks for the 2D layers', () => {
    expect(shapeErrorOf(conv2dTranspose, {}, [null, 4, 4, null])).toContain('known number of channels');
    expect(shapeErrorOf(conv2dTranspose, {}, [null, 16])).toContain('Reshape to [4, 4, 1]');
    expect(shapeErrorOf(separableConv2d, {}, [null, 5, 4])).toContain('Reshape to [5, 4, 1]');
  });
  it('strides and dilation both above 1 are refused before tfjs sees them', () => {
    const rule = (decl: LayerDecl, params: Record<string, unknown>) => decl.validateParams?.(paramsObjectSchema(decl.params).parse(params));
    expect(rule(conv2d, { strides: [2], dilationRate: [1, 2] })).toHaveLength(1);
    expect(rule(conv1d, { strides: 2, dilationRate: 2 })).toHaveLength(1);
    expect(rule(separableConv2d, { strides: [2, 1], dilationRate: [2] })).toHaveLength(1);
    expect(rule(conv2d, { strides: [2], dilationRate: [1] })).toEqual([]);
  });
});

describe('convolution layers survive a save and load in the tfjs layers format', () => {
  it('Conv2D', async () => {
    await checkSerializationRoundTrip(conv2d, {
      params: { filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'leakyRelu' },
      inputs: { in: [{ shape: [5, 4, 2] }] },
    });
  });
  it('dilated Conv2D, Conv1D and SeparableConv2D (Netwright subclasses; the dilation rate reloads)', async () => {
    await checkSerializationRoundTrip(conv2d, {
      params: { filters: 3, kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', activation: 'tanh' },
      inputs: { in: [{ shape: [6, 7, 2] }] },
    });
    await checkSerializationRoundTrip(conv1d, {
      params: { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'leakyRelu' },
      inputs: { in: [{ shape: [8, 3] }] },
    });
    await checkSerializationRoundTrip(separableConv2d, {
      params: { filters: 2, kernelSize: [2], dilationRate: [2, 1], depthMultiplier: 2, padding: 'same' },
      inputs: { in: [{ shape: [5, 4, 3] }] },
    });
  });
  it('Conv2DTranspose and SeparableConv2D', async () => {
    await checkSerializationRoundTrip(conv2dTranspose, {
      params: { filters: 2, kernelSize: [3], strides: [2] },
      inputs: { in: [{ shape: [3, 3, 2] }] },
    });
    await checkSerializationRoundTrip(separableConv2d, {
      params: { filters: 2, kernelSize: [2], depthMultiplier: 2, activation: 'relu' },
      inputs: { in: [{ shape: [4, 4, 3] }] },
    });
  });
});

describe('convolution shape rules answer any wiring with shapes or a ShapeError', () => {
  for (const decl of [conv1d, conv2d, conv2dTranspose, separableConv2d]) {
    it(decl.type, () => checkShapeRuleTotality(decl));
  }
});

/**
 * Dilation > 1: tfjs 4.22 computes the forward pass but refuses the gradient, so the nodes build
 * Netwright subclasses that convolve with dilateFilter(kernel) at dilation 1. Oracles: the stock
 * tfjs layer's forward pass with the same weights, and central finite differences of the loss.
 */
describe('dilated convolutions: the stock forward pass, and gradients that exist', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });

  type Kind = 'Conv1D' | 'Conv2D' | 'SeparableConv2D';
  interface Setup {
    kind: Kind;
    args: Record<string, unknown>;
    /** One sample's shape. */
    input: number[];
  }

  function makeLayers(setup: Setup): { ours: tfl.layers.Layer; stock: tfl.layers.Layer } {
    const args = setup.args as { filters: number; kernelSize: number | number[] };
    switch (setup.kind) {
      case 'Conv1D':
        return { ours: new NetwrightDilatedConv1D(args), stock: tfl.layers.conv1d(args) };
      case 'Conv2D':
        return { ours: new NetwrightDilatedConv2D(args), stock: tfl.layers.conv2d(args) };
      case 'SeparableConv2D':
        return { ours: new NetwrightDilatedSeparableConv2D(args), stock: tfl.layers.separableConv2d(args) };
    }
  }

  const kernelAndDilation = fc.record({ kernel: fc.integer({ min: 1, max: 3 }), dilation: fc.integer({ min: 1, max: 3 }) });
  const setups: fc.Arbitrary<Setup> = fc
    .record({
      kind: fc.constantFrom<Kind>('Conv1D', 'Conv2D', 'SeparableConv2D'),
      h: kernelAndDilation,
      w: kernelAndDilation,
      forceDilation: fc.integer({ min: 2, max: 3 }),
      padding,
      activation,
      useBias: fc.boolean(),
      filters: smallDim(3),
      channels: smallDim(3),
      depthMultiplier: fc.integer({ min: 1, max: 2 }),
      extraH: fc.integer({ min: 0, max: 3 }),
      extraW: fc.integer({ min: 0, max: 3 }),
    })
    .map((p) => {
      // At least one rate above 1 (the subclasses are only built then).
      const dh = Math.max(p.h.dilation, p.forceDilation);
      const span = (k: number, d: number) => (k - 1) * d + 1;
      const common = { filters: p.filters, padding: p.padding, activation: fusedActivation(p.activation), useBias: p.useBias };
      if (p.kind === 'Conv1D') {
        return { kind: p.kind, args: { ...common, kernelSize: p.h.kernel, dilationRate: dh }, input: [span(p.h.kernel, dh) + p.extraH, p.channels] };
      }
      const args = { ...common, kernelSize: [p.h.kernel, p.w.kernel], dilationRate: [dh, p.w.dilation] };
      const input = [span(p.h.kernel, dh) + p.extraH, span(p.w.kernel, p.w.dilation) + p.extraW, p.channels];
      return { kind: p.kind, args: p.kind === 'SeparableConv2D' ? { ...args, depthMultiplier: p.depthMultiplier } : args, input };
    });

  it('equal the stock tfjs layers forward, with the same weights, on random inputs', () => {
    fc.assert(
      fc.property(setups, fc.integer({ min: 1, max: 1000 }), (setup, seed) => {
        const before = tf.memory().numTensors;
        const { ours, stock } = makeLayers(setup);
        const x = tf.randomNormal([2, ...setup.input], 0, 1, 'float32', seed);
        const y = ours.apply(x) as tf.Tensor;
        tf.dispose(stock.apply(x) as tf.Tensor); // builds the stock weights, replaced next
        stock.setWeights(ours.getWeights());
        const expected = stock.apply(x) as tf.Tensor;
        expect(y.shape).toEqual(expected.shape);
        const a = Array.from(y.dataSync());
        const b = Array.from(expected.dataSync());
        const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
        a.forEach((v, i) => expect(Math.abs(v - (b[i] as number)), `${JSON.stringify(setup)} [${i}]`).toBeLessThanOrEqual(1e-5 * scale));
        tf.dispose([x, y, expected]);
        ours.dispose();
        stock.dispose();
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 60 },
    );
  });

  /**
   * Gradients of L = sum(layer(x) · r) w.r.t. every weight and the input, against central
   * differences (L(θ + ε) - L(θ - ε)) / 2ε in float32: ε = 1e-2 keeps the rounding of L (about
   * 1e-7 · its terms) small next to the difference, and the O(ε²) truncation error is ~1e-5.
   */
  const FD_SETUPS: Setup[] = [
    { kind: 'Conv2D', args: { filters: 2, kernelSize: [2, 3], dilationRate: [2, 1], padding: 'valid', activation: 'tanh' }, input: [5, 4, 2] },
    { kind: 'Conv2D', args: { filters: 2, kernelSize: [2, 2], dilationRate: [3, 2], padding: 'same', activation: 'linear' }, input: [4, 5, 2] },
    { kind: 'Conv1D', args: { filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }, input: [6, 2] },
    { kind: 'Conv1D', args: { filters: 3, kernelSize: 2, dilationRate: 3, padding: 'valid', activation: 'sigmoid' }, input: [6, 2] },
    {
      kind: 'SeparableConv2D',
      args: { filters: 2, kernelSize: [2, 2], dilationRate: [2, 2], depthMultiplier: 2, padding: 'valid', activation: 'tanh' },
      input: [4, 4, 2],
    },
  ];

  const EPS = 1e-2;

  it.each(FD_SETUPS.map((setup) => [`${setup.kind} ${JSON.stringify(setup.args)}`, setup] as const))(
    '%s: gradients w.r.t. weights and input equal central differences; the stock layer refuses them',
    (_label, setup) => {
      const before = tf.memory().numTensors;
      const { ours, stock } = makeLayers(setup);
      const x0 = tf.randomNormal([2, ...setup.input], 0, 1, 'float32', 3);
      const x = tf.variable(x0, true, `fd_x_${setup.kind}`);
      x0.dispose();
      const built = ours.apply(x) as tf.Tensor;
      const r = tf.randomUniform(built.shape, -1, 1, 'float32', 4);
      built.dispose();
      const weights = ours.trainableWeights.map((w) => w.read() as tf.Variable);
      expect(weights.length).toBe(setup.kind === 'SeparableConv2D' ? 3 : 2);
      const loss = (input: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(ours.apply(input) as tf.Tensor, r)) as tf.Scalar);
      const lossValue = (input: tf.Tensor) => {
        const l = loss(input);
        const v = l.dataSync()[0] as number;
        l.dispose();
        return v;
      };

      const { value, grads } = tf.variableGrads(() => loss(x), [...weights, x]);
      value.dispose();

      /** Central differences of L w.r.t. each entry of `variable`, which is restored after. */
      const centralDifferences = (variable: tf.Variable): number[] => {
        const original = variable.dataSync().slice();
        return Array.from(original, (_, j) => {
          const at = (delta: number) => {
            const shifted = original.slice();
            shifted[j] = (original[j] as number) + delta;
            const t = tf.tensor(shifted, variable.shape);
            variable.assign(t);
            t.dispose();
            return lossValue(x);
          };
          const d = (at(EPS) - at(-EPS)) / (2 * EPS);
          const restored = tf.tensor(original, variable.shape);
          variable.assign(restored);
          restored.dispose();
          return d;
        });
      };

      for (const v of [...weights, x]) {
        const g = grads[v.name];
        if (!g) throw new Error(`no gradient for ${v.name}`);
        const analytic = Array.from(g.dataSync());
        const numeric = centralDifferences(v);
        const scale = numeric.reduce((m, n) => Math.max(m, Math.abs(n)), 1);
        analytic.forEach((a, j) => expect(Math.abs(a - (numeric[j] as number)), `${v.name}[${j}]: ${a} vs ${numeric[j]}`).toBeLessThanOrEqual(2e-3 * scale));
        // Not all zero: a gradient that is lost entirely must not pass.
        expect(analytic.some((a) => Math.abs(a) > 1e-3), `${v.name} has a non-zero gradient`).toBe(true);
      }
      tf.dispose(Object.values(grads));
      ours.dispose();
      expect(tf.memory().numTensors, 'tensors leaked: only x and r remain').toBe(before + 2);

      // Why the subclasses exist: the stock layer, same dilation, cannot be differentiated.
      tf.dispose(stock.apply(x) as tf.Tensor);
      const stockWeights = stock.trainableWeights.map((w) => w.read() as tf.Variable);
      expect(() => tf.variableGrads(() => tf.sum(tf.mul(stock.apply(x) as tf.Tensor, r)) as tf.Scalar, stockWeights)).toThrow(
        /dilation rates greater than 1 are not yet supported/,
      );
      // tfjs' aborted gradient keeps the tensors its tape saved: counted up to here, not after.
      const leakedByStock = tf.memory().numTensors;
      tf.dispose([x, r]);
      stock.dispose();
      expect(leakedByStock - tf.memory().numTensors, 'only x, r and the stock weights remained of this test').toBe(2 + stockWeights.length);
    },
  );

  it('the nodes build the subclass only for a dilation above 1, and keep the stock config', () => {
    const layerOf = (decl: LayerDecl, params: Record<string, unknown>, shape: number[]) => {
      const out = decl.build({ params: paramsObjectSchema(decl.params).parse(params), name: `which_${decl.type}_${JSON.stringify(params).replace(/\W/g, '')}`, inputs: { in: [tfl.input({ shape })] } })[
        'out'
      ] as SymbolicTensor;
      return out.sourceLayer;
    };
    expect(layerOf(conv2d, { dilationRate: [1], filters: 2 }, [5, 5, 1]).getClassName()).toBe('Conv2D');
    expect(layerOf(conv1d, { dilationRate: 1, filters: 2 }, [5, 1]).getClassName()).toBe('Conv1D');
    expect(layerOf(separableConv2d, { dilationRate: [1], filters: 2 }, [5, 5, 1]).getClassName()).toBe('SeparableConv2D');
    const dilated2d = layerOf(conv2d, { dilationRate: [1, 2], filters: 2 }, [5, 5, 1]);
    expect(dilated2d.getClassName()).toBe('NetwrightDilatedConv2D');
    expect(dilated2d.getConfig()['dilationRate']).toEqual([1, 2]);
    const dilated1d = layerOf(conv1d, { dilationRate: 2, filters: 2 }, [5, 1]);
    expect(dilated1d.getClassName()).toBe('NetwrightDilatedConv1D');
    expect(dilated1d.getConfig()['dilationRate']).toEqual([2]);
    const dilatedSep = layerOf(separableConv2d, { dilationRate: [2], depthMultiplier: 2, filters: 2 }, [5, 5, 1]);
    expect(dilatedSep.getClassName()).toBe('NetwrightDilatedSeparableConv2D');
    expect(dilatedSep.getConfig()).toMatchObject({ dilationRate: [2, 2], depthMultiplier: 2 });
  });
});
