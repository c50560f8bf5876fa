/**
 * Sampling and AffineCoupling: shapes and counts against tfjs, save/load, the sampling statistics,
 * a plain-JS oracle of the coupling formula, its log-determinant against a numeric Jacobian, its
 * inverse, and gradients against central finite differences.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerDecl, NodeDecl } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { getDecl } from '../../../core/catalogue/registry';
import { affineCoupling, AffineCouplingLayer } from '../../../core/catalogue/layers/generative/affine-coupling';
import { reparameterize, sampling, SamplingLayer } from '../../../core/catalogue/layers/generative/sampling';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality } from './layer-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Seeded normal numbers, so the checks are reproducible. */
function normals(count: number, seed: number, scale = 1): number[] {
  let state = seed;
  const uniform = () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return (state + 0.5) / 4294967296;
  };
  return Array.from({ length: count }, () => scale * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** |a - n| <= abs + rel·|n|: float32 central differences carry ~1e-4 of noise at these sizes. */
function expectGradientsClose(analytic: number[], numeric: number[], what: string): void {
  expect(analytic.length).toBe(numeric.length);
  analytic.forEach((a, i) => {
    const n = numeric[i] as number;
    expect(Math.abs(a - n), `${what}[${i}]: tf.grad ${a}, finite differences ${n}`).toBeLessThanOrEqual(2e-3 + 2e-2 * Math.abs(n));
  });
}

/** Central differences of a scalar function of one tensor, element by element. */
function numericGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, step = 1e-2): number[] {
  const values = Array.from(x.dataSync());
  return values.map((_, i) => {
    const at = (delta: number) =>
      tf.tidy(() => {
        const shifted = values.slice();
        shifted[i] = (shifted[i] as number) + delta;
        return f(tf.tensor(shifted, x.shape)).dataSync()[0] as number;
      });
    return (at(step) - at(-step)) / (2 * step);
  });
}

describe('generative layers agree with tfjs', () => {
  it('are registered', () => {
    expect(getDecl('Sampling')?.category).toBe('Generative');
    expect(getDecl('AffineCoupling')?.category).toBe('Generative');
  });

  it('Sampling', () => {
    checkLayerProperty(
      sampling,
      fc
        .record({ deterministic: fc.boolean(), shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }) })
        .map(({ shape, ...params }) => ({ params, inputs: { mu: [{ shape }], logvar: [{ shape }] } })),
    );
  });

  it('AffineCoupling', () => {
    checkLayerProperty(
      affineCoupling,
      fc
        .integer({ min: 2, max: 7 })
        .chain((features) =>
          fc.record({
            features: fc.constant(features),
            split: fc.integer({ min: 0, max: features - 1 }),
            hiddenUnits: fc.integer({ min: 1, max: 5 }),
            hiddenActivation: fc.constantFrom('relu', 'tanh'),
            scaleTanh: fc.boolean(),
          }),
        )
        .map(({ features, ...params }) => ({ params, inputs: { in: [{ shape: [features] }] } })),
    );
  });
});

describe('generative layers survive a save and load in the tfjs layers format', () => {
  it('Sampling (deterministic at inference, so the outputs are comparable)', async () => {
    await checkSerializationRoundTrip(sampling, { params: { deterministic: true }, inputs: { mu: [{ shape: [3] }], logvar: [{ shape: [3] }] } });
  });
  it('AffineCoupling', async () => {
    await checkSerializationRoundTrip(affineCoupling, { params: { hiddenUnits: 4, split: 2 }, inputs: { in: [{ shape: [5] }] } });
  });
  it('AffineCoupling with trained (non-zero) weights keeps its config and weights', async () => {
    const input = tfl.input({ shape: [5] });
    const layer = new AffineCouplingLayer({ hiddenUnits: 3, split: 3, hiddenActivation: 'tanh', scaleTanh: false });
    const [out, logDet] = layer.apply(input) as tfl.SymbolicTensor[];
    const model = tfl.model({ inputs: input, outputs: [out as tfl.SymbolicTensor, logDet as tfl.SymbolicTensor] });
    layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(normals(w.size, 100 + i, 0.5), w.shape)));
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    if (!saved) throw new Error('no artifacts');
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: JSON.parse(JSON.stringify(saved.modelTopology)) as object, weightSpecs: saved.weightSpecs, weightData: saved.weightData }),
    );
    const x = tf.tensor2d(normals(10, 7), [2, 5]);
    const a = model.predict(x) as tf.Tensor[];
    const b = loaded.predict(x) as tf.Tensor[];
    a.forEach((t, i) => expect(Array.from((b[i] as tf.Tensor).dataSync())).toEqual(Array.from(t.dataSync())));
    const loadedLayer = loaded.layers[1] as AffineCouplingLayer;
    expect(loadedLayer).toBeInstanceOf(AffineCouplingLayer);
    expect([loadedLayer.split, loadedLayer.hiddenUnits, loadedLayer.hiddenActivation, loadedLayer.scaleTanh]).toEqual([3, 3, 'tanh', false]);
    tf.dispose([x, ...a, ...b]);
    model.dispose();
    loaded.dispose();
  });
});

function shapeError(decl: NodeDecl, params: Record<string, unknown>, inputs: Record<string, Shape[]>): ShapeError {
  try {
    (decl as LayerDecl).inferShapes({ params: paramsObjectSchema(decl.params).parse(params), inputs });
  } catch (err) {
    if (err instanceof ShapeError) return err;
    throw err;
  }
  throw new Error('expected a ShapeError');
}

describe('generative shape errors say what to do', () => {
  it('every rule is total: any parameters and any wiring give shapes or a ShapeError', () => {
    checkShapeRuleTotality(sampling);
    checkShapeRuleTotality(affineCoupling);
  });
  it('Sampling needs mu and logvar alike', () => {
    const err = shapeError(sampling, {}, { mu: [[null, 8]], logvar: [[null, 4]] });
    expect(err.port).toBe('logvar');
    expect(err.message).toContain('same number of units');
  });
  it('AffineCoupling needs a vector and a split that leaves two parts', () => {
    expect(shapeError(affineCoupling, {}, { in: [[null, 4, 4]] }).message).toContain('Flatten');
    expect(shapeError(affineCoupling, { split: 4 }, { in: [[null, 4]] }).message).toContain('choose 1..3');
    expect(shapeError(affineCoupling, {}, { in: [[null, 1]] }).message).toContain('at least 2');
  });
});

describe('Sampling', () => {
  const MU = [0.5, -2.0, 0.0];
  const LOGVAR = [0.0, -1.0, 1.2];

  it('draws z ~ N(mu, exp(logvar)) in training (moments of 20,000 draws)', () => {
    const layer = new SamplingLayer();
    const n = 20_000;
    const mu = tf.tile(tf.tensor2d([MU]), [n, 1]);
    const logvar = tf.tile(tf.tensor2d([LOGVAR]), [n, 1]);
    const z = layer.apply([mu, logvar], { training: true }) as tf.Tensor;
    const { mean, variance } = tf.moments(z, 0);
    const means = Array.from(mean.dataSync());
    const vars = Array.from(variance.dataSync());
    MU.forEach((m, j) => {
      const v = Math.exp(LOGVAR[j] as number);
      // Standard error of the mean sqrt(v/n) ~ 0.013 at most here; of the variance ~ v·sqrt(2/n) ~ 0.033.
      expect(Math.abs((means[j] as number) - m)).toBeLessThan(5 * Math.sqrt(v / n));
      expect(Math.abs((vars[j] as number) - v)).toBeLessThan(5 * v * Math.sqrt(2 / n));
    });
    tf.dispose([mu, logvar, z, mean, variance]);
  });

  it('samples at inference by default (as Keras), outputs mu there when deterministic', () => {
    const mu = tf.tensor2d([MU]);
    const logvar = tf.tensor2d([LOGVAR]);
    const sampler = new SamplingLayer();
    const a = sampler.apply([mu, logvar]) as tf.Tensor;
    const b = sampler.apply([mu, logvar]) as tf.Tensor;
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(b.dataSync()));
    const meanAtInference = new SamplingLayer({ deterministic: true });
    const c = meanAtInference.apply([mu, logvar]) as tf.Tensor;
    expect(Array.from(c.dataSync())).toEqual(Array.from(mu.dataSync()));
    const d = meanAtInference.apply([mu, logvar], { training: true }) as tf.Tensor;
    expect(Array.from(d.dataSync())).not.toEqual(Array.from(mu.dataSync()));
    tf.dispose([mu, logvar, a, b, c, d]);
  });

  it('gradients with a fixed eps match central differences', () => {
    const eps = tf.tensor2d(normals(6, 3), [2, 3]);
    const mu = tf.tensor2d(normals(6, 4), [2, 3]);
    const logvar = tf.tensor2d(normals(6, 5, 0.7), [2, 3]);
    const weights = tf.tensor2d(normals(6, 6), [2, 3]);
    const lossOfMu = (m: tf.Tensor) => tf.sum(tf.mul(reparameterize(m, logvar, eps), weights)) as tf.Scalar;
    const lossOfLogvar = (lv: tf.Tensor) => tf.sum(tf.mul(reparameterize(mu, lv, eps), weights)) as tf.Scalar;
    const [gMu, gLogvar] = tf.grads((m: tf.Tensor, lv: tf.Tensor) => tf.sum(tf.mul(reparameterize(m, lv, eps), weights)) as tf.Scalar)([mu, logvar]);
    expectGradientsClose(Array.from((gMu as tf.Tensor).dataSync()), numericGradient(lossOfMu, mu), 'd/dmu');
    expectGradientsClose(Array.from((gLogvar as tf.Tensor).dataSync()), numericGradient(lossOfLogvar, logvar), 'd/dlogvar');
    tf.dispose([eps, mu, logvar, weights, gMu as tf.Tensor, gLogvar as tf.Tensor]);
  });
});

describe('AffineCoupling', () => {
  const D = 5;
  const SPLIT = 2; // x1 = first 2 values, x2 = last 3
  const HIDDEN = 3;

  /** A built coupling layer with random weights (the zero-initialised ones would make G = F = 0). */
  function randomCoupling(scaleTanh: boolean): AffineCouplingLayer {
    const layer = new AffineCouplingLayer({ split: SPLIT, hiddenUnits: HIDDEN, hiddenActivation: 'tanh', scaleTanh });
    tf.dispose(layer.apply(tf.zeros([1, D])) as tf.Tensor[]);
    layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(normals(w.size, 40 + i, 0.6), w.shape)));
    return layer;
  }

  /** The formula in plain JS from the layer's weights (order: g k1 b1 k2 b2, f k1 b1 k2 b2, s). */
  function jsForward(layer: AffineCouplingLayer, x: number[], scaleTanh: boolean): { y: number[]; logDet: number } {
    const w = layer.getWeights().map((t) => Array.from(t.dataSync()));
    const mlp = (k1: number[], b1: number[], k2: number[], b2: number[], x2: number[]) => {
      const h = b1.map((b, j) => Math.tanh(b + x2.reduce((acc, xi, i) => acc + xi * (k1[i * HIDDEN + j] as number), 0)));
      return b2.map((b, j) => b + h.reduce((acc, hi, i) => acc + hi * (k2[i * SPLIT + j] as number), 0));
    };
    const x1 = x.slice(0, SPLIT);
    const x2 = x.slice(SPLIT);
    const gRaw = mlp(w[0] as number[], w[1] as number[], w[2] as number[], w[3] as number[], x2);
    const g = scaleTanh ? gRaw.map(Math.tanh) : gRaw;
    const f = mlp(w[4] as number[], w[5] as number[], w[6] as number[], w[7] as number[], x2);
    const s = w[8] as number[];
    const y1 = x1.map((v, i) => Math.exp(g[i] as number) * v + (f[i] as number));
    const y2 = x2.map((v, i) => Math.exp(s[i] as number) * v);
    const logDet = g.reduce((a, b) => a + b, 0) + s.reduce((a, b) => a + b, 0);
    return { y: [...y1, ...y2], logDet };
  }

  it('starts as the identity with log|det J| = 0', () => {
    const layer = new AffineCouplingLayer({ hiddenUnits: 4 });
    const x = tf.tensor2d(normals(8, 9), [2, 4]);
    const [y, logDet] = layer.apply(x) as tf.Tensor[];
    expect(Array.from((y as tf.Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from((logDet as tf.Tensor).dataSync())).toEqual([0, 0]);
    tf.dispose([x, y as tf.Tensor, logDet as tf.Tensor]);
    layer.dispose();
  });

  for (const scaleTanh of [true, false]) {
    it(`matches the formula computed in plain JS (scaleTanh ${scaleTanh})`, () => {
      const layer = randomCoupling(scaleTanh);
      const rows = [normals(D, 11), normals(D, 12)];
      const x = tf.tensor2d(rows);
      const [y, logDet] = layer.apply(x) as tf.Tensor[];
      const ys = (y as tf.Tensor).arraySync() as number[][];
      const lds = (logDet as tf.Tensor).arraySync() as number[][];
      rows.forEach((row, b) => {
        const expected = jsForward(layer, row, scaleTanh);
        expected.y.forEach((v, i) => expect((ys[b] as number[])[i]).toBeCloseTo(v, 4));
        expect((lds[b] as number[])[0]).toBeCloseTo(expected.logDet, 4);
      });
      tf.dispose([x, y as tf.Tensor, logDet as tf.Tensor]);
      layer.dispose();
    });
  }

  it('logDet equals log|det J| of the numeric Jacobian', () => {
    const layer = randomCoupling(true);
    const row = normals(D, 21);
    const step = 1e-2;
    const forward = (v: number[]) =>
      tf.tidy(() => Array.from(((layer.apply(tf.tensor2d([v])) as tf.Tensor[])[0] as tf.Tensor).dataSync()));
    // J[i][j] = dy_i / dx_j by central differences.
    const columns = row.map((_, j) => {
      const plus = row.slice();
      const minus = row.slice();
      plus[j] = (plus[j] as number) + step;
      minus[j] = (minus[j] as number) - step;
      const yp = forward(plus);
      const ym = forward(minus);
      return yp.map((v, i) => (v - (ym[i] as number)) / (2 * step));
    });
    const J = row.map((_, i) => columns.map((col) => col[i] as number));
    // log|det J| by Gaussian elimination with partial pivoting.
    let logAbsDet = 0;
    const m = J.map((r) => r.slice());
    for (let c = 0; c < D; c++) {
      let p = c;
      for (let r = c + 1; r < D; r++) if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[p] as number[])[c] as number)) p = r;
      [m[c], m[p]] = [m[p] as number[], m[c] as number[]];
      const pivot = (m[c] as number[])[c] as number;
      logAbsDet += Math.log(Math.abs(pivot));
      for (let r = c + 1; r < D; r++) {
        const factor = ((m[r] as number[])[c] as number) / pivot;
        for (let k = c; k < D; k++) (m[r] as number[])[k] = ((m[r] as number[])[k] as number) - factor * ((m[c] as number[])[k] as number);
      }
    }
    const x = tf.tensor2d([row]);
    const [y, logDet] = layer.apply(x) as tf.Tensor[];
    expect(Math.abs(((logDet as tf.Tensor).dataSync()[0] as number) - logAbsDet)).toBeLessThan(5e-3);
    tf.dispose([x, y as tf.Tensor, logDet as tf.Tensor]);
    layer.dispose();
  });

  it('inverse undoes the forward pass', () => {
    const layer = randomCoupling(false);
    const x = tf.tensor2d(normals(3 * D, 31), [3, D]);
    const [y, logDet] = layer.apply(x) as tf.Tensor[];
    const back = layer.inverse(y as tf.Tensor2D);
    const a = Array.from(back.dataSync());
    Array.from(x.dataSync()).forEach((v, i) => expect(a[i]).toBeCloseTo(v, 4));
    tf.dispose([x, y as tf.Tensor, logDet as tf.Tensor, back]);
    layer.dispose();
  });

  it('gradients with respect to the input match central differences', () => {
    const layer = randomCoupling(true);
    const x = tf.tensor2d(normals(2 * D, 51), [2, D]);
    const wOut = tf.tensor2d(normals(2 * D, 52), [2, D]);
    const wLogDet = tf.tensor2d([[0.7], [-1.3]]);
    const objective = (input: tf.Tensor) =>
      tf.tidy(() => {
        const [y, logDet] = layer.apply(input) as tf.Tensor[];
        return tf.add(tf.sum(tf.mul(y as tf.Tensor, wOut)), tf.sum(tf.mul(logDet as tf.Tensor, wLogDet))) as tf.Scalar;
      });
    const g = tf.grad(objective)(x);
    expectGradientsClose(Array.from(g.dataSync()), numericGradient(objective, x), 'd/dx');
    tf.dispose([x, wOut, wLogDet, g]);
    layer.dispose();
  });

  it('gradients with respect to every weight match central differences', () => {
    const layer = randomCoupling(true);
    const x = tf.tensor2d(normals(2 * D, 61), [2, D]);
    const wOut = tf.tensor2d(normals(2 * D, 62), [2, D]);
    const objective = () =>
      tf.tidy(() => {
        const [y, logDet] = layer.apply(x) as tf.Tensor[];
        return tf.add(tf.sum(tf.mul(y as tf.Tensor, wOut)), tf.sum(logDet as tf.Tensor)) as tf.Scalar;
      });
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(objective, variables);
    expect(variables.length).toBe(9);
    for (const v of variables) {
      const analytic = Array.from((grads[v.name] as tf.Tensor).dataSync());
      const original = Array.from(v.dataSync());
      const numeric = original.map((_, i) => {
        const at = (delta: number) => {
          const shifted = original.slice();
          shifted[i] = (shifted[i] as number) + delta;
          tf.tidy(() => v.assign(tf.tensor(shifted, v.shape)));
          const value = tf.tidy(() => objective().dataSync()[0] as number);
          tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
          return value;
        };
        return (at(1e-2) - at(-1e-2)) / 2e-2;
      });
      expectGradientsClose(analytic, numeric, v.name);
    }
    tf.dispose([x, wOut, ...Object.values(grads)]);
    layer.dispose();
  });
});
