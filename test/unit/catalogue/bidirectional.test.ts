/**
 * Bidirectional with the wrapped layer's options (issue 16): the node built from its declaration
 * against tfjs' own Bidirectional of tfjs' own layer with the same weights: outputs and returned
 * states, parameter counts, and old graphs (without the new parameters) keep today's behaviour.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerDecl, SymbolicTensor } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { bidirectional } from '../../../core/catalogue/layers/recurrent/bidirectional';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const decl = bidirectional as unknown as LayerDecl;

function patterned(shape: number[], seed: number, scale = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, (_, i) => scale * Math.sin(1.3 * i + 0.7 * seed)), shape);
}

type Params = Record<string, unknown>;
let uniqueId = 0;

/** Netwright's node as a model, and tfjs' own Bidirectional(LSTM|GRU|SimpleRNN) with the same options. */
function buildBoth(raw: Params, time: number, features: number): { ours: tfl.LayersModel; reference: tfl.LayersModel; ports: string[] } {
  const params = paramsObjectSchema(decl.params).parse(raw) as Record<string, never>;
  const input = tfl.input({ shape: [time, features] });
  const built = decl.build({ params, name: `bi${uniqueId++}`, inputs: { in: [input] } });
  const ports = Object.keys(built);
  const ours = tfl.model({ inputs: input, outputs: ports.map((p) => built[p] as SymbolicTensor) });
  const p = params as unknown as {
    layer: 'LSTM' | 'GRU' | 'SimpleRNN';
    units: number;
    activation: string;
    recurrentActivation: string;
    returnSequences: boolean;
    returnState: boolean;
    dropout: number;
    recurrentDropout: number;
    mergeMode: 'concat' | 'sum' | 'mul' | 'ave';
  };
  const args = {
    units: p.units,
    activation: p.activation as 'tanh',
    returnSequences: p.returnSequences,
    returnState: p.returnState,
    dropout: p.dropout,
    recurrentDropout: p.recurrentDropout,
  };
  // tfjs' own classes (not Netwright's registered subclasses), so the reference runs tfjs' unrolled steps.
  const inner =
    p.layer === 'LSTM'
      ? tfl.layers.lstm({ ...args, recurrentActivation: p.recurrentActivation as 'sigmoid' })
      : p.layer === 'GRU'
        ? tfl.layers.gru({ ...args, recurrentActivation: p.recurrentActivation as 'sigmoid' })
        : tfl.layers.simpleRNN(args);
  const refInput = tfl.input({ shape: [time, features] });
  const refOut = tfl.layers.bidirectional({ layer: inner as unknown as tfl.RNN, mergeMode: p.mergeMode }).apply(refInput) as SymbolicTensor | SymbolicTensor[];
  const reference = tfl.model({ inputs: refInput, outputs: refOut });
  reference.setWeights(ours.getWeights());
  return { ours, reference, ports };
}

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}

const CASES: Params[] = [
  { layer: 'LSTM', units: 4, recurrentActivation: 'hardSigmoid' },
  { layer: 'LSTM', units: 3, returnSequences: true, returnState: true, activation: 'relu', mergeMode: 'sum' },
  { layer: 'LSTM', units: 2, returnState: true, dropout: 0.3, recurrentDropout: 0.2, mergeMode: 'ave' },
  { layer: 'GRU', units: 4, recurrentActivation: 'hardSigmoid', activation: 'softsign', returnState: true },
  { layer: 'GRU', units: 3, returnSequences: true, mergeMode: 'mul', dropout: 0.5 },
  { layer: 'SimpleRNN', units: 5, activation: 'relu', returnState: true, returnSequences: true },
  { layer: 'SimpleRNN', units: 2, activation: 'elu' },
];

describe("Bidirectional = tfjs' Bidirectional with the wrapped layer's options", () => {
  for (const raw of CASES) {
    it(JSON.stringify(raw), () => {
      const time = 5;
      const features = 3;
      const { ours, reference, ports } = buildBoth(raw, time, features);
      const params = paramsObjectSchema(decl.params).parse(raw);
      expect(decl.countParams({ params, inputs: { in: [[null, time, features]] } }).trainable).toBe(reference.countParams());
      expect(ours.countParams()).toBe(reference.countParams());
      const inferred = decl.inferShapes({ params, inputs: { in: [[null, time, features]] } });
      expect(Object.keys(inferred)).toEqual(ports);
      const x = patterned([2, time, features], 1);
      const a = ours.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
      const b = reference.apply(x, { training: false }) as tf.Tensor | tf.Tensor[];
      const as = Array.isArray(a) ? a : [a];
      const bs = Array.isArray(b) ? b : [b];
      expect(as.length).toBe(ports.length);
      expect(bs.length).toBe(as.length);
      as.forEach((t, i) => {
        expect(t.shape, ports[i]).toEqual(bs[i]!.shape);
        expect(maxDifference(t, bs[i]!), `${ports[i]} of ${JSON.stringify(raw)}`).toBeLessThanOrEqual(1e-5);
      });
      // Dropout, when set, acts in training only: the outputs change there.
      if (((raw['dropout'] as number | undefined) ?? 0) > 0) {
        const trained = ours.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
        const first = Array.isArray(trained) ? trained[0]! : trained;
        expect(maxDifference(first, as[0]!)).toBeGreaterThan(1e-3);
        tf.dispose(trained);
      }
      tf.dispose([x, ...as, ...bs]);
      ours.dispose();
      reference.dispose();
    });
  }

  it("hardSigmoid gates matter: sigmoid gates differ from tfjs-examples' hardSigmoid LSTM (the old, fixed behaviour)", () => {
    const { ours, reference } = buildBoth({ layer: 'LSTM', units: 4, recurrentActivation: 'hardSigmoid' }, 6, 3);
    const sigmoid = buildBoth({ layer: 'LSTM', units: 4 }, 6, 3).ours;
    sigmoid.setWeights(ours.getWeights());
    const x = patterned([2, 6, 3], 2, 2);
    const [exact, old, ref] = [ours, sigmoid, reference].map((m) => m.apply(x) as tf.Tensor);
    expect(maxDifference(exact!, ref!)).toBeLessThanOrEqual(1e-5);
    expect(maxDifference(old!, ref!)).toBeGreaterThan(1e-3);
    tf.dispose([x, exact!, old!, ref!]);
    [ours, sigmoid, reference].forEach((m) => m.dispose());
  });

  /** The output port names the declaration gives for these parameters. */
  const portNames = (raw: Params) => {
    const params = paramsObjectSchema(decl.params).parse(raw);
    const outputs = typeof decl.outputs === 'function' ? decl.outputs(params) : decl.outputs;
    return outputs.map((p) => p.name);
  };

  it('a graph saved before these options parses to the behaviour it had: tanh, sigmoid gates, no dropout, no states', () => {
    const params = paramsObjectSchema(decl.params).parse({ layer: 'GRU', units: 8, returnSequences: true, mergeMode: 'sum' });
    expect(params).toMatchObject({ activation: 'tanh', recurrentActivation: 'sigmoid', dropout: 0, recurrentDropout: 0, returnState: false });
    expect(portNames({ layer: 'GRU', units: 8 })).toEqual(['out']);
  });

  it('returnState gives forward then backward states, named ports', () => {
    expect(portNames({ layer: 'LSTM', returnState: true })).toEqual(['out', 'hForward', 'cForward', 'hBackward', 'cBackward']);
    expect(portNames({ layer: 'GRU', returnState: true })).toEqual(['out', 'hForward', 'hBackward']);
  });
});
