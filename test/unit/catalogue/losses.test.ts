/**
 * Every loss against a closed form computed here in plain JS arithmetic (the oracle), the KL
 * against a Monte-Carlo estimate, the padding mask of SequenceCrossentropy, and the shape checks.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { portsOf, type LossDecl } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { getDecl } from '../../../core/catalogue/registry';
import { binaryCrossentropy } from '../../../core/catalogue/layers/losses/binary-crossentropy';
import { categoricalCrossentropy } from '../../../core/catalogue/layers/losses/categorical-crossentropy';
import { gaussianKl } from '../../../core/catalogue/layers/losses/gaussian-kl';
import { meanAbsoluteError, meanSquaredError } from '../../../core/catalogue/layers/losses/mean-errors';
import { sequenceCrossentropy } from '../../../core/catalogue/layers/losses/sequence-crossentropy';
import { sparseCategoricalCrossentropy } from '../../../core/catalogue/layers/losses/sparse-categorical-crossentropy';
import { defaultParams } from '../../../core/catalogue/params';
import { ShapeError, type Shape } from '../../../core/shapes/shape';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs a loss on plain arrays and returns the number; asserts no tensor leaks. */
function lossValue(decl: LossDecl, tensors: Record<string, tf.Tensor>, params: Record<string, unknown> = {}): number {
  const parsed = paramsObjectSchema(decl.params).parse(params) as never;
  const before = tf.memory().numTensors;
  const loss = decl.compute(tensors, parsed);
  expect(loss.rank).toBe(0);
  const value = loss.dataSync()[0] as number;
  loss.dispose();
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose(Object.values(tensors));
  return value;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => sum(xs) / xs.length;
const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(sum(row.map((v) => Math.exp(v - m))));
  return row.map((v) => v - lse);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function checkShapesOf(decl: LossDecl, inputs: Record<string, Shape[]>, params: Record<string, unknown> = {}): void {
  decl.checkShapes({ params: paramsObjectSchema(decl.params).parse(params) as never, inputs });
}
function shapeErrorOf(decl: LossDecl, inputs: Record<string, Shape[]>, params: Record<string, unknown> = {}): ShapeError {
  try {
    checkShapesOf(decl, inputs, params);
  } catch (err) {
    if (err instanceof ShapeError) return err;
    throw err;
  }
  throw new Error('expected a ShapeError');
}

describe('losses are registered', () => {
  it('every loss type is in the catalogue', () => {
    for (const type of ['CategoricalCrossentropy', 'SparseCategoricalCrossentropy', 'BinaryCrossentropy', 'MeanSquaredError', 'MeanAbsoluteError', 'GaussianKL', 'SequenceCrossentropy']) {
      expect(getDecl(type)?.kind, type).toBe('loss');
    }
  });
});

describe('loss shape checks are total', () => {
  const shapeArb: fc.Arbitrary<Shape> = fc
    .array(fc.option(fc.integer({ min: 1, max: 4 }), { nil: null, freq: 5 }), { maxLength: 3 })
    .map((dims) => [null, ...dims]);
  const losses = [sparseCategoricalCrossentropy, binaryCrossentropy, meanSquaredError, meanAbsoluteError, gaussianKl, sequenceCrossentropy];
  it('any wiring of any shapes passes or gives a ShapeError; what passes (known dims) computes a finite scalar', () => {
    for (const decl of losses) {
      const params = defaultParams(decl.params) as never;
      const ports = portsOf(decl.inputs, params);
      const cases = fc.tuple(...ports.map((p) => fc.array(shapeArb, { minLength: 0, maxLength: 1 }).map((shapes) => [p.name, shapes] as const)));
      fc.assert(
        fc.property(cases, (entries) => {
          const inputs = Object.fromEntries(entries) as Record<string, Shape[]>;
          try {
            decl.checkShapes({ params, inputs });
          } catch (err) {
            if (err instanceof ShapeError) return;
            throw err;
          }
          const wired = Object.entries(inputs).filter(([, shapes]) => shapes.length > 0);
          if (wired.some(([, shapes]) => (shapes[0] as Shape).slice(1).includes(null))) return;
          const tensors = Object.fromEntries(wired.map(([port, shapes]) => [port, tf.randomNormal([2, ...((shapes[0] as Shape).slice(1) as number[])])]));
          const value = lossValue(decl, tensors);
          expect(Number.isFinite(value), `${decl.type} on ${JSON.stringify(inputs)}`).toBe(true);
        }),
        { numRuns: 150, seed: 11 },
      );
    }
  });
});

const LOGITS = [
  [2.0, -1.0, 0.5],
  [0.1, 0.2, -3.0],
  [-1.5, 4.0, 1.0],
];
const LABELS = [0, 2, 1];

describe('SparseCategoricalCrossentropy', () => {
  const expected = mean(LOGITS.map((row, i) => -(logSoftmax(row)[LABELS[i] as number] as number)));
  it('from logits: mean over the batch of -log softmax at the label', () => {
    expect(lossValue(sparseCategoricalCrossentropy, { prediction: tf.tensor2d(LOGITS), target: tf.tensor1d(LABELS) })).toBeCloseTo(expected, 5);
  });
  it('accepts [batch, 1] float labels as a dataset gives them', () => {
    expect(lossValue(sparseCategoricalCrossentropy, { prediction: tf.tensor2d(LOGITS), target: tf.tensor2d(LABELS.map((l) => [l])) })).toBeCloseTo(expected, 5);
  });
  it('from probabilities: -log p at the label', () => {
    const probs = [
      [0.7, 0.2, 0.1],
      [0.25, 0.25, 0.5],
    ];
    const value = lossValue(sparseCategoricalCrossentropy, { prediction: tf.tensor2d(probs), target: tf.tensor1d([1, 2], 'int32') }, { fromLogits: false });
    expect(value).toBeCloseTo(mean([-Math.log(0.2), -Math.log(0.5)]), 5);
  });
  it('agrees with CategoricalCrossentropy on one-hot targets', () => {
    const oneHot = LABELS.map((l) => [0, 1, 2].map((c) => (c === l ? 1 : 0)));
    expect(lossValue(categoricalCrossentropy, { prediction: tf.tensor2d(LOGITS), target: tf.tensor2d(oneHot) })).toBeCloseTo(expected, 5);
  });
  it('shape check: labels per sample, with an actionable message', () => {
    checkShapesOf(sparseCategoricalCrossentropy, { prediction: [[null, 10]], target: [[null]] });
    checkShapesOf(sparseCategoricalCrossentropy, { prediction: [[null, 10]], target: [[null, 1]] });
    const err = shapeErrorOf(sparseCategoricalCrossentropy, { prediction: [[null, 10]], target: [[null, 10]] });
    expect(err.port).toBe('target');
    expect(err.message).toContain('CategoricalCrossentropy');
  });
});

const BCE_X = [
  [0.3, -2.0, 5.0, 0.0],
  [-0.7, 1.2, -30.0, 2.5],
];
const BCE_T = [
  [1, 0, 1, 0.5],
  [0, 1, 0, 1],
];

describe('BinaryCrossentropy', () => {
  const perElement = BCE_X.map((row, i) => row.map((x, j) => {
    const p = sigmoid(x);
    const t = (BCE_T[i] as number[])[j] as number;
    // -(t log p + (1 - t) log(1 - p)), with log(1 - p) = log sigmoid(-x) computed stably.
    return -(t * Math.log(p) + (1 - t) * Math.log(sigmoid(-x)));
  }));
  it("from logits, 'mean' over features then the batch mean", () => {
    const expected = mean(perElement.map(mean));
    expect(lossValue(binaryCrossentropy, { prediction: tf.tensor2d(BCE_X), target: tf.tensor2d(BCE_T) })).toBeCloseTo(expected, 4);
  });
  it("from logits, 'sum' over features then the batch mean", () => {
    const expected = mean(perElement.map(sum));
    expect(lossValue(binaryCrossentropy, { prediction: tf.tensor2d(BCE_X), target: tf.tensor2d(BCE_T) }, { reduction: 'sum' })).toBeCloseTo(expected, 4);
  });
  it('from probabilities (the features of an image: rank 4)', () => {
    const p = [0.9, 0.2, 0.6, 0.5];
    const t = [1, 0, 0, 1];
    const expected = sum(p.map((pi, i) => -((t[i] as number) * Math.log(pi) + (1 - (t[i] as number)) * Math.log(1 - pi))));
    const value = lossValue(binaryCrossentropy, { prediction: tf.tensor4d(p, [1, 2, 2, 1]), target: tf.tensor4d(t, [1, 2, 2, 1]) }, { fromLogits: false, reduction: 'sum' });
    expect(value).toBeCloseTo(expected, 4);
  });
  it('shape check asks for matching shapes', () => {
    const err = shapeErrorOf(binaryCrossentropy, { prediction: [[null, 784]], target: [[null, 28, 28, 1]] });
    expect(err.message).toMatch(/shaped like the prediction \[batch, 784\].*reshape/);
  });
});

describe('MeanSquaredError and MeanAbsoluteError', () => {
  const P = [
    [1.0, 2.0, 3.0],
    [-1.0, 0.5, 0.0],
  ];
  const T = [
    [0.5, 2.0, 1.0],
    [1.0, 0.0, -2.0],
  ];
  const sq = P.map((row, i) => row.map((p, j) => (p - ((T[i] as number[])[j] as number)) ** 2));
  const ab = P.map((row, i) => row.map((p, j) => Math.abs(p - ((T[i] as number[])[j] as number))));
  it('MSE mean and sum over features', () => {
    expect(lossValue(meanSquaredError, { prediction: tf.tensor2d(P), target: tf.tensor2d(T) })).toBeCloseTo(mean(sq.map(mean)), 5);
    expect(lossValue(meanSquaredError, { prediction: tf.tensor2d(P), target: tf.tensor2d(T) }, { reduction: 'sum' })).toBeCloseTo(mean(sq.map(sum)), 5);
  });
  it('MAE mean and sum over features', () => {
    expect(lossValue(meanAbsoluteError, { prediction: tf.tensor2d(P), target: tf.tensor2d(T) })).toBeCloseTo(mean(ab.map(mean)), 5);
    expect(lossValue(meanAbsoluteError, { prediction: tf.tensor2d(P), target: tf.tensor2d(T) }, { reduction: 'sum' })).toBeCloseTo(mean(ab.map(sum)), 5);
  });
});

describe('GaussianKL', () => {
  const MU = [
    [0.5, -1.0],
    [0.0, 2.0],
  ];
  const LOGVAR = [
    [0.0, -0.5],
    [1.0, 0.3],
  ];
  it('closed form 0.5·Σ(exp(logvar) + mu² - 1 - logvar), summed over latent dims, batch mean', () => {
    const perSample = MU.map((row, i) => sum(row.map((m, j) => {
      const lv = (LOGVAR[i] as number[])[j] as number;
      return 0.5 * (Math.exp(lv) + m * m - 1 - lv);
    })));
    expect(lossValue(gaussianKl, { mu: tf.tensor2d(MU), logvar: tf.tensor2d(LOGVAR) })).toBeCloseTo(mean(perSample), 5);
  });
  it('is zero for the prior itself', () => {
    expect(lossValue(gaussianKl, { mu: tf.zeros([3, 4]), logvar: tf.zeros([3, 4]) })).toBeCloseTo(0, 6);
  });
  it('agrees with a Monte-Carlo estimate E_q[log q(z) - log p(z)]', () => {
    // Seeded LCG + Box-Muller so the estimate is reproducible.
    let state = 12345;
    const uniform = () => {
      state = (state * 1664525 + 1013904223) % 4294967296;
      return (state + 0.5) / 4294967296;
    };
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const samples = 200_000;
    const perSample = MU.map((row, i) => {
      let acc = 0;
      for (let s = 0; s < samples; s++) {
        for (let j = 0; j < row.length; j++) {
          const m = row[j] as number;
          const lv = (LOGVAR[i] as number[])[j] as number;
          const eps = normal();
          const z = m + Math.exp(lv / 2) * eps;
          const logQ = -0.5 * (Math.log(2 * Math.PI) + lv + eps * eps);
          const logP = -0.5 * (Math.log(2 * Math.PI) + z * z);
          acc += logQ - logP;
        }
      }
      return acc / samples;
    });
    const estimate = mean(perSample);
    const value = lossValue(gaussianKl, { mu: tf.tensor2d(MU), logvar: tf.tensor2d(LOGVAR) });
    // The estimator's standard error here is about 0.005; 0.03 is ~6 standard errors.
    expect(Math.abs(value - estimate)).toBeLessThan(0.03);
  });
  it('declares its own ports and checks that logvar is shaped like mu', () => {
    expect((gaussianKl.inputs as { name: string }[]).map((p) => p.name)).toEqual(['mu', 'logvar']);
    checkShapesOf(gaussianKl, { mu: [[null, 8]], logvar: [[null, 8]] });
    const err = shapeErrorOf(gaussianKl, { mu: [[null, 8]], logvar: [[null, 4]] });
    expect(err.port).toBe('logvar');
    expect(err.message).toContain('same number of units');
  });
});

describe('SequenceCrossentropy', () => {
  // batch 2, time 3, vocab 4; token id 0 is PAD.
  const LOGITS3 = [
    [
      [1.0, 0.5, -0.5, 2.0],
      [0.0, 3.0, 1.0, -1.0],
      [0.2, 0.1, 0.0, -0.1],
    ],
    [
      [-2.0, 1.0, 0.5, 0.0],
      [1.5, -0.5, 2.5, 0.3],
      [0.0, 0.0, 0.0, 0.0],
    ],
  ];
  const TARGET = [
    [3, 1, 0],
    [2, 0, 0],
  ];
  const ce = (b: number, t: number) => -(logSoftmax((LOGITS3[b] as number[][])[t] as number[])[(TARGET[b] as number[])[t] as number] as number);
  it('PAD tokens are ignored: mean over the non-PAD tokens of the batch', () => {
    const expected = (ce(0, 0) + ce(0, 1) + ce(1, 0)) / 3;
    expect(lossValue(sequenceCrossentropy, { prediction: tf.tensor3d(LOGITS3), target: tf.tensor2d(TARGET) })).toBeCloseTo(expected, 5);
  });
  it('a wired mask decides alone (here it also ignores a real token)', () => {
    const mask = [
      [1, 0, 0],
      [1, 1, 0],
    ];
    const expected = (ce(0, 0) + ce(1, 0) + ce(1, 1)) / 3;
    expect(lossValue(sequenceCrossentropy, { prediction: tf.tensor3d(LOGITS3), target: tf.tensor2d(TARGET), mask: tf.tensor2d(mask) })).toBeCloseTo(expected, 5);
  });
  it('masked tokens do not change the loss, whatever their logits', () => {
    const base = lossValue(sequenceCrossentropy, { prediction: tf.tensor3d(LOGITS3), target: tf.tensor2d(TARGET) });
    const changed = LOGITS3.map((seq, b) => seq.map((row, t) => ((TARGET[b] as number[])[t] === 0 ? row.map((v) => v * 7 - 3) : row)));
    expect(lossValue(sequenceCrossentropy, { prediction: tf.tensor3d(changed), target: tf.tensor2d(TARGET) })).toBeCloseTo(base, 6);
  });
  it('the gradient at masked positions is zero', () => {
    const logits = tf.tensor3d(LOGITS3);
    const target = tf.tensor2d(TARGET);
    const params = paramsObjectSchema(sequenceCrossentropy.params).parse({}) as never;
    const g = tf.grad((x: tf.Tensor) => sequenceCrossentropy.compute({ prediction: x, target }, params))(logits);
    const grads = g.arraySync() as number[][][];
    TARGET.forEach((seq, b) => seq.forEach((id, t) => {
      const norm = sum(((grads[b] as number[][])[t] as number[]).map(Math.abs));
      if (id === 0) expect(norm).toBe(0);
      else expect(norm).toBeGreaterThan(0);
    }));
    tf.dispose([logits, target, g]);
  });
  it('another PAD id: only tokens equal to it are ignored', () => {
    const target = [
      [3, 1, 0],
      [3, 0, 0],
    ];
    const ceT = (b: number, t: number) => -(logSoftmax((LOGITS3[b] as number[][])[t] as number[])[(target[b] as number[])[t] as number] as number);
    const expected = (ceT(0, 1) + ceT(0, 2) + ceT(1, 1) + ceT(1, 2)) / 4;
    const value = lossValue(sequenceCrossentropy, { prediction: tf.tensor3d(LOGITS3), target: tf.tensor2d(target) }, { padId: 3 });
    expect(value).toBeCloseTo(expected, 5);
  });
  it('a batch of padding only gives 0, not NaN', () => {
    expect(lossValue(sequenceCrossentropy, { prediction: tf.tensor3d(LOGITS3), target: tf.zeros([2, 3]) })).toBe(0);
  });
  it('shape checks say what to do', () => {
    checkShapesOf(sequenceCrossentropy, { prediction: [[null, null, 50]], target: [[null, null]], mask: [] });
    checkShapesOf(sequenceCrossentropy, { prediction: [[null, 7, 50]], target: [[null, 7]], mask: [[null, 7]] });
    const rank2 = shapeErrorOf(sequenceCrossentropy, { prediction: [[null, 50]], target: [[null, 7]] });
    expect(rank2.message).toContain('returnSequences');
    const time = shapeErrorOf(sequenceCrossentropy, { prediction: [[null, 7, 50]], target: [[null, 6]] });
    expect(time.port).toBe('target');
    const mask = shapeErrorOf(sequenceCrossentropy, { prediction: [[null, 7, 50]], target: [[null, 7]], mask: [[null, 5]] });
    expect(mask.port).toBe('mask');
  });
});

describe('losses compute the same values and gradients on wasm as on cpu', () => {
  const require = createRequire(import.meta.url);
  // In Node the wasm backend loads its .wasm from a folder path (with a trailing separator).
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

  /** Plain arrays per port; `differentiate` lists the float ports the gradient is taken for. */
  const CASES: { decl: LossDecl; inputs: Record<string, { values: number[]; shape: number[] }>; differentiate: string[]; params?: Record<string, unknown> }[] = [
    { decl: sparseCategoricalCrossentropy, inputs: { prediction: { values: LOGITS.flat(), shape: [3, 3] }, target: { values: LABELS, shape: [3] } }, differentiate: ['prediction'] },
    { decl: binaryCrossentropy, inputs: { prediction: { values: BCE_X.flat(), shape: [2, 4] }, target: { values: BCE_T.flat(), shape: [2, 4] } }, differentiate: ['prediction'], params: { reduction: 'sum' } },
    { decl: binaryCrossentropy, inputs: { prediction: { values: [0.2, 0.7, 0.9, 0.4], shape: [2, 2] }, target: { values: [0, 1, 1, 0], shape: [2, 2] } }, differentiate: ['prediction'], params: { fromLogits: false } },
    { decl: meanSquaredError, inputs: { prediction: { values: [1, 2, 3, 4], shape: [2, 2] }, target: { values: [0, 2, 5, 1], shape: [2, 2] } }, differentiate: ['prediction'] },
    { decl: meanAbsoluteError, inputs: { prediction: { values: [1, 2, 3, 4], shape: [2, 2] }, target: { values: [0, 2.5, 5, 1], shape: [2, 2] } }, differentiate: ['prediction'] },
    { decl: gaussianKl, inputs: { mu: { values: [0.5, -1, 0, 2], shape: [2, 2] }, logvar: { values: [0, -0.5, 1, 0.3], shape: [2, 2] } }, differentiate: ['mu', 'logvar'] },
    {
      decl: sequenceCrossentropy,
      inputs: { prediction: { values: Array.from({ length: 24 }, (_, i) => Math.sin(i)), shape: [2, 3, 4] }, target: { values: [3, 1, 0, 2, 0, 0], shape: [2, 3] } },
      differentiate: ['prediction'],
    },
  ];

  function run(backend: string): { value: number; grads: number[][] }[] {
    return CASES.map(({ decl, inputs, differentiate, params }) => {
      const parsed = paramsObjectSchema(decl.params).parse(params ?? {}) as never;
      const tensors = Object.fromEntries(Object.entries(inputs).map(([port, v]) => [port, tf.tensor(v.values, v.shape)]));
      const f = (...xs: tf.Tensor[]) => {
        const wired = { ...tensors };
        differentiate.forEach((port, i) => (wired[port] = xs[i] as tf.Tensor));
        return decl.compute(wired, parsed);
      };
      const { value, grads } = tf.valueAndGrads(f)(differentiate.map((port) => tensors[port] as tf.Tensor));
      const out = { value: value.dataSync()[0] as number, grads: grads.map((g) => Array.from(g.dataSync())) };
      expect(tf.getBackend()).toBe(backend);
      tf.dispose([value, ...grads, ...Object.values(tensors)]);
      return out;
    });
  }

  it('every case agrees', async () => {
    await tf.setBackend('cpu');
    const onCpu = run('cpu');
    expect(await tf.setBackend('wasm')).toBe(true);
    try {
      const onWasm = run('wasm');
      onCpu.forEach((c, i) => {
        const w = onWasm[i] as { value: number; grads: number[][] };
        expect(w.value, CASES[i]?.decl.type).toBeCloseTo(c.value, 5);
        c.grads.forEach((g, j) => g.forEach((v, k) => expect((w.grads[j] as number[])[k], `${CASES[i]?.decl.type} grad ${j}[${k}]`).toBeCloseTo(v, 5)));
      });
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
