import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SymbolicTensor } from '../../../core/catalogue/decl';
import { dot } from '../../../core/catalogue/layers/merge/dot';
import { reverseTime } from '../../../core/catalogue/layers/recurrent/reverse-time';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { compileGraph } from '../../../core/engine/compile';
import { GraphBuilder } from '../../../core/graph';
import { ShapeError } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality, smallDim } from './layer-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Random Dot cases: ranks 2..3 each, axes chosen so their sizes agree. */
const dotCases = fc
  .record({
    rankA: fc.integer({ min: 2, max: 3 }),
    rankB: fc.integer({ min: 2, max: 3 }),
    dims: fc.array(smallDim(5), { minLength: 4, maxLength: 4 }),
    pickA: fc.nat(),
    pickB: fc.nat(),
    negative: fc.boolean(),
    normalize: fc.boolean(),
  })
  .map(({ rankA, rankB, dims, pickA, pickB, negative, normalize }) => {
    const a = dims.slice(0, rankA - 1);
    const b = dims.slice(2, 2 + rankB - 1);
    const axisA = 1 + (pickA % a.length);
    const axisB = 1 + (pickB % b.length);
    b[axisB - 1] = a[axisA - 1] as number;
    const axes = negative ? [axisA - rankA, axisB - rankB] : [axisA, axisB];
    return { params: { axes, normalize }, inputs: { a: [{ shape: a }], b: [{ shape: b }] } };
  });

describe('Dot agrees with tf.layers.dot', () => {
  it('shapes and outputs over random ranks, axes and normalize', () => checkLayerProperty(dot, dotCases, 150));
  it('shape rule is total', () => checkShapeRuleTotality(dot));
  it('builds with one negative and one positive axis (tfjs alone fails: "Dimension incompatibility: 3 !== undefined")', () => {
    const build = (axes: number[]) => {
      const g = new GraphBuilder('mixed axes');
      const v = g.add('Input', { shape: [3], feature: 'v' }, undefined, 'v');
      const s = g.add('Input', { shape: [5, 3], feature: 's' }, undefined, 's');
      g.add('Dot', { axes }, { a: v, b: s }, 'dot');
      return compileGraph(g.build());
    };
    const mixed = build([1, -1]);
    const positive = build([1, 2]);
    const v = tf.randomUniform([2, 3]);
    const s = tf.randomUniform([2, 5, 3]);
    const [m, p] = [mixed, positive].map((c) => c.model.apply([v, s], { training: false }) as tf.Tensor);
    expect(m?.shape).toEqual([2, 5]);
    expect(Array.from(m?.dataSync() ?? [])).toEqual(Array.from(p?.dataSync() ?? []));
    tf.dispose([v, s, m as tf.Tensor, p as tf.Tensor]);
    mixed.model.dispose();
    positive.model.dispose();
  });
  it('saves and loads as tfjs Dot', () => checkSerializationRoundTrip(dot, { params: { axes: [2, 1], normalize: true }, inputs: { a: [{ shape: [3, 4] }], b: [{ shape: [4, 2] }] } }));

  it('is the closed form: attention scores a·bᵀ per sample, cosine with normalize', () => {
    const a = tf.tensor3d([[[1, 2], [3, 4], [0, 1]]]);
    const b = tf.tensor3d([[[1, 0], [2, -1]]]);
    const run = (params: Record<string, unknown>, x: tf.Tensor, y: tf.Tensor) => {
      const g = new GraphBuilder('dot');
      const ia = g.add('Input', { shape: x.shape.slice(1) }, undefined, 'x');
      const ib = g.add('Input', { shape: y.shape.slice(1) }, undefined, 'y');
      g.add('Dot', params, { a: ia, b: ib });
      const compiled = compileGraph(g.build());
      const out = tf.tidy(() => (compiled.model.predict([x, y]) as tf.Tensor).arraySync());
      compiled.model.dispose();
      return out;
    };
    // scores[t][s] = sum_n a[t][n] b[s][n]
    expect(run({ axes: [2] }, a, b)).toEqual([[[1, 0], [3, 2], [0, -1]]]);
    const cosine = run({ axes: [2], normalize: true }, a, b) as number[][][];
    const norm = (v: number[]) => Math.hypot(...v);
    const av = [[1, 2], [3, 4], [0, 1]];
    const bv = [[1, 0], [2, -1]];
    av.forEach((x, t) => bv.forEach((y, s) => expect(cosine[0]?.[t]?.[s]).toBeCloseTo((x[0]! * y[0]! + x[1]! * y[1]!) / (norm(x) * norm(y)), 6)));
    // context[t][n] = sum_s w[t][s] b[s][n] (axes [2, 1])
    const w = tf.tensor3d([[[0.5, 0.5], [1, 0], [0, 1]]]);
    expect(run({ axes: [2, 1] }, w, b)).toEqual([[[1.5, -0.5], [1, 0], [2, -1]]]);
    tf.dispose([a, b, w]);
  });

  it('refuses mismatched axes, rank 4 and the batch axis with the reason', () => {
    const shapes = (params: Record<string, unknown>, a: (number | null)[], b: (number | null)[]) =>
      dot.inferShapes({ params: paramsObjectSchema(dot.params).parse(params), inputs: { a: [a], b: [b] } } as never);
    expect(() => shapes({ axes: [2] }, [null, 3, 4], [null, 5, 6])).toThrow(/sizes differ \(4 vs 6\)/);
    expect(() => shapes({ axes: [-1] }, [null, 2, 3, 4], [null, 4])).toThrow(ShapeError);
    expect(dot.validateParams?.(paramsObjectSchema(dot.params).parse({ axes: [0] }))).toEqual([expect.stringMatching(/batch axis/)]);
    expect(shapes({ axes: [1] }, [null, 4], [null, 4]).out).toEqual([null, 1]);
  });
});

describe('ReverseTime', () => {
  it('agrees with its declared shapes and reloads', async () => {
    checkLayerProperty(reverseTime, fc.array(smallDim(4), { minLength: 2, maxLength: 3 }).map((shape) => ({ params: {}, inputs: { in: [{ shape }] } })), 50);
    checkShapeRuleTotality(reverseTime);
    await checkSerializationRoundTrip(reverseTime, { params: {}, inputs: { in: [{ shape: [4, 2] }] } });
  });

  it('ReverseTime -> LSTM equals the LSTM going backwards, and reversing its sequence back gives the backward half of a Bidirectional', () => {
    const g = new GraphBuilder('reverse');
    const x = g.add('Input', { shape: [5, 3] }, undefined, 'x');
    const backwards = g.add('LSTM', { units: 4, returnSequences: true, goBackwards: true }, x, 'backwards');
    const viaReverse = g.add('LSTM', { units: 4, returnSequences: true }, g.add('ReverseTime', {}, x, 'rev_in'), 'forward_on_reversed');
    g.add('ReverseTime', {}, viaReverse, 'rev_out');
    g.add('Activation', { activation: 'linear' }, backwards, 'backwards_out');
    const compiled = compileGraph(g.build());
    const layer = (name: string) => compiled.model.getLayer(name);
    layer('forward_on_reversed').setWeights(layer('backwards').getWeights());
    const input = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 3);
    const [reversedBack, backwardsOut] = compiled.model.predict(input) as tf.Tensor[];
    // LSTM(goBackwards) returns its sequence in processing order, i.e. reversed; ReverseTime(LSTM(ReverseTime(x))) is in forward order.
    const expected = tf.reverse(backwardsOut as tf.Tensor, 1);
    expect(tf.max(tf.abs(tf.sub(reversedBack as tf.Tensor, expected))).dataSync()[0]).toBeLessThan(1e-6);
    // The forward LSTM's output on the reversed input IS the backwards LSTM's output.
    const inner = tfl.model({ inputs: compiled.model.inputs, outputs: layer('forward_on_reversed').output as SymbolicTensor });
    expect(tf.max(tf.abs(tf.sub(inner.predict(input) as tf.Tensor, backwardsOut as tf.Tensor))).dataSync()[0]).toBeLessThan(1e-6);
    compiled.model.dispose();
  });
});
