/**
 * The attention layers: shapes and parameter counts against tfjs (shared harness), save/load round
 * trips, numeric oracles in plain JS loops, gradients against central finite differences, and
 * tensor disposal.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { attention, AttentionLayer, ATTENTION_SCORES, type AttentionScore } from '../../../core/catalogue/layers/attention/attention';
import {
  multiHeadAttention,
  MultiHeadAttentionLayer,
} from '../../../core/catalogue/layers/attention/multi-head-attention';
import { positionalEncoding, PositionalEncodingLayer } from '../../../core/catalogue/layers/attention/positional-encoding';
import { positionEmbedding, PositionEmbeddingLayer } from '../../../core/catalogue/layers/attention/position-embedding';
import { transformerEncoderBlock } from '../../../core/catalogue/layers/attention/transformer-encoder-block';
import { attentionLayers } from '../../../core/catalogue/layers/attention';
import { dense } from '../../../core/catalogue/layers/core/dense';
import type { LayerDecl, NodeDecl } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, smallDim, type InputSpec, type LayerCase } from './layer-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---------------------------------------------------------------------------------------------
// Plain JS references (no tfjs): arrays indexed [batch][time][feature].

type Mat = number[][];
type Seq = number[][][];

function randomSeq(rng: () => number, b: number, t: number, d: number): Seq {
  return Array.from({ length: b }, () => Array.from({ length: t }, () => Array.from({ length: d }, () => rng() * 2 - 1)));
}

/** A small deterministic generator, so the fixed inputs are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function matVec(w: Mat, x: number[]): number[] {
  // x [dIn] · w [dIn][dOut]
  const out = new Array<number>(w[0]?.length ?? 0).fill(0);
  x.forEach((xi, i) => (w[i] ?? []).forEach((wij, j) => (out[j] = (out[j] ?? 0) + xi * wij)));
  return out;
}
const dotProduct = (a: number[], b: number[]) => a.reduce((s, ai, i) => s + ai * (b[i] ?? 0), 0);

function softmaxRow(scores: number[], allowed: boolean[]): number[] {
  const max = Math.max(...scores.filter((_, j) => allowed[j]));
  const e = scores.map((s, j) => (allowed[j] ? Math.exp(s - max) : 0));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

interface RefAttentionWeights {
  general?: Mat; // [dq][dv]
  w1?: Mat; // [dv][units]
  w2?: Mat; // [dq][units]
  v?: number[]; // [units]
}

function refAttention(
  q: Seq,
  h: Seq,
  score: AttentionScore,
  w: RefAttentionWeights,
  causal: boolean,
  mask?: number[][],
): { context: Seq; weights: Seq } {
  const context: Seq = [];
  const weights: Seq = [];
  q.forEach((qb, b) => {
    const hb = h[b] as Mat;
    const cb: Mat = [];
    const wb: Mat = [];
    qb.forEach((qi, i) => {
      const scores = hb.map((hj) => {
        switch (score) {
          case 'dot':
            return dotProduct(qi, hj);
          case 'scaledDot':
            return dotProduct(qi, hj) / Math.sqrt(qi.length);
          case 'general':
            return dotProduct(matVec(w.general as Mat, qi), hj);
          case 'additive': {
            const a = matVec(w.w1 as Mat, hj);
            const c = matVec(w.w2 as Mat, qi);
            return dotProduct(w.v as number[], a.map((x, k) => Math.tanh(x + (c[k] ?? 0))));
          }
        }
      });
      const allowed = hb.map((_, j) => (!causal || j <= i) && (!mask || (mask[b]?.[j] ?? 0) > 0.5));
      const row = softmaxRow(scores, allowed);
      wb.push(row);
      const dv = hb[0]?.length ?? 0;
      cb.push(Array.from({ length: dv }, (_, k) => row.reduce((s, a, j) => s + a * (hb[j]?.[k] ?? 0), 0)));
    });
    context.push(cb);
    weights.push(wb);
  });
  return { context, weights };
}

interface RefMhaWeights {
  wq: number[][][]; // [dq][heads][keyDim]
  bq: Mat; // [heads][keyDim]
  wk: number[][][];
  bk: Mat;
  wv: number[][][]; // [dv][heads][valueDim]
  bv: Mat;
  wo: number[][][]; // [heads][valueDim][out]
  bo: number[];
}

/** Multi-head attention, Keras' formulas, one loop per index. out [B][Tq][o], weights [B][H][Tq][Tv]. */
function refMha(query: Seq, value: Seq, key: Seq, w: RefMhaWeights, causal: boolean, mask?: number[][]): { out: Seq; weights: number[][][][] } {
  const heads = w.bq.length;
  const keyDim = w.bq[0]?.length ?? 0;
  const valueDim = w.bv[0]?.length ?? 0;
  const outDim = w.bo.length;
  const proj = (x: number[], kernel: number[][][], bias: Mat, h: number, dim: number) =>
    Array.from({ length: dim }, (_, k) => x.reduce((s, xi, i) => s + xi * (kernel[i]?.[h]?.[k] ?? 0), 0) + (bias[h]?.[k] ?? 0));
  const out: Seq = [];
  const weights: number[][][][] = [];
  query.forEach((qb, b) => {
    const vb = value[b] as Mat;
    const kb = key[b] as Mat;
    const wb: number[][][] = [];
    const headOutputs: number[][][] = []; // [h][i][valueDim]
    for (let h = 0; h < heads; h++) {
      const qs = qb.map((x) => proj(x, w.wq, w.bq, h, keyDim));
      const ks = kb.map((x) => proj(x, w.wk, w.bk, h, keyDim));
      const vs = vb.map((x) => proj(x, w.wv, w.bv, h, valueDim));
      const rows = qs.map((qi, i) =>
        softmaxRow(
          ks.map((kj) => dotProduct(qi, kj) / Math.sqrt(keyDim)),
          ks.map((_, j) => (!causal || j <= i) && (!mask || (mask[b]?.[j] ?? 0) > 0.5)),
        ),
      );
      wb.push(rows);
      headOutputs.push(rows.map((row) => Array.from({ length: valueDim }, (_, k) => row.reduce((s, a, j) => s + a * (vs[j]?.[k] ?? 0), 0))));
    }
    weights.push(wb);
    out.push(
      qb.map((_, i) =>
        Array.from({ length: outDim }, (_, o) => {
          let s = w.bo[o] ?? 0;
          for (let h = 0; h < heads; h++) for (let k = 0; k < valueDim; k++) s += (headOutputs[h]?.[i]?.[k] ?? 0) * (w.wo[h]?.[k]?.[o] ?? 0);
          return s;
        }),
      ),
    );
  });
  return { out, weights };
}

function expectClose(actual: tf.Tensor, expected: unknown, tolerance = 1e-5): void {
  const a = Array.from(actual.dataSync());
  const e = (expected as number[]).flat(4) as number[];
  expect(actual.size).toBe(e.length);
  a.forEach((x, i) => {
    expect(Math.abs(x - (e[i] ?? NaN)), `element ${i}: ${x} vs ${e[i]}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e[i] ?? 0)));
  });
}

const toTensor = (x: unknown, shape: number[]) => tf.tensor((x as number[]).flat(4) as number[], shape);
const shapeOf3 = (x: Seq) => [x.length, x[0]?.length ?? 0, x[0]?.[0]?.length ?? 0];

// ---------------------------------------------------------------------------------------------
// Random valid configurations for the shared harness.

const time = fc.oneof(smallDim(5), fc.constant(null));

const attentionCases: fc.Arbitrary<LayerCase> = fc
  .record({
    score: fc.constantFrom(...ATTENTION_SCORES),
    units: smallDim(5),
    causal: fc.boolean(),
    tq: time,
    tv: time,
    dq: smallDim(5),
    dv: smallDim(5),
    withMask: fc.boolean(),
  })
  .map(({ score, units, causal, tq, tv, dq, dv, withMask }) => {
    const dValues = score === 'dot' || score === 'scaledDot' ? dq : dv;
    const inputs: Record<string, InputSpec[]> = {
      query: [{ shape: [tq, dq] }],
      values: [{ shape: [tv, dValues] }],
    };
    if (withMask) inputs['mask'] = [{ shape: [tv] }];
    return { params: { score, units, causal }, inputs };
  });

const mhaCases: fc.Arbitrary<LayerCase> = fc
  .record({
    numHeads: smallDim(3),
    keyDim: smallDim(4),
    valueDim: fc.integer({ min: 0, max: 4 }),
    outputDim: fc.integer({ min: 0, max: 4 }),
    useBias: fc.boolean(),
    causal: fc.boolean(),
    dropout: fc.constantFrom(0, 0.25),
    tq: time,
    tv: time,
    dq: smallDim(5),
    dv: smallDim(5),
    dk: fc.option(smallDim(5), { nil: undefined }),
    withMask: fc.boolean(),
  })
  .map(({ tq, tv, dq, dv, dk, withMask, ...params }) => {
    const inputs: Record<string, InputSpec[]> = { query: [{ shape: [tq, dq] }], value: [{ shape: [tv, dv] }] };
    if (dk !== undefined) inputs['key'] = [{ shape: [tv, dk] }];
    if (withMask) inputs['mask'] = [{ shape: [tv] }];
    return { params, inputs };
  });

const positionalEncodingCases: fc.Arbitrary<LayerCase> = fc
  .record({ t: time, d: smallDim(6), base: fc.constantFrom(10_000, 100, 2.5) })
  .map(({ t, d, base }) => ({ params: { base }, inputs: { in: [{ shape: [t, d] }] } }));

const positionEmbeddingCases: fc.Arbitrary<LayerCase> = fc
  .record({ t: time, d: smallDim(6), extra: fc.integer({ min: 0, max: 4 }) })
  // A symbolic length runs with 5 steps in the harness, so the table must have at least 5 rows.
  .map(({ t, d, extra }) => ({ params: { maxLength: (t ?? 5) + extra }, inputs: { in: [{ shape: [t, d] }] } }));

const transformerCases: fc.Arbitrary<LayerCase> = fc
  .record({
    numHeads: smallDim(3),
    keyDim: smallDim(4),
    ffDim: smallDim(6),
    activation: fc.constantFrom('relu', 'gelu'),
    normPlacement: fc.constantFrom('post', 'pre'),
    dropout: fc.constantFrom(0, 0.1),
    causal: fc.boolean(),
    epsilon: fc.constantFrom(1e-6, 1e-3),
    t: time,
    d: smallDim(5),
    withMask: fc.boolean(),
  })
  .map(({ t, d, withMask, ...params }) => {
    const inputs: Record<string, InputSpec[]> = { in: [{ shape: [t, d] }] };
    if (withMask) inputs['mask'] = [{ shape: [t] }];
    return { params, inputs };
  });

describe('attention layers agree with tfjs (shapes and parameter counts)', () => {
  it('registers every type once', () => {
    expect(attentionLayers.map((d) => d.type)).toEqual([
      'Attention',
      'MultiHeadAttention',
      'PositionalEncoding',
      'PositionEmbedding',
      'TransformerEncoderBlock',
    ]);
    for (const d of attentionLayers) expect(d.category).toBe('Attention');
  });
  it('Attention', () => checkLayerProperty(attention, attentionCases));
  it('MultiHeadAttention', () => checkLayerProperty(multiHeadAttention, mhaCases));
  it('PositionalEncoding', () => checkLayerProperty(positionalEncoding, positionalEncodingCases));
  it('PositionEmbedding', () => checkLayerProperty(positionEmbedding, positionEmbeddingCases));
  it('TransformerEncoderBlock', () => checkLayerProperty(transformerEncoderBlock, transformerCases));
});

describe('attention layers survive a save and load in the tfjs layers format', () => {
  for (const score of ATTENTION_SCORES) {
    it(`Attention '${score}' (causal, with mask)`, async () => {
      await checkSerializationRoundTrip(attention, {
        params: { score, units: 3, causal: true },
        inputs: { query: [{ shape: [3, 4] }], values: [{ shape: [5, score === 'dot' || score === 'scaledDot' ? 4 : 2] }], mask: [{ shape: [5] }] },
      });
    });
  }
  it('MultiHeadAttention (separate key, mask, causal)', async () => {
    await checkSerializationRoundTrip(multiHeadAttention, {
      params: { numHeads: 2, keyDim: 3, valueDim: 2, outputDim: 5, causal: true, dropout: 0.2 },
      inputs: { query: [{ shape: [3, 4] }], value: [{ shape: [4, 2] }], key: [{ shape: [4, 3] }], mask: [{ shape: [4] }] },
    });
  });
  it('PositionalEncoding', async () => {
    await checkSerializationRoundTrip(positionalEncoding, { params: { base: 100 }, inputs: { in: [{ shape: [null, 6] }] } });
  });
  it('PositionEmbedding', async () => {
    await checkSerializationRoundTrip(positionEmbedding, { params: { maxLength: 7 }, inputs: { in: [{ shape: [5, 3] }] } });
  });
  for (const normPlacement of ['post', 'pre']) {
    it(`TransformerEncoderBlock (${normPlacement}-LN)`, async () => {
      await checkSerializationRoundTrip(transformerEncoderBlock, {
        params: { numHeads: 2, keyDim: 3, ffDim: 8, activation: 'gelu', normPlacement, dropout: 0.1, causal: true },
        inputs: { in: [{ shape: [4, 6] }], mask: [{ shape: [4] }] },
      });
    });
  }
});

describe('one tensor wired to several ports (self-attention)', () => {
  /**
   * tfjs' predict frees a tensor after its recipients ran, but miscounts a tensor passed twice to a
   * multi-output layer; the layers take each distinct tensor once. Here an intermediate tensor (a
   * Dense output, which predict does free) is query and value, and both outputs are fetched.
   */
  async function checkSelfAttention(decl: LayerDecl | NodeDecl, params: Record<string, unknown>, ports: string[], outputs: string[]) {
    if (decl.kind === 'loss') throw new Error('not a layer');
    const before = tf.memory().numTensors;
    const input = tfl.input({ shape: [4, 3] });
    const hidden = tfl.layers.dense({ units: 3 }).apply(input) as tfl.SymbolicTensor;
    const built = decl.build({
      params: paramsObjectSchema(decl.params).parse(params),
      name: `self_${decl.type}`,
      inputs: Object.fromEntries(ports.map((p) => [p, [hidden]])),
    });
    const model = tfl.model({ inputs: input, outputs: outputs.map((o) => built[o] as tfl.SymbolicTensor) });
    const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 9);
    const first = model.predict(x) as tf.Tensor[];
    // The same model run through its layers one call at a time (no predict bookkeeping).
    const direct = tf.tidy(() => model.apply(x) as tf.Tensor[]);
    first.forEach((t, i) => expectClose(t, Array.from((direct[i] as tf.Tensor).dataSync())));
    // Save and load keep the wiring.
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    if (!saved) throw new Error('no artifacts');
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: JSON.parse(JSON.stringify(saved.modelTopology)) as object, weightSpecs: saved.weightSpecs, weightData: saved.weightData }),
    );
    const again = loaded.predict(x) as tf.Tensor[];
    again.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from((first[i] as tf.Tensor).dataSync())));
    tf.dispose([x, ...first, ...direct, ...again]);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }
  it('Attention: query = values', async () => {
    await checkSelfAttention(attention, { score: 'scaledDot', causal: true }, ['query', 'values'], ['context', 'weights']);
  });
  it('MultiHeadAttention: query = value = key', async () => {
    await checkSelfAttention(multiHeadAttention, { numHeads: 2, keyDim: 2, causal: true }, ['query', 'value', 'key'], ['out', 'weights']);
  });
  it('MultiHeadAttention: query = value, no key', async () => {
    await checkSelfAttention(multiHeadAttention, { numHeads: 2, keyDim: 2 }, ['query', 'value'], ['out', 'weights']);
  });
});

// ---------------------------------------------------------------------------------------------

function countOf(decl: NodeDecl, params: Record<string, unknown>, inputs: Record<string, Shape[]>): number {
  if (decl.kind === 'loss') throw new Error('not a layer');
  const c = decl.countParams({ params: paramsObjectSchema(decl.params).parse(params), inputs });
  return c.trainable + c.nonTrainable;
}

function inferOf(decl: LayerDecl | NodeDecl, params: Record<string, unknown>, inputs: Record<string, Shape[]>) {
  if (decl.kind === 'loss') throw new Error('not a layer');
  return decl.inferShapes({ params: paramsObjectSchema(decl.params).parse(params), inputs });
}

describe('parameter counts', () => {
  it('Attention: dot and scaledDot have none, general dq*dv, additive units*(dq+dv+1)', () => {
    const inputs = { query: [[null, 7, 4]], values: [[null, 9, 4]] };
    const general = { query: [[null, 7, 4]], values: [[null, 9, 6]] };
    expect(countOf(attention, { score: 'dot' }, inputs)).toBe(0);
    expect(countOf(attention, { score: 'scaledDot' }, inputs)).toBe(0);
    expect(countOf(attention, { score: 'general' }, general)).toBe(4 * 6);
    expect(countOf(attention, { score: 'additive', units: 10 }, general)).toBe(10 * (4 + 6 + 1));
  });

  it('MultiHeadAttention matches the Keras formula (a hand-computed case)', () => {
    // keras.layers.MultiHeadAttention(num_heads=8, key_dim=64) on query/value of size 512 reports
    // 3 * (512*8*64 + 8*64) + 8*64*512 + 512 = 1,050,624 parameters.
    const inputs = { query: [[null, 10, 512]], value: [[null, 12, 512]] };
    expect(countOf(multiHeadAttention, { numHeads: 8, keyDim: 64 }, inputs)).toBe(1_050_624);
    expect(countOf(multiHeadAttention, { numHeads: 8, keyDim: 64, useBias: false }, inputs)).toBe(3 * 512 * 8 * 64 + 8 * 64 * 512);
    // Different query/key/value sizes, value size and output size.
    const mixed = { query: [[null, 3, 5]], value: [[null, 4, 7]], key: [[null, 4, 6]] };
    const expected = 5 * 2 * 3 + 2 * 3 + (6 * 2 * 3 + 2 * 3) + (7 * 2 * 4 + 2 * 4) + 2 * 4 * 9 + 9;
    expect(countOf(multiHeadAttention, { numHeads: 2, keyDim: 3, valueDim: 4, outputDim: 9 }, mixed)).toBe(expected);
  });

  it('TransformerEncoderBlock = MultiHeadAttention + 2 LayerNorm + 2 Dense', async () => {
    // LayerNorm comes from the normalization catalogue when it exists; otherwise Keras' formula:
    // gamma and beta, one each per feature (2 * d).
    const registry = await import('../../../core/catalogue/registry').catch(() => undefined);
    const layerNorm = registry?.getDecl('LayerNormalization');
    for (const [d, numHeads, keyDim, ffDim] of [
      [6, 2, 3, 8],
      [512, 8, 64, 2048],
      [1, 1, 1, 1],
    ] as const) {
      const seq: Shape[] = [[null, 10, d]];
      const mha = countOf(multiHeadAttention, { numHeads, keyDim }, { query: seq, value: seq });
      const norm = layerNorm ? countOf(layerNorm, {}, { in: seq }) : 2 * d;
      const ff1 = countOf(dense, { units: ffDim }, { in: seq });
      const ff2 = countOf(dense, { units: d }, { in: [[null, 10, ffDim]] });
      for (const normPlacement of ['post', 'pre']) {
        const block = countOf(transformerEncoderBlock, { numHeads, keyDim, ffDim, normPlacement }, { in: seq });
        expect(block).toBe(mha + 2 * norm + ff1 + ff2);
      }
    }
  });

  it('PositionEmbedding owns maxLength x d weights', () => {
    expect(countOf(positionEmbedding, { maxLength: 50 }, { in: [[null, 20, 16]] })).toBe(800);
    expect(countOf(positionalEncoding, {}, { in: [[null, 20, 16]] })).toBe(0);
  });
});

function flopsOf(decl: LayerDecl, params: Record<string, unknown>, inputs: Record<string, Shape[]>): number {
  const parsed = paramsObjectSchema(decl.params).parse(params);
  const outputs = decl.inferShapes({ params: parsed, inputs });
  if (!decl.flops) throw new Error(`${decl.type} declares no FLOPs`);
  return decl.flops({ params: parsed, inputs, outputs });
}

describe('FLOPs per sample (multiply-add = 2)', () => {
  it('Attention: scores plus the weighted sum, per score type', () => {
    const [tq, tv, dq, dv, u] = [5, 7, 4, 6, 3];
    const same = { query: [[null, tq, dq]], values: [[null, tv, dq]] };
    const other = { query: [[null, tq, dq]], values: [[null, tv, dv]] };
    expect(flopsOf(attention, { score: 'dot' }, same)).toBe(2 * tq * tv * dq + 2 * tq * tv * dq);
    expect(flopsOf(attention, { score: 'general' }, other)).toBe(2 * tq * dq * dv + 2 * tq * tv * dv + 2 * tq * tv * dv);
    expect(flopsOf(attention, { score: 'additive', units: u }, other)).toBe(
      2 * tv * dv * u + 2 * tq * dq * u + 2 * tq * tv * u + 2 * tq * tv * dv,
    );
  });
  it('MultiHeadAttention: four projections, scores and weighted sums per head', () => {
    const [tq, tv, d, h, k] = [3, 4, 8, 2, 5];
    const expected = 2 * (tq * d * h * k) + 2 * (tv * d * h * k) * 2 + 2 * h * tq * tv * k * 2 + 2 * tq * h * k * d;
    expect(flopsOf(multiHeadAttention, { numHeads: h, keyDim: k }, { query: [[null, tq, d]], value: [[null, tv, d]] })).toBe(expected);
  });
});

describe('shape errors say what to do', () => {
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ShapeError);
      return (e as Error).message;
    }
    throw new Error('expected a ShapeError');
  };
  it('Attention dot with different sizes', () => {
    expect(message(() => inferOf(attention, { score: 'dot' }, { query: [[null, 5, 32]], values: [[null, 7, 64]] }))).toBe(
      "Attention 'dot' needs query and values with the same last dimension but got 32 and 64; use 'general' or 'additive', or project with a Dense",
    );
    expect(inferOf(attention, { score: 'general' }, { query: [[null, 5, 32]], values: [[null, 7, 64]] })).toEqual({
      context: [null, 5, 64],
      weights: [null, 5, 7],
    });
  });
  it('a vector instead of a sequence', () => {
    expect(message(() => inferOf(attention, {}, { query: [[null, 32]], values: [[null, 7, 32]] }))).toMatch(/no time axis; feed a sequence/);
    expect(message(() => inferOf(multiHeadAttention, {}, { query: [[null, 4, 8]], value: [[null, 8]] }))).toMatch(/"value"/);
  });
  it('key and value of different lengths', () => {
    expect(
      message(() => inferOf(multiHeadAttention, {}, { query: [[null, 4, 8]], value: [[null, 6, 8]], key: [[null, 5, 8]] })),
    ).toMatch(/same number of time steps but got 6 and 5/);
  });
  it('a mask of the wrong length', () => {
    expect(message(() => inferOf(attention, {}, { query: [[null, 4, 8]], values: [[null, 6, 8]], mask: [[null, 5]] }))).toMatch(
      /one entry per source position/,
    );
  });
  it('a sequence longer than the position table', () => {
    expect(message(() => inferOf(positionEmbedding, { maxLength: 10 }, { in: [[null, 12, 4]] }))).toMatch(/increase max length to at least 12/);
  });
  it('unconnected inputs', () => {
    expect(message(() => inferOf(attention, {}, { query: [[null, 4, 8]] }))).toMatch(/"values" is not connected/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('numeric oracles', () => {
  const rng = lcg(7);
  const B = 2;
  const TQ = 3;
  const TV = 4;
  const DQ = 3;
  const DV = 2;
  const UNITS = 3;
  const query = randomSeq(rng, B, TQ, DQ);
  const valuesSameSize = randomSeq(rng, B, TV, DQ);
  const valuesOther = randomSeq(rng, B, TV, DV);
  const known: RefAttentionWeights = {
    general: Array.from({ length: DQ }, () => Array.from({ length: DV }, () => rng() * 2 - 1)),
    w1: Array.from({ length: DV }, () => Array.from({ length: UNITS }, () => rng() * 2 - 1)),
    w2: Array.from({ length: DQ }, () => Array.from({ length: UNITS }, () => rng() * 2 - 1)),
    v: Array.from({ length: UNITS }, () => rng() * 2 - 1),
  };
  const mask = [
    [1, 1, 0, 1],
    [1, 0, 0, 0],
  ];

  function runAttention(score: AttentionScore, causal: boolean, withMask: boolean) {
    const values = score === 'dot' || score === 'scaledDot' ? valuesSameSize : valuesOther;
    const layer = new AttentionLayer({ score, units: UNITS, causal, inputSlots: [0, 1, withMask ? 2 : -1] });
    const q = toTensor(query, shapeOf3(query));
    const h = toTensor(values, shapeOf3(values));
    const m = tf.tensor2d(mask.flat(), [B, TV]);
    const inputs = withMask ? [q, h, m] : [q, h];
    tf.dispose(layer.apply(inputs) as tf.Tensor[]); // builds the weights
    if (score === 'general') layer.setWeights([toTensor(known.general, [DQ, DV])]);
    if (score === 'additive') {
      layer.setWeights([toTensor(known.w1, [DV, UNITS]), toTensor(known.w2, [DQ, UNITS]), tf.tensor1d(known.v as number[])]);
    }
    const [context, weights] = layer.apply(inputs) as tf.Tensor[];
    const expected = refAttention(query, values, score, known, causal, withMask ? mask : undefined);
    return { context: context as tf.Tensor, weights: weights as tf.Tensor, expected, dispose: () => tf.dispose([q, h, m, context as tf.Tensor, weights as tf.Tensor]), layer };
  }

  for (const score of ATTENTION_SCORES) {
    for (const causal of [false, true]) {
      it(`Attention '${score}'${causal ? ' causal' : ''} equals the formula in plain JS`, () => {
        const r = runAttention(score, causal, false);
        expectClose(r.weights, r.expected.weights);
        expectClose(r.context, r.expected.context);
        // Rows sum to 1.
        const sums = tf.sum(r.weights, -1);
        sums.dataSync().forEach((s) => expect(s).toBeCloseTo(1, 5));
        sums.dispose();
        if (causal) {
          const w = r.weights.arraySync() as number[][][];
          w.forEach((rows) => rows.forEach((row, i) => row.forEach((x, j) => j > i && expect(x).toBe(0))));
        }
        r.dispose();
        r.layer.dispose();
      });
    }
  }

  it.each([false, true])('Attention with a padding mask gives padded positions exactly zero weight (causal: %s)', (causal) => {
    const r = runAttention('additive', causal, true);
    expectClose(r.weights, r.expected.weights);
    expectClose(r.context, r.expected.context);
    const w = r.weights.arraySync() as number[][][];
    w.forEach((rows, b) => rows.forEach((row) => row.forEach((x, j) => (mask[b]?.[j] ?? 0) === 0 && expect(x).toBe(0))));
    r.dispose();
    r.layer.dispose();
  });

  function randomMhaWeights(dq: number, dk: number, dv: number, heads: number, keyDim: number, valueDim: number, out: number, seed: number): RefMhaWeights {
    const r = lcg(seed);
    const t3 = (a: number, b: number, c: number) =>
      Array.from({ length: a }, () => Array.from({ length: b }, () => Array.from({ length: c }, () => r() - 0.5)));
    const t2 = (a: number, b: number) => Array.from({ length: a }, () => Array.from({ length: b }, () => r() - 0.5));
    return {
      wq: t3(dq, heads, keyDim),
      bq: t2(heads, keyDim),
      wk: t3(dk, heads, keyDim),
      bk: t2(heads, keyDim),
      wv: t3(dv, heads, valueDim),
      bv: t2(heads, valueDim),
      wo: t3(heads, valueDim, out),
      bo: Array.from({ length: out }, () => r() - 0.5),
    };
  }
  function mhaWeightTensors(w: RefMhaWeights): tf.Tensor[] {
    const s3 = (x: number[][][]) => [x.length, x[0]?.length ?? 0, x[0]?.[0]?.length ?? 0];
    const s2 = (x: Mat) => [x.length, x[0]?.length ?? 0];
    return [
      toTensor(w.wq, s3(w.wq)),
      toTensor(w.bq, s2(w.bq)),
      toTensor(w.wk, s3(w.wk)),
      toTensor(w.bk, s2(w.bk)),
      toTensor(w.wv, s3(w.wv)),
      toTensor(w.bv, s2(w.bv)),
      toTensor(w.wo, s3(w.wo)),
      tf.tensor1d(w.bo),
    ];
  }

  it('MultiHeadAttention with 1 head and identity weights is softmax(q k^T / sqrt(d)) v', () => {
    const d = 3;
    const q = randomSeq(rng, B, TQ, d);
    const v = randomSeq(rng, B, TV, d);
    const layer = new MultiHeadAttentionLayer({
      numHeads: 1, keyDim: d, valueDim: d, outputDim: 0, useBias: true, causal: false, dropout: 0, 
    });
    const qt = toTensor(q, [B, TQ, d]);
    const vt = toTensor(v, [B, TV, d]);
    tf.dispose(layer.apply([qt, vt]) as tf.Tensor[]);
    const eye = tf.reshape(tf.eye(d), [d, 1, d]);
    const zeros = tf.zeros([1, d]);
    layer.setWeights([eye, zeros, eye, zeros, eye, zeros, tf.reshape(tf.eye(d), [1, d, d]), tf.zeros([d])]);
    const [out, weights] = layer.apply([qt, vt]) as tf.Tensor[];
    // Plain loops, written independently of refMha: scaled dot-product attention with no projection.
    const expectedOut: Seq = q.map((qb, b) =>
      qb.map((qi) => {
        const vb = v[b] as Mat;
        const row = softmaxRow(vb.map((vj) => dotProduct(qi, vj) / Math.sqrt(d)), vb.map(() => true));
        return Array.from({ length: d }, (_, k) => row.reduce((s, a, j) => s + a * (vb[j]?.[k] ?? 0), 0));
      }),
    );
    expectClose(out as tf.Tensor, expectedOut);
    expect((weights as tf.Tensor).shape).toEqual([B, 1, TQ, TV]);
    tf.dispose([qt, vt, eye, zeros, out as tf.Tensor, weights as tf.Tensor]);
    layer.dispose();
  });

  for (const [causal, withMask] of [[false, false], [true, false], [true, true]] as const) {
    it(`MultiHeadAttention with 2 heads, a separate key and random weights equals the formula${causal ? ' (causal)' : ''}${withMask ? ' (masked)' : ''}`, () => {
      const [dq, dk, dv, heads, keyDim, valueDim, outDim] = [3, 2, 4, 2, 3, 2, 5];
      const q = randomSeq(rng, B, TQ, dq);
      const val = randomSeq(rng, B, TV, dv);
      const key = randomSeq(rng, B, TV, dk);
      const w = randomMhaWeights(dq, dk, dv, heads, keyDim, valueDim, outDim, 11);
      const layer = new MultiHeadAttentionLayer({ numHeads: heads, keyDim, valueDim, outputDim: outDim, useBias: true, causal, dropout: 0, inputSlots: [0, 1, 2, withMask ? 3 : -1] });
      const inputs = [toTensor(q, [B, TQ, dq]), toTensor(val, [B, TV, dv]), toTensor(key, [B, TV, dk])];
      if (withMask) inputs.push(tf.tensor2d(mask.flat(), [B, TV]));
      tf.dispose(layer.apply(inputs) as tf.Tensor[]);
      const weightTensors = mhaWeightTensors(w);
      layer.setWeights(weightTensors);
      const [out, weights] = layer.apply(inputs) as tf.Tensor[];
      const expected = refMha(q, val, key, w, causal, withMask ? mask : undefined);
      expectClose(out as tf.Tensor, expected.out);
      expectClose(weights as tf.Tensor, expected.weights);
      tf.dispose([...inputs, ...weightTensors, out as tf.Tensor, weights as tf.Tensor]);
      layer.dispose();
    });
  }

  it('MultiHeadAttention dropout acts in training only and leaves the weights output alone', () => {
    const layer = new MultiHeadAttentionLayer({ numHeads: 2, keyDim: 2, valueDim: 2, outputDim: 0, useBias: true, causal: false, dropout: 0.5 });
    const x = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 3);
    const [outA, wA] = layer.apply([x, x]) as tf.Tensor[];
    const [outB, wB] = layer.apply([x, x]) as tf.Tensor[];
    const [outT, wT] = layer.apply([x, x], { training: true }) as tf.Tensor[];
    expect(Array.from((outB as tf.Tensor).dataSync())).toEqual(Array.from((outA as tf.Tensor).dataSync()));
    expect(Array.from((wT as tf.Tensor).dataSync())).toEqual(Array.from((wA as tf.Tensor).dataSync()));
    expect(Array.from((outT as tf.Tensor).dataSync())).not.toEqual(Array.from((outA as tf.Tensor).dataSync()));
    tf.dispose([x, outA, wA, outB, wB, outT, wT] as tf.Tensor[]);
    layer.dispose();
  });

  it('PositionalEncoding adds sin/cos of t / 10000^(2i/d) (Vaswani et al.)', () => {
    const [T, d] = [7, 6];
    const layer = new PositionalEncodingLayer({ base: 10_000 });
    const x = randomSeq(rng, 1, T, d);
    const xt = toTensor(x, [1, T, d]);
    const out = layer.apply(xt) as tf.Tensor;
    // Written with exp/log, independently of the layer's pow form.
    const expected = x.map((xb) =>
      xb.map((row, t) =>
        row.map((xv, k) => {
          const i = Math.floor(k / 2);
          const angle = t * Math.exp((-2 * i * Math.log(10_000)) / d);
          return xv + (k % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
        }),
      ),
    );
    expectClose(out, expected);
    // Position 0 encodes to (0, 1, 0, 1, ...); position 1, dimension 0 is sin(1).
    const zeros = tf.zeros([1, 2, 4]);
    const pe = (layer.apply(zeros) as tf.Tensor).arraySync() as number[][][];
    expect(pe[0]?.[0]).toEqual([0, 1, 0, 1]);
    expect(pe[0]?.[1]?.[0]).toBeCloseTo(Math.sin(1), 6);
    expect(pe[0]?.[1]?.[3]).toBeCloseTo(Math.cos(1 / 100), 6); // i = 1, d = 4: 1 / 10000^(2/4)
    tf.dispose([xt, out, zeros]);
  });

  it('PositionEmbedding adds the first T rows of its table', () => {
    const layer = new PositionEmbeddingLayer({ maxLength: 5 });
    const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 5);
    const out = layer.apply(x) as tf.Tensor;
    const table = (layer.getWeights()[0] as tf.Tensor).arraySync() as Mat;
    const xs = x.arraySync() as Seq;
    expectClose(out, xs.map((xb) => xb.map((row, t) => row.map((v, k) => v + (table[t]?.[k] ?? NaN)))));
    const tooLong = tf.zeros([1, 6, 4]);
    expect(() => layer.apply(tooLong)).toThrow(/increase maxLength/);
    tf.dispose([x, out, tooLong]);
    layer.dispose();
  });

  for (const normPlacement of ['post', 'pre'] as const) {
    it(`TransformerEncoderBlock (${normPlacement}-LN) equals MHA + Add + LayerNorm + feed-forward in plain JS`, () => {
      const [T, d, heads, keyDim, ffDim, eps] = [4, 3, 2, 2, 5, 1e-6];
      const input = tfl.input({ shape: [T, d] });
      const params = paramsObjectSchema(transformerEncoderBlock.params).parse({ numHeads: heads, keyDim, ffDim, normPlacement, dropout: 0.3, epsilon: eps, activation: 'relu' });
      const built = transformerEncoderBlock.build({ params, name: `block_${normPlacement}`, inputs: { in: [input] } });
      const model = tfl.model({ inputs: input, outputs: [built['out'] as tfl.SymbolicTensor, built['weights'] as tfl.SymbolicTensor] });
      // Give the LayerNorms non-trivial gamma/beta so a swapped placement would show.
      const r = lcg(21);
      const newWeights = model.weights.map((w) => tf.tensor(Array.from({ length: w.shape.reduce<number>((a, b) => a * (b ?? 1), 1) }, () => r() - 0.5), w.shape as number[]));
      model.setWeights(newWeights);
      const byName = (suffix: string) => {
        const i = model.weights.findIndex((w) => w.originalName.endsWith(suffix));
        if (i < 0) throw new Error(`no weight ${suffix} in ${model.weights.map((w) => w.originalName).join(', ')}`);
        return (newWeights[i] as tf.Tensor).arraySync();
      };
      const mhaW: RefMhaWeights = {
        wq: byName('query/kernel') as number[][][], bq: byName('query/bias') as Mat,
        wk: byName('key/kernel') as number[][][], bk: byName('key/bias') as Mat,
        wv: byName('value/kernel') as number[][][], bv: byName('value/bias') as Mat,
        wo: byName('attention_output/kernel') as number[][][], bo: byName('attention_output/bias') as number[],
      };
      const norm = (label: string) => (row: number[]) => {
        const gamma = byName(`${label}/gamma`) as number[];
        const beta = byName(`${label}/beta`) as number[];
        const mean = row.reduce((a, b) => a + b, 0) / row.length;
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / row.length;
        return row.map((x, k) => ((x - mean) / Math.sqrt(variance + eps)) * (gamma[k] ?? NaN) + (beta[k] ?? NaN));
      };
      const denseRow = (label: string, relu: boolean) => (row: number[]) =>
        matVec(byName(`${label}/kernel`) as Mat, row).map((x, j) => {
          const y = x + ((byName(`${label}/bias`) as number[])[j] ?? NaN);
          return relu ? Math.max(0, y) : y;
        });
      const ff = (row: number[]) => denseRow(`block_${normPlacement}_ff2`, false)(denseRow(`block_${normPlacement}_ff1`, true)(row));
      const addRows = (a: Mat, b: Mat) => a.map((row, t) => row.map((x, k) => x + (b[t]?.[k] ?? NaN)));
      const n1 = norm(`block_${normPlacement}_norm1`);
      const n2 = norm(`block_${normPlacement}_norm2`);
      const x = randomSeq(rng, 2, T, d);
      const expected = x.map((xb) => {
        if (normPlacement === 'post') {
          const h = addRows(xb, (refMha([xb], [xb], [xb], mhaW, false).out[0] as Mat)).map(n1);
          return addRows(h, h.map(ff)).map(n2);
        }
        const normed = xb.map(n1);
        const h = addRows(xb, refMha([normed], [normed], [normed], mhaW, false).out[0] as Mat);
        return addRows(h, h.map(n2).map(ff));
      });
      const xt = toTensor(x, [2, T, d]);
      const [out, weights] = model.predict(xt) as tf.Tensor[];
      expectClose(out as tf.Tensor, expected, 1e-4);
      expect((weights as tf.Tensor).shape).toEqual([2, heads, T, T]);
      tf.dispose([xt, out as tf.Tensor, weights as tf.Tensor, ...newWeights]);
      model.dispose();
    });
  }
});

// ---------------------------------------------------------------------------------------------

/**
 * Checks d loss / d (inputs and weights) from tfjs autodiff against central finite differences
 * of the same float32 forward pass. loss = sum(out0 * R0) + sum(out1 * R1) with fixed random R,
 * so every output element and both outputs matter.
 */
function checkGradients(layer: tfl.layers.Layer, inputs: tf.Tensor[], differentiable: number[]): void {
  const outputs = layer.apply(inputs) as tf.Tensor[]; // builds the weights
  const projections = outputs.map((o, i) => tf.randomUniform(o.shape, -1, 1, 'float32', 100 + i));
  tf.dispose(outputs);
  const lossOf = (xs: tf.Tensor[]) =>
    tf.tidy(() => {
      const outs = layer.apply(xs) as tf.Tensor[];
      return tf.addN(outs.map((o, i) => tf.sum(tf.mul(o, projections[i] as tf.Tensor)))) as tf.Scalar;
    });

  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let weightGrads: Record<string, tf.Tensor> = {};
  if (variables.length > 0) {
    const { grads, value } = tf.variableGrads(() => lossOf(inputs), variables);
    value.dispose();
    weightGrads = grads;
  }
  const inputGrads = tf.grads((...xs: tf.Tensor[]) => {
    const all = inputs.map((x, i) => (differentiable.includes(i) ? (xs[differentiable.indexOf(i)] as tf.Tensor) : x));
    return lossOf(all);
  })(differentiable.map((i) => inputs[i] as tf.Tensor));

  const EPS = 1e-2;
  const compare = (analytic: Float32Array | Int32Array | Uint8Array, numeric: (j: number, eps: number) => number, what: string) => {
    for (let j = 0; j < analytic.length; j++) {
      const n = (numeric(j, EPS) - numeric(j, -EPS)) / (2 * EPS);
      const a = analytic[j] as number;
      expect(Math.abs(a - n), `${what}[${j}]: autodiff ${a}, finite difference ${n}`).toBeLessThanOrEqual(3e-3 + 1e-2 * Math.abs(n));
    }
  };
  const lossValue = (xs: tf.Tensor[]) => {
    const l = lossOf(xs);
    const v = l.dataSync()[0] as number;
    l.dispose();
    return v;
  };

  differentiable.forEach((inputIndex, g) => {
    const x = inputs[inputIndex] as tf.Tensor;
    const base = x.dataSync().slice();
    compare((inputGrads[g] as tf.Tensor).dataSync(), (j, eps) => {
      const shifted = base.slice();
      shifted[j] = (shifted[j] as number) + eps;
      const xt = tf.tensor(shifted, x.shape);
      const v = lossValue(inputs.map((other, i) => (i === inputIndex ? xt : other)));
      xt.dispose();
      return v;
    }, `input ${inputIndex}`);
  });

  layer.trainableWeights.forEach((w, wi) => {
    const original = w.read().dataSync().slice();
    const grad = weightGrads[(w.read() as tf.Variable).name];
    if (!grad) throw new Error(`no gradient for ${w.name}`);
    compare(grad.dataSync(), (j, eps) => {
      const shifted = original.slice();
      shifted[j] = (shifted[j] as number) + eps;
      const t = tf.tensor(shifted, w.shape as number[]);
      w.write(t);
      t.dispose();
      const v = lossValue(inputs);
      const restore = tf.tensor(original, w.shape as number[]);
      w.write(restore);
      restore.dispose();
      return v;
    }, `weight ${wi} (${w.name})`);
  });
  tf.dispose([...projections, ...inputGrads, ...Object.values(weightGrads)]);
}

describe('gradients agree with central finite differences', () => {
  for (const score of ATTENTION_SCORES) {
    it(`Attention '${score}' (causal) w.r.t. query, values and weights`, () => {
      const before = tf.memory().numTensors;
      const dv = score === 'dot' || score === 'scaledDot' ? 3 : 2;
      const layer = new AttentionLayer({ score, units: 3, causal: true });
      const q = tf.randomNormal([2, 3, 3], 0, 1, 'float32', 1);
      const h = tf.randomNormal([2, 4, dv], 0, 1, 'float32', 2);
      checkGradients(layer, [q, h], [0, 1]);
      tf.dispose([q, h]);
      layer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('MultiHeadAttention (2 heads, separate key, causal) w.r.t. query, value, key and all weights', () => {
    const before = tf.memory().numTensors;
    const layer = new MultiHeadAttentionLayer({ numHeads: 2, keyDim: 2, valueDim: 3, outputDim: 0, useBias: true, causal: true, dropout: 0, inputSlots: [0, 1, 2, -1] });
    const q = tf.randomNormal([1, 3, 3], 0, 1, 'float32', 4);
    const v = tf.randomNormal([1, 4, 2], 0, 1, 'float32', 5);
    const k = tf.randomNormal([1, 4, 2], 0, 1, 'float32', 6);
    checkGradients(layer, [q, v, k], [0, 1, 2]);
    tf.dispose([q, v, k]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('tensor disposal', () => {
  it('repeated forward passes of every custom layer leave no tensors behind', () => {
    const q = tf.randomNormal([2, 3, 4]);
    const v = tf.randomNormal([2, 5, 4]);
    const mask = tf.ones([2, 5]);
    const layers: [tfl.layers.Layer, tf.Tensor[]][] = [
      ...ATTENTION_SCORES.map((score): [tfl.layers.Layer, tf.Tensor[]] => [new AttentionLayer({ score, units: 3, causal: true, inputSlots: [0, 1, 2] }), [q, v, mask]]),
      [new MultiHeadAttentionLayer({ numHeads: 2, keyDim: 3, valueDim: 2, outputDim: 0, useBias: true, causal: true, dropout: 0.2, inputSlots: [0, 1, -1, 2] }), [q, v, mask]],
      [new PositionalEncodingLayer({ base: 10_000 }), [q]],
      [new PositionEmbeddingLayer({ maxLength: 8 }), [q]],
    ];
    for (const [layer, inputs] of layers) {
      tf.dispose(layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs) as tf.Tensor[]); // build
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) {
        tf.dispose(layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: i % 2 === 0 }) as tf.Tensor[]);
      }
      expect(tf.memory().numTensors, layer.getClassName()).toBe(before);
      layer.dispose();
    }
    tf.dispose([q, v, mask]);
  });

  it('a model with a TransformerEncoderBlock predicts and trains without leaking', async () => {
    const input = tfl.input({ shape: [4, 6] });
    const params = paramsObjectSchema(transformerEncoderBlock.params).parse({ numHeads: 2, keyDim: 3, ffDim: 8, dropout: 0.1 });
    const built = transformerEncoderBlock.build({ params, name: 'leak_block', inputs: { in: [input] } });
    const model = tfl.model({ inputs: input, outputs: built['out'] as tfl.SymbolicTensor });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = tf.randomNormal([8, 4, 6]);
    const y = tf.randomNormal([8, 4, 6]);
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 }); // creates the optimizer's slots
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    for (let i = 0; i < 3; i++) (model.predict(x) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(history.history['loss']?.every((l) => Number.isFinite(l as number))).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });
});

// ---------------------------------------------------------------------------------------------

/**
 * The wasm backend (the one to use on machines without a GPU) lacks some kernels and gradients;
 * these layers must run forward and backward on it and agree with the cpu backend.
 */
describe('the wasm backend agrees with cpu', () => {
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

  async function onBackend<T>(backend: string, run: () => T | Promise<T>): Promise<T> {
    expect(await tf.setBackend(backend), `${backend} backend initialises`).toBe(true);
    expect(tf.getBackend()).toBe(backend);
    try {
      return await run();
    } finally {
      await tf.setBackend('cpu');
    }
  }

  const fixed = (shape: number[], seed: number) => {
    const r = lcg(seed);
    return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), shape);
  };

  /** Outputs and the gradients of a projected loss w.r.t. the inputs and every weight, as arrays. */
  function forwardAndGradients(makeLayer: () => tfl.layers.Layer, inputShapes: number[][]): number[][] {
    const layer = makeLayer();
    const inputs = inputShapes.map((s, i) => fixed(s, 30 + i));
    tf.dispose(layer.apply(inputs) as tf.Tensor[]);
    const newWeights = layer.getWeights().map((w, i) => fixed(w.shape, 50 + i));
    layer.setWeights(newWeights);
    const lossOf = (xs: tf.Tensor[]) =>
      tf.tidy(() => {
        const outs = layer.apply(xs) as tf.Tensor[];
        return tf.addN(outs.map((o, i) => tf.sum(tf.mul(o, fixed(o.shape, 70 + i))))) as tf.Scalar;
      });
    const outs = layer.apply(inputs) as tf.Tensor[];
    const inputGrads = tf.grads((...xs: tf.Tensor[]) => lossOf(xs))(inputs);
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const weightGrads = variables.length > 0 ? tf.variableGrads(() => lossOf(inputs), variables) : undefined;
    const result = [...outs, ...inputGrads, ...variables.map((v) => weightGrads?.grads[v.name] as tf.Tensor)].map((t) => Array.from(t.dataSync()));
    tf.dispose([...inputs, ...newWeights, ...outs, ...inputGrads, ...(weightGrads ? [weightGrads.value, ...Object.values(weightGrads.grads)] : [])]);
    layer.dispose();
    return result;
  }

  function expectSameArrays(cpu: number[][], wasm: number[][]): void {
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((a, i) => {
      const b = wasm[i] as number[];
      expect(b.length).toBe(a.length);
      a.forEach((x, j) => expect(Math.abs(x - (b[j] ?? NaN)), `array ${i}[${j}]`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(x))));
    });
  }

  for (const score of ATTENTION_SCORES) {
    it(`Attention '${score}' (causal, masked): outputs and gradients`, async () => {
      const dv = score === 'dot' || score === 'scaledDot' ? 3 : 2;
      const make = () => new AttentionLayer({ score, units: 3, causal: true });
      const shapes = [[2, 3, 3], [2, 4, dv]];
      const cpu = forwardAndGradients(make, shapes);
      const wasm = await onBackend('wasm', () => forwardAndGradients(make, shapes));
      expectSameArrays(cpu, wasm);
    });
  }

  it('MultiHeadAttention (causal, separate key): outputs and gradients', async () => {
    const make = () => new MultiHeadAttentionLayer({ numHeads: 2, keyDim: 2, valueDim: 3, outputDim: 0, useBias: true, causal: true, dropout: 0, inputSlots: [0, 1, 2, -1] });
    const shapes = [[2, 3, 3], [2, 4, 2], [2, 4, 5]];
    const cpu = forwardAndGradients(make, shapes);
    const wasm = await onBackend('wasm', () => forwardAndGradients(make, shapes));
    expectSameArrays(cpu, wasm);
  });

  it('a masked pre-LN TransformerEncoderBlock over a PositionEmbedding trains one SGD step identically', async () => {
    async function oneStep(): Promise<number[][]> {
      const input = tfl.input({ shape: [4, 6] });
      const mask = tfl.input({ shape: [4] });
      const positioned = positionEmbedding.build({ params: { maxLength: 5 }, name: 'wasm_pos', inputs: { in: [input] } })['out'] as tfl.SymbolicTensor;
      const params = paramsObjectSchema(transformerEncoderBlock.params).parse({ numHeads: 2, keyDim: 3, ffDim: 8, dropout: 0, normPlacement: 'pre', activation: 'gelu' });
      const built = transformerEncoderBlock.build({ params, name: 'wasm_block', inputs: { in: [positioned], mask: [mask] } });
      const model = tfl.model({ inputs: [input, mask], outputs: built['out'] as tfl.SymbolicTensor });
      const weights = model.getWeights().map((w, i) => fixed(w.shape, 90 + i));
      model.setWeights(weights);
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      const x = fixed([4, 4, 6], 1);
      const m = tf.tensor2d([1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0], [4, 4]);
      const y = fixed([4, 4, 6], 2);
      await model.fit([x, m], y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
      const after = model.getWeights().map((w) => Array.from(w.dataSync()));
      // The step moved every weight, so the comparison below compares training, not initial values.
      // Except the key bias: q·(k + b) shifts all of a query's scores by q·b, which softmax ignores,
      // so its gradient is exactly zero (as in Keras).
      after.forEach((w, i) => {
        const name = model.weights[i]?.originalName ?? '';
        const before = Array.from((weights[i] as tf.Tensor).dataSync());
        if (name.endsWith('key/bias')) expect(w, name).toEqual(before);
        else expect(w, name).not.toEqual(before);
      });
      tf.dispose([...weights, x, m, y]);
      model.dispose();
      return after;
    }
    const cpu = await oneStep();
    const wasm = await onBackend('wasm', oneStep);
    expectSameArrays(cpu, wasm);
  });
});
