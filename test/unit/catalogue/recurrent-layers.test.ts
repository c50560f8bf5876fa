/**
 * Recurrent layers against tfjs (shapes and parameter counts over random configurations), their
 * save/load round trip, the actionable shape errors, and training with initial states (the
 * tfjs 4.22 kwargs defect must stay worked around).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerDecl, NodeDecl, SymbolicTensor } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { getDecl } from '../../../core/catalogue/registry';
import { bidirectional } from '../../../core/catalogue/layers/recurrent/bidirectional';
import { RNN_ACTIVATIONS } from '../../../core/catalogue/layers/recurrent/common';
import { embedding } from '../../../core/catalogue/layers/recurrent/embedding';
import { gru } from '../../../core/catalogue/layers/recurrent/gru';
import { lstm } from '../../../core/catalogue/layers/recurrent/lstm';
import { simpleRnn } from '../../../core/catalogue/layers/recurrent/simple-rnn';
import { ShapeError, type Shape } from '../../../core/shapes/shape';
import { checkLayerProperty, checkSerializationRoundTrip, checkShapeRuleTotality, type InputSpec, type LayerCase } from './layer-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Tiny dimensions: recurrent layers are slow on the cpu backend.
const tinyTime = fc.constantFrom<number | null>(1, 2, 3, null);
const tinyDim = fc.integer({ min: 1, max: 3 });
const rate = fc.constantFrom(0, 0.25);

function recurrentCase(withGates: boolean, statePorts: readonly string[], extra: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<LayerCase> {
  return fc
    .record({
      units: tinyDim,
      activation: fc.constantFrom(...RNN_ACTIVATIONS),
      ...(withGates ? { recurrentActivation: fc.constantFrom('sigmoid', 'hardSigmoid') } : {}),
      useBias: fc.boolean(),
      returnSequences: fc.boolean(),
      returnState: fc.boolean(),
      goBackwards: fc.boolean(),
      dropout: rate,
      recurrentDropout: rate,
      ...extra,
      // Not parameters: how the case is wired.
      time: tinyTime,
      features: tinyDim,
      withState: fc.boolean(),
    })
    .map(({ time, features, withState, ...params }) => {
      const inputs: Record<string, InputSpec[]> = { in: [{ shape: [time, features] }] };
      if (withState) for (const port of statePorts) inputs[port] = [{ shape: [params.units] }];
      return { params, inputs };
    });
}

describe('recurrent layers agree with tfjs', () => {
  it('are registered under their Keras names', () => {
    for (const type of ['Embedding', 'SimpleRNN', 'LSTM', 'GRU', 'Bidirectional']) expect(getDecl(type)?.category, type).toBe('Recurrent');
  });

  it('Embedding', () => {
    checkLayerProperty(
      embedding,
      fc
        .record({
          inputDim: fc.integer({ min: 1, max: 20 }),
          outputDim: fc.integer({ min: 1, max: 5 }),
          maskZero: fc.boolean(),
          ids: fc.array(fc.constantFrom<number | null>(1, 2, 4, null), { minLength: 1, maxLength: 2 }),
        })
        .map(({ ids, ...params }) => ({ params, inputs: { in: [{ shape: ids, dtype: 'int32' as const, intMax: params.inputDim }] } })),
    );
  });

  it('SimpleRNN', () => {
    checkLayerProperty(simpleRnn, recurrentCase(false, ['initialH']));
  });

  it('LSTM', () => {
    checkLayerProperty(lstm, recurrentCase(true, ['initialH', 'initialC'], { unitForgetBias: fc.boolean() }));
  });

  it('GRU', () => {
    checkLayerProperty(gru, recurrentCase(true, ['initialH']));
  });

  it('Bidirectional', () => {
    checkLayerProperty(
      bidirectional,
      fc
        .record({
          layer: fc.constantFrom('LSTM', 'GRU', 'SimpleRNN'),
          units: tinyDim,
          returnSequences: fc.boolean(),
          mergeMode: fc.constantFrom('concat', 'sum', 'mul', 'ave'),
          activation: fc.constantFrom(...RNN_ACTIVATIONS),
          recurrentActivation: fc.constantFrom('sigmoid', 'hardSigmoid'),
          returnState: fc.boolean(),
          dropout: rate,
          recurrentDropout: rate,
          time: tinyTime,
          features: tinyDim,
        })
        .map(({ time, features, ...params }) => ({ params, inputs: { in: [{ shape: [time, features] }] } })),
    );
  });

  it('counts parameters as Keras does: one bias vector per gate', () => {
    const count = (decl: NodeDecl, params: Record<string, unknown>, features: number) =>
      (decl as LayerDecl).countParams({ params: paramsObjectSchema(decl.params).parse(params), inputs: { in: [[null, 10, features]] } }).trainable;
    // Keras' model.summary() for the same layers on 32 features.
    expect(count(lstm, { units: 64 }, 32)).toBe(24_832);
    expect(count(gru, { units: 64 }, 32)).toBe(18_624); // reset_after=False
    expect(count(simpleRnn, { units: 64 }, 32)).toBe(6_208);
    expect(count(bidirectional, { layer: 'LSTM', units: 64 }, 32)).toBe(49_664);
    expect(count(embedding, { inputDim: 1000, outputDim: 64 }, 1)).toBe(64_000);
  });
});

describe('recurrent layers survive a save and load in the tfjs layers format', () => {
  it('LSTM with returnState and an initial state', async () => {
    await checkSerializationRoundTrip(lstm, {
      params: { units: 3, returnState: true, returnSequences: true },
      inputs: { in: [{ shape: [4, 2] }], initialH: [{ shape: [3] }], initialC: [{ shape: [3] }] },
    });
  });
  it('GRU with an initial state, backwards', async () => {
    await checkSerializationRoundTrip(gru, { params: { units: 2, goBackwards: true, returnState: true }, inputs: { in: [{ shape: [3, 2] }], initialH: [{ shape: [2] }] } });
  });
  it('Bidirectional SimpleRNN and Embedding', async () => {
    await checkSerializationRoundTrip(bidirectional, { params: { layer: 'SimpleRNN', units: 2, mergeMode: 'ave' }, inputs: { in: [{ shape: [3, 2] }] } });
    await checkSerializationRoundTrip(embedding, { params: { inputDim: 7, outputDim: 3, maskZero: true }, inputs: { in: [{ shape: [4], dtype: 'int32', intMax: 7 }] } });
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

describe('recurrent shape errors say what to do', () => {
  it('every rule is total: any parameters and any wiring give shapes or a ShapeError', () => {
    for (const decl of [embedding, simpleRnn, lstm, gru, bidirectional]) checkShapeRuleTotality(decl);
  });
  it('a rank-2 input asks for returnSequences on the layer below', () => {
    for (const decl of [lstm, gru, simpleRnn, bidirectional]) {
      const err = shapeError(decl, {}, { in: [[null, 16]] });
      expect(err.port).toBe('in');
      expect(err.message).toMatch(/Return sequences/);
    }
  });
  it('initial states must match units, and an LSTM needs both or neither', () => {
    const wrongUnits = shapeError(lstm, { units: 8 }, { in: [[null, 5, 3]], initialH: [[null, 4]], initialC: [[null, 4]] });
    expect(wrongUnits.port).toBe('initialH');
    expect(wrongUnits.message).toContain('[batch, 8]');
    const onlyH = shapeError(lstm, { units: 4 }, { in: [[null, 5, 3]], initialH: [[null, 4]], initialC: [] });
    expect(onlyH.port).toBe('initialC');
    expect(onlyH.message).toContain('wire initialC too');
  });
  it('Embedding needs a token axis', () => {
    expect(shapeError(embedding, {}, { in: [[null]] }).message).toContain('token ids [batch, time]');
  });
});

/**
 * A seq2seq-shaped model from the declarations: an encoder LSTM whose final states initialise a
 * decoder LSTM, and a second decoder LSTM initialised from them too (two initial-state layers in
 * one forward pass), then a per-step Dense.
 */
function seq2seqModel(): tfl.LayersModel {
  const build = (decl: NodeDecl, params: Record<string, unknown>, name: string, inputs: Record<string, SymbolicTensor[]>) =>
    (decl as LayerDecl).build({ params: paramsObjectSchema(decl.params).parse(params), name, inputs });
  const source = tfl.input({ shape: [4, 3] });
  const target = tfl.input({ shape: [3, 2] });
  const enc = build(lstm, { units: 4, returnState: true }, 'enc', { in: [source] });
  const states = { initialH: [enc.h as SymbolicTensor], initialC: [enc.c as SymbolicTensor] };
  const dec1 = build(lstm, { units: 4, returnSequences: true }, 'dec1', { in: [target], ...states });
  const dec2 = build(lstm, { units: 4, returnSequences: true }, 'dec2', { in: [dec1.out as SymbolicTensor], ...states });
  const out = tfl.layers.dense({ units: 2 }).apply(dec2.out as SymbolicTensor) as SymbolicTensor;
  return tfl.model({ inputs: [source, target], outputs: out });
}

/**
 * One time step computed in plain JS from the layer's own weights (Keras gate order: LSTM i, f, c, o;
 * GRU z, r, h with the reset gate applied before the recurrent product): checks that the initial
 * states reach the right place (h and c are both [batch, units], so a swap would pass every shape check).
 */
describe('one step against the textbook formulas, from given initial states', () => {
  const F = 2;
  const U = 3;
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const X = [0.5, -1.2];
  const H0 = [0.3, -0.6, 0.9];
  const C0 = [-0.4, 0.8, 0.2];

  /** Runs the built node on one sample of one step and returns its weights and outputs. */
  function runOneStep(decl: NodeDecl, params: Record<string, unknown>, statePorts: string[]) {
    const x = tfl.input({ shape: [1, F] });
    const stateInputs = statePorts.map(() => tfl.input({ shape: [U] }));
    const inputs: Record<string, SymbolicTensor[]> = { in: [x] };
    statePorts.forEach((port, i) => (inputs[port] = [stateInputs[i] as SymbolicTensor]));
    const built = (decl as LayerDecl).build({ params: paramsObjectSchema(decl.params).parse({ units: U, returnState: true, ...params }), name: `step_${decl.type}`, inputs });
    const ports = Object.keys(built).sort();
    const model = tfl.model({ inputs: [x, ...stateInputs], outputs: ports.map((p) => built[p] as SymbolicTensor) });
    // Random non-zero weights, biases included.
    model.setWeights(model.getWeights().map((w, i) => tf.tidy(() => tf.randomNormal(w.shape, 0, 0.7, 'float32', 90 + i))));
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    const feeds = [tf.tensor3d([[X]]), ...statePorts.map((p) => tf.tensor2d([p === 'initialC' ? C0 : H0]))];
    const results = model.predict(feeds) as tf.Tensor[];
    const outputs = Object.fromEntries(ports.map((p, i) => [p, Array.from((results[i] as tf.Tensor).dataSync())]));
    tf.dispose([...feeds, ...results]);
    model.dispose();
    return { weights, outputs };
  }

  /** v·M for M stored row-major [rows, cols], columns [from, from + count). */
  const vecMat = (v: number[], m: number[], cols: number, from: number, count: number) =>
    Array.from({ length: count }, (_, j) => v.reduce((acc, vi, i) => acc + vi * (m[i * cols + from + j] as number), 0));
  const add = (...vs: number[][]) => (vs[0] as number[]).map((_, i) => vs.reduce((acc, v) => acc + (v[i] as number), 0));
  const expectClose = (actual: number[] | undefined, expected: number[]) => {
    expect(actual).toBeDefined();
    expected.forEach((v, i) => expect((actual as number[])[i]).toBeCloseTo(v, 5));
  };

  it('LSTM: c = σ(f)·c0 + σ(i)·tanh(g), h = σ(o)·tanh(c)', () => {
    const { weights, outputs } = runOneStep(lstm, {}, ['initialH', 'initialC']);
    const [kernel, recurrent, bias] = weights as [number[], number[], number[]];
    const gate = (k: number) => add(vecMat(X, kernel, 4 * U, k * U, U), vecMat(H0, recurrent, 4 * U, k * U, U), bias.slice(k * U, (k + 1) * U));
    const [i, f, g, o] = [gate(0).map(sigmoid), gate(1).map(sigmoid), gate(2).map(Math.tanh), gate(3).map(sigmoid)];
    const c = C0.map((c0, j) => (f[j] as number) * c0 + (i[j] as number) * (g[j] as number));
    const h = c.map((cj, j) => (o[j] as number) * Math.tanh(cj));
    expectClose(outputs['c'], c);
    expectClose(outputs['h'], h);
    expectClose(outputs['out'], h);
  });

  it('GRU (reset before): h = z·h0 + (1 - z)·tanh(x·Wh + (r·h0)·Uh + bh)', () => {
    const { weights, outputs } = runOneStep(gru, {}, ['initialH']);
    const [kernel, recurrent, bias] = weights as [number[], number[], number[]];
    const z = add(vecMat(X, kernel, 3 * U, 0, U), vecMat(H0, recurrent, 3 * U, 0, U), bias.slice(0, U)).map(sigmoid);
    const r = add(vecMat(X, kernel, 3 * U, U, U), vecMat(H0, recurrent, 3 * U, U, U), bias.slice(U, 2 * U)).map(sigmoid);
    const resetH = H0.map((v, j) => v * (r[j] as number));
    const candidate = add(vecMat(X, kernel, 3 * U, 2 * U, U), vecMat(resetH, recurrent, 3 * U, 2 * U, U), bias.slice(2 * U)).map(Math.tanh);
    const h = H0.map((h0, j) => (z[j] as number) * h0 + (1 - (z[j] as number)) * (candidate[j] as number));
    expectClose(outputs['h'], h);
    expectClose(outputs['out'], h);
  });

  it('SimpleRNN: h = tanh(x·W + h0·U + b)', () => {
    const { weights, outputs } = runOneStep(simpleRnn, {}, ['initialH']);
    const [kernel, recurrent, bias] = weights as [number[], number[], number[]];
    const h = add(vecMat(X, kernel, U, 0, U), vecMat(H0, recurrent, U, 0, U), bias).map(Math.tanh);
    expectClose(outputs['h'], h);
  });
});

describe('recurrent layers in use', () => {
  const build = (decl: NodeDecl, params: Record<string, unknown>, name: string, inputs: Record<string, SymbolicTensor[]>) =>
    (decl as LayerDecl).build({ params: paramsObjectSchema(decl.params).parse(params), name, inputs });

  it('Embedding with mask zero makes the next layers skip PAD steps', () => {
    const ids = tfl.input({ shape: [null], dtype: 'int32' });
    const vectors = build(embedding, { inputDim: 10, outputDim: 3, maskZero: true }, 'emb', { in: [ids] });
    const encoded = build(lstm, { units: 4, returnState: true }, 'enc', { in: [vectors.out as SymbolicTensor] });
    const model = tfl.model({ inputs: ids, outputs: [encoded.out as SymbolicTensor, encoded.c as SymbolicTensor] });
    const short = tf.tensor2d([[3, 5, 7]], [1, 3], 'int32');
    const padded = tf.tensor2d([[3, 5, 7, 0, 0]], [1, 5], 'int32');
    const a = model.predict(short) as tf.Tensor[];
    const b = model.predict(padded) as tf.Tensor[];
    a.forEach((t, i) => {
      const expected = Array.from(t.dataSync());
      Array.from((b[i] as tf.Tensor).dataSync()).forEach((v, j) => expect(v).toBeCloseTo(expected[j] as number, 6));
    });
    tf.dispose([short, padded, ...a, ...b]);
    model.dispose();
  });

  it("a decoder without a mask never applies the encoder's padding mask", () => {
    // Encoder: Embedding(maskZero) + LSTM; decoder: Embedding without a mask + LSTM from the
    // encoder's states + Bidirectional. Padding the source must change nothing.
    const source = tfl.input({ shape: [null], dtype: 'int32' });
    const target = tfl.input({ shape: [5], dtype: 'int32' });
    const srcVectors = build(embedding, { inputDim: 10, outputDim: 3, maskZero: true }, 'src_emb', { in: [source] });
    const enc = build(lstm, { units: 4, returnState: true }, 'enc', { in: [srcVectors.out as SymbolicTensor] });
    const tgtVectors = build(embedding, { inputDim: 10, outputDim: 3 }, 'tgt_emb', { in: [target] });
    const dec = build(lstm, { units: 4, returnSequences: true }, 'dec', {
      in: [tgtVectors.out as SymbolicTensor],
      initialH: [enc.h as SymbolicTensor],
      initialC: [enc.c as SymbolicTensor],
    });
    const top = build(bidirectional, { layer: 'GRU', units: 2, returnSequences: true }, 'top', { in: [dec.out as SymbolicTensor] });
    const model = tfl.model({ inputs: [source, target], outputs: [dec.out as SymbolicTensor, top.out as SymbolicTensor] });
    const tgt = tf.tensor2d([[4, 5, 6, 7, 8]], [1, 5], 'int32');
    const padded = tf.tensor2d([[1, 2, 3, 0, 0, 0, 0]], [1, 7], 'int32');
    const unpadded = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const a = model.predict([padded, tgt]) as tf.Tensor[];
    const b = model.predict([unpadded, tgt]) as tf.Tensor[];
    a.forEach((t, i) => {
      const expected = Array.from((b[i] as tf.Tensor).dataSync());
      Array.from(t.dataSync()).forEach((v, j) => expect(v, `output ${i} value ${j}`).toBeCloseTo(expected[j] as number, 6));
    });
    tf.dispose([tgt, padded, unpadded, ...a, ...b]);
    model.dispose();
  });

  it('stacked layers with dropout train with model.fit without growing memory', async () => {
    const x = tfl.input({ shape: [4, 3] });
    const lower = build(gru, { units: 3, returnSequences: true, dropout: 0.2, recurrentDropout: 0.2 }, 'lower', { in: [x] });
    const upper = build(simpleRnn, { units: 2, dropout: 0.2 }, 'upper', { in: [lower.out as SymbolicTensor] });
    const model = tfl.model({ inputs: x, outputs: upper.out as SymbolicTensor });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = tf.randomNormal([8, 4, 3]);
    const ys = tf.randomNormal([8, 2]);
    await model.fit(xs, ys, { batchSize: 4, epochs: 1, verbose: 0 });
    const afterFirst = tf.memory().numTensors;
    const history = await model.fit(xs, ys, { batchSize: 4, epochs: 2, verbose: 0 });
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect((history.history['loss'] as number[]).every(Number.isFinite)).toBe(true);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe('training with initial states (tfjs 4.22 shared-kwargs defect)', () => {
  it('an explicit optimizer loop that reuses its kwargs object trains for 6 batches', () => {
    const model = seq2seqModel();
    const xs = [tf.randomNormal([4, 4, 3], 0, 1, 'float32', 1), tf.randomNormal([4, 3, 2], 0, 1, 'float32', 2)];
    const ys = tf.randomNormal([4, 3, 2], 0, 1, 'float32', 3);
    const optimizer = tf.train.adam(0.05);
    // One object for every step, as a training loop naturally writes it.
    const kwargs = { training: true };
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      const loss = optimizer.minimize(() => tf.losses.meanSquaredError(ys, model.apply(xs, kwargs) as tf.Tensor) as tf.Scalar, true);
      losses.push((loss as tf.Scalar).dataSync()[0] as number);
      tf.dispose(loss as tf.Scalar);
    }
    expect(Object.keys(kwargs)).toEqual(['training']);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5] as number).toBeLessThan(losses[0] as number);
    // Adam's slots are created on the first step; after that nothing may accumulate.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + model.trainableWeights.length * 2 + 2);
    tf.dispose([...xs, ys]);
    optimizer.dispose();
    model.dispose();
  });

  it('model.fit trains the model with two initial-state layers for 5 batches', async () => {
    const model = seq2seqModel();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const xs = [tf.randomNormal([10, 4, 3]), tf.randomNormal([10, 3, 2])];
    const ys = tf.randomNormal([10, 3, 2]);
    let batches = 0;
    const history = await model.fit(xs, ys, { batchSize: 2, epochs: 1, verbose: 0, callbacks: { onBatchEnd: async () => void batches++ } });
    expect(batches).toBe(5);
    expect(Number.isFinite(history.history['loss']?.[0] as number)).toBe(true);
    tf.dispose([...xs, ys]);
    model.dispose();
  });

  it('a saved and re-loaded model gets the fixed layers too (2 steps of the same loop)', async () => {
    const model = seq2seqModel();
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!saved) throw new Error('no artifacts');
    const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as { config: { layers: { class_name: string }[] } };
    // The standard tfjs/Keras class names: any tfjs can read the file.
    expect(topology.config.layers.map((l) => l.class_name)).toContain('LSTM');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: saved.weightSpecs, weightData: saved.weightData }));
    const xs = [tf.randomNormal([2, 4, 3]), tf.randomNormal([2, 3, 2])];
    const ys = tf.randomNormal([2, 3, 2]);
    const optimizer = tf.train.sgd(0.01);
    const kwargs = { training: true };
    for (let step = 0; step < 2; step++) {
      tf.dispose(optimizer.minimize(() => tf.losses.meanSquaredError(ys, loaded.apply(xs, kwargs) as tf.Tensor) as tf.Scalar, true) as tf.Scalar);
    }
    tf.dispose([...xs, ys]);
    optimizer.dispose();
    model.dispose();
    loaded.dispose();
  });

  it("a recurrent layer without an initial state never picks up another layer's states", () => {
    const build = (decl: NodeDecl, params: Record<string, unknown>, name: string, inputs: Record<string, SymbolicTensor[]>) =>
      (decl as LayerDecl).build({ params: paramsObjectSchema(decl.params).parse(params), name, inputs });
    const a = tfl.input({ shape: [3, 2] });
    const h0 = tfl.input({ shape: [3] });
    const b = tfl.input({ shape: [3, 2] });
    const first = build(gru, { units: 3 }, 'first', { in: [a], initialH: [h0] });
    const second = build(gru, { units: 3 }, 'second', { in: [b] });
    const model = tfl.model({ inputs: [a, h0, b], outputs: [first.out as SymbolicTensor, second.out as SymbolicTensor] });
    const feeds = [tf.randomNormal([2, 3, 2]), tf.fill([2, 3], 5), tf.randomNormal([2, 3, 2])];
    // predict runs each layer with its own kwargs; apply in training mode shares one object.
    const reference = model.predict(feeds) as tf.Tensor[];
    const trainingMode = model.apply(feeds, { training: true }) as tf.Tensor[];
    expect(Array.from((trainingMode[1] as tf.Tensor).dataSync())).toEqual(Array.from((reference[1] as tf.Tensor).dataSync()));
    tf.dispose([...feeds, ...reference, ...trainingMode]);
    model.dispose();
  });
});
