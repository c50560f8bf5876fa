/**
 * The fused recurrent op (fused-recurrence.ts) against tfjs' own unrolled layers: the SAME layer
 * object is run with `useStockRecurrence(true)` (tfjs' path, the oracle) and `false` (fused), and
 * outputs, returned states and the gradients of every input, initial state and weight must agree.
 * On cpu and on wasm (where the fused path is taken; an LSTM with 4k units and sigmoid/tanh runs
 * Netwright's SIMD kernels there), plus save/load and flat tensor counts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGru, createLstm, createSimpleRnn, useStockRecurrence } from '../../../core/catalogue/layers/recurrent/tfjs-rnn';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from '../../../core/engine/simd/kernels';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { expectClose, patterned } from './agreement';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

type Kind = 'LSTM' | 'GRU' | 'SimpleRNN';

interface Case {
  kind: Kind;
  units: number;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  withInitialState: boolean;
  useBias: boolean;
  activation: string;
  recurrentActivation: string;
  /** A Keras mask [batch, time] with skipped steps (as Embedding maskZero gives for padding). */
  masked?: boolean;
}

/** Deterministic values in [-scale, scale] (no randomness: a failure reproduces). */
function makeLayer(c: Case): tfl.RNN {
  const args = {
    units: c.units,
    returnSequences: c.returnSequences,
    returnState: c.returnState,
    goBackwards: c.goBackwards,
    useBias: c.useBias,
    activation: c.activation as 'tanh',
    recurrentActivation: c.recurrentActivation as 'sigmoid',
    kernelInitializer: 'glorotUniform' as const,
  };
  if (c.kind === 'LSTM') return createLstm({ ...args, unitForgetBias: true });
  if (c.kind === 'GRU') return createGru(args);
  return createSimpleRnn(args);
}

interface Run {
  outputs: Float32Array[];
  grads: Map<string, Float32Array>;
}

/** Outputs and the gradient of Σ outputs·probes with respect to x, initial states and every weight. */
function runLayer(layer: tfl.RNN, c: Case, x: tf.Variable, states: tf.Variable[], mask: tf.Tensor | null): Run {
  const probes: tf.Tensor[] = [];
  let outputs: Float32Array[] = [];
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const targets = [x, ...states, ...weights];
  const { value, grads } = tf.variableGrads(() => {
    const kwargs: Record<string, unknown> = {};
    if (c.withInitialState) kwargs['initialState'] = states;
    if (mask) kwargs['mask'] = mask;
    const result = layer.apply(x, kwargs) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(result) ? result : [result];
    outputs = list.map((t) => t.dataSync() as Float32Array).map((v) => v.slice());
    while (probes.length < list.length) probes.push(tf.keep(patterned(list[probes.length]!.shape, 100 + probes.length)));
    return tf.addN(list.map((t, i) => tf.sum(tf.mul(t, probes[i]!)))) as tf.Scalar;
  }, targets);
  const named = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads)) named.set(name, (g.dataSync() as Float32Array).slice());
  tf.dispose([value, ...Object.values(grads), ...probes]);
  return { outputs, grads: named };
}

function compareFusedWithStock(c: Case, batch = 3, time = 4, features = 5): void {
  const layer = makeLayer(c);
  const x = tf.variable(patterned([batch, time, features], 1));
  const stateCount = c.kind === 'LSTM' ? 2 : 1;
  const states = Array.from({ length: stateCount }, (_, i) => tf.variable(patterned([batch, c.units], 10 + i, 0.8)));
  // Sample 0 skips its first and last steps, sample 1 the middle ones, the others none.
  const mask = c.masked
    ? tf.tensor2d(
        Array.from({ length: batch * time }, (_, i) => {
          const [b, t] = [Math.floor(i / time), i % time];
          return b === 0 ? (t === 0 || t === time - 1 ? 0 : 1) : b === 1 ? (t === 0 || t === time - 1 ? 1 : 0) : 1;
        }),
        [batch, time],
        'bool',
      )
    : null;
  // Built first, so both runs see the same trainable weights.
  useStockRecurrence(true);
  tf.dispose(layer.apply(x) as tf.Tensor | tf.Tensor[]);
  const stock = runLayer(layer, c, x, states, mask);
  useStockRecurrence(false);
  const before = tf.memory().numTensors;
  const fused = runLayer(layer, c, x, states, mask);
  const label = JSON.stringify(c);
  expect(tf.memory().numTensors, `tensors left behind: ${label}`).toBe(before);
  expect(fused.outputs.length, label).toBe(stock.outputs.length);
  fused.outputs.forEach((o, i) => expectClose(o, stock.outputs[i]!, `output ${i} of ${label}`));
  expect([...fused.grads.keys()].sort(), label).toEqual([...stock.grads.keys()].sort());
  // Every gradient: x, the wired initial states, kernel, recurrent kernel, bias.
  expect(fused.grads.size, label).toBe(1 + (c.withInitialState ? stateCount : 0) + (c.useBias ? 3 : 2));
  for (const [name, g] of stock.grads) expectClose(fused.grads.get(name)!, g, `d/d${name} of ${label}`);
  layer.dispose();
  tf.dispose([x, ...states, ...(mask ? [mask] : [])]);
}

const BASE: Omit<Case, 'kind'> = {
  units: 6,
  returnSequences: true,
  returnState: true,
  goBackwards: false,
  withInitialState: true,
  useBias: true,
  activation: 'tanh',
  recurrentActivation: 'sigmoid',
};

/** Each option varied on its own, for each cell. */
function cases(kind: Kind): Case[] {
  const variants: Partial<Case>[] = [
    {},
    { returnSequences: false },
    { returnState: false, withInitialState: false },
    { returnSequences: false, returnState: false },
    { goBackwards: true },
    { goBackwards: true, returnSequences: false, withInitialState: false },
    { useBias: false },
    { recurrentActivation: 'hardSigmoid' },
    { activation: 'relu' },
    { activation: 'softsign', recurrentActivation: 'hardSigmoid' },
    { activation: 'linear', units: 1 },
    { masked: true },
    { masked: true, goBackwards: true, returnSequences: false, withInitialState: false },
  ];
  return variants.map((v) => ({ ...BASE, kind, ...v }));
}

afterEach(() => useStockRecurrence(false));

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused recurrence = tfjs' unrolled layers, outputs, states and every gradient (${backend})`, () => {
    beforeAll(async () => {
      if (backend === 'wasm') {
        registerWasmKernelGaps();
        expect(await loadNodeSimdKernels()).toBe(true);
      }
      expect(await tf.setBackend(backend)).toBe(true);
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });
    if (backend === 'wasm') {
      // Units a multiple of 4 with sigmoid gates and tanh: the SIMD kernels (core/engine/simd). Batch 5
      // and 12 units take the tails of the 4x8 product tiles; masks, go-backwards, no bias, no states.
      it("LSTM on Netwright's SIMD kernels: every variant with 8 and 12 units, batch 5; 273 rows", async () => {
        const simdCases = cases('LSTM').filter((c) => c.units !== 1 && c.activation === 'tanh' && c.recurrentActivation === 'sigmoid');
        expect(simdCases.length).toBeGreaterThanOrEqual(8);
        for (const c of simdCases) {
          compareFusedWithStock({ ...c, units: 8 }, 5, 6, 5);
          compareFusedWithStock({ ...c, units: 12 }, 4, 3, 7);
        }
        // 273 rows: the weight gradients' products over rows run in two chunks (256, then 17), which
        // take the kernel's two loop orders (long and short k).
        compareFusedWithStock({ ...BASE, kind: 'LSTM', units: 8 }, 13, 21, 5);
        compareFusedWithStock({ ...BASE, kind: 'LSTM', units: 8, masked: true, goBackwards: true }, 13, 21, 6);
        const layer = makeLayer({ ...BASE, kind: 'LSTM', units: 8, returnState: false });
        const x = patterned([2, 3, 4], 1);
        const info = await tf.profile(() => tf.dispose(tf.grads((v: tf.Tensor) => tf.sum(layer.apply(v) as tf.Tensor))([x])));
        const names = info.kernels.map((k) => k.name);
        expect(names).toContain(LSTM_SEQUENCE);
        expect(names).toContain(LSTM_SEQUENCE_GRAD);
        layer.dispose();
        x.dispose();
      });
    }
    for (const kind of ['LSTM', 'GRU', 'SimpleRNN'] as const) {
      it(kind, () => {
        for (const c of cases(kind)) compareFusedWithStock(c);
      });
    }
    it('a batch of one, two steps', () => {
      for (const kind of ['LSTM', 'GRU', 'SimpleRNN'] as const) compareFusedWithStock({ ...BASE, kind }, 1, 2, 2);
    });
    it("one time step: outputs and states (tfjs cannot differentiate its own layer there: Unpack's gradient throws)", () => {
      for (const kind of ['LSTM', 'GRU', 'SimpleRNN'] as const) {
        const c = { ...BASE, kind };
        const layer = makeLayer(c);
        const x = patterned([2, 1, 3], 1);
        const states = Array.from({ length: kind === 'LSTM' ? 2 : 1 }, (_, i) => patterned([2, c.units], 10 + i));
        const run = () => (layer.apply(x, { initialState: states }) as tf.Tensor[]).map((t) => t.dataSync().slice() as Float32Array);
        useStockRecurrence(true);
        const stock = run();
        useStockRecurrence(false);
        run().forEach((o, i) => expectClose(o, stock[i]!, `${kind} output ${i}`));
        layer.dispose();
        tf.dispose([x, ...states]);
      }
    });
  });
}

describe('fused recurrence in models (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  /** An encoder whose states start a decoder, as in seq2seq-dates; Bidirectional on top. */
  function encoderDecoder(): tfl.LayersModel {
    const source = tfl.input({ shape: [5, 3] });
    const target = tfl.input({ shape: [4, 2] });
    const [, h, c] = createLstm({ units: 4, returnState: true, recurrentActivation: 'sigmoid', unitForgetBias: true }).apply(source) as tfl.SymbolicTensor[];
    const decoded = createLstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }).apply(target, { initialState: [h!, c!] }) as tfl.SymbolicTensor;
    const both = tfl.layers.bidirectional({ layer: createGru({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }) as unknown as tfl.RNN }).apply(decoded) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2 }).apply(both) as tfl.SymbolicTensor;
    return tfl.model({ inputs: [source, target], outputs: out });
  }

  it('a model saved in the layers format loads and gives the same outputs (loaded fused = original stock)', async () => {
    const model = encoderDecoder();
    const inputs = [patterned([2, 5, 3], 3), patterned([2, 4, 2], 4)];
    useStockRecurrence(true);
    const stock = (model.predict(inputs) as tf.Tensor).dataSync().slice() as Float32Array;
    useStockRecurrence(false);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const fused = (loaded.predict(inputs) as tf.Tensor).dataSync().slice() as Float32Array;
    expectClose(fused, stock, 'loaded model');
    // The loaded layers are Netwright's classes, so they took the fused path: prove the switch matters.
    expect(loaded.layers.some((l) => l.getClassName() === 'LSTM')).toBe(true);
    model.dispose();
    loaded.dispose();
    tf.dispose(inputs);
  });

  it('training steps with the fused op leave the tensor count flat and match stock training', () => {
    const trained: Float32Array[] = [];
    for (const stock of [true, false]) {
      useStockRecurrence(stock);
      const model = encoderDecoder();
      // Same starting weights for both runs.
      model.setWeights(model.getWeights().map((w, i) => patterned(w.shape, 20 + i, 0.5)));
      const optimizer = tf.train.adam(0.01);
      const inputs = [patterned([2, 5, 3], 3), patterned([2, 4, 2], 4)];
      const target = patterned([2, 4, 2], 5);
      const step = () =>
        optimizer.minimize(() => tf.losses.meanSquaredError(target, model.apply(inputs, { training: true }) as tf.Tensor) as tf.Scalar, false);
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors, `stock=${stock}`).toBe(before);
      trained.push(Float32Array.from(model.getWeights().flatMap((w) => [...(w.dataSync() as Float32Array)])));
      model.dispose();
      optimizer.dispose();
      tf.dispose([...inputs, target]);
    }
    expectClose(trained[1]!, trained[0]!, 'weights after 4 Adam steps');
  });
});
