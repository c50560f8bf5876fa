/**
 * tfjs-layers' executor calls a layer once per output the model uses; the recurrent layers answer
 * the repeated calls of one forward pass from a CallMemo (core/catalogue/layers/call-memo.ts).
 * Checked: an LSTM returning sequence, h and c runs its recurrence once per forward pass (about
 * a third of the kernels it dispatched before), the memo never answers a call whose weights,
 * inputs or training flag changed, training gives the same weights as a model that reads one
 * output per layer call, and the tensor count stays flat.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLstm } from '../../../core/catalogue/layers/recurrent/tfjs-rnn';
import { CallMemo } from '../../../core/catalogue/layers/call-memo';
import { patterned } from './agreement';

/** source [6, 3] -> LSTM(5) returning sequence, h and c; all three are model outputs when `all`. */
function encoder(all: boolean): tfl.LayersModel {
  const source = tfl.input({ shape: [6, 3] });
  const [sequence, h, c] = createLstm({ units: 5, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' }).apply(source) as tfl.SymbolicTensor[];
  return tfl.model({ inputs: source, outputs: all ? [sequence!, h!, c!] : sequence! });
}

async function kernelsOfOneForwardPass(model: tfl.LayersModel, x: tf.Tensor): Promise<number> {
  const info = await tf.profile(() => tf.dispose(model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[]));
  return info.kernels.length;
}

describe('CallMemo: one computation per forward pass for a layer with several outputs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('an LSTM returning sequence, h and c dispatches its recurrence once, not three times', async () => {
    const one = encoder(false);
    const three = encoder(true);
    const x = patterned([2, 6, 3], 1);
    const kernelsOne = await kernelsOfOneForwardPass(one, x);
    const kernelsThree = await kernelsOfOneForwardPass(three, x);
    // Without the memo: 3x (each call runs the whole layer). With it: a few more slices at most.
    expect(kernelsThree).toBeLessThan(1.5 * kernelsOne);
    one.dispose();
    three.dispose();
    x.dispose();
  });

  it('answers again only for the same inputs, weight buffers and training flag', () => {
    const layer = createLstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' });
    const x = patterned([2, 3, 2], 2);
    const first = layer.apply(x) as tf.Tensor;
    expect(layer.apply(x)).toBe(first);
    // A training call is another call (dropout could apply there).
    const training = layer.apply(x, { training: true }) as tf.Tensor;
    expect(training).not.toBe(first);
    // New weights (setWeights assigns new buffers): recomputed, and equal to a fresh computation.
    layer.setWeights(layer.getWeights().map((w, i) => patterned(w.shape, 30 + i, 0.5)));
    const afterUpdate = layer.apply(x) as tf.Tensor;
    expect(afterUpdate).not.toBe(first);
    const y = x.clone();
    const fresh = layer.apply(y) as tf.Tensor;
    expect(fresh).not.toBe(afterUpdate);
    expect(Array.from(afterUpdate.dataSync())).toEqual(Array.from(fresh.dataSync()));
    expect(Array.from(afterUpdate.dataSync())).not.toEqual(Array.from(first.dataSync()));
    // A disposed result is never handed out.
    fresh.dispose();
    const again = layer.apply(y) as tf.Tensor;
    expect(again.isDisposed).toBe(false);
    tf.dispose([first, training, afterUpdate, again, x, y]);
    layer.dispose();
  });

  it('forgets a result whose input was disposed, even if a new tensor reuses nothing else', () => {
    const memo = new CallMemo();
    const weight = { read: () => w };
    const w = tf.scalar(2);
    const a = tf.scalar(1);
    const first = memo.run({ inputs: [a], weights: [weight], training: false }, () => tf.mul(a, w));
    a.dispose();
    let computed = false;
    const b = tf.scalar(1);
    const second = memo.run({ inputs: [b], weights: [weight], training: false }, () => ((computed = true), tf.mul(b, w)));
    expect(computed).toBe(true);
    tf.dispose([first as tf.Tensor, second as tf.Tensor, b, w]);
  });

  it('training through all three outputs gives the weights of separate one-output calls, tensor count flat', () => {
    const trained: Float32Array[] = [];
    for (const viaModel of [true, false]) {
      const source = tfl.input({ shape: [6, 3] });
      const layer = createLstm({ units: 5, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' });
      const outputs = layer.apply(source) as tfl.SymbolicTensor[];
      const model = tfl.model({ inputs: source, outputs });
      model.setWeights(model.getWeights().map((w, i) => patterned(w.shape, 40 + i, 0.5)));
      const x = patterned([2, 6, 3], 3);
      const probes = [patterned([2, 6, 5], 4), patterned([2, 5], 5), patterned([2, 5], 6)];
      const optimizer = tf.train.adam(0.01);
      const loss = () => {
        // The oracle calls the layer itself, once, and reads the three outputs of that call.
        const out = (viaModel ? model.apply(x, { training: true }) : layer.apply(x, { training: true })) as tf.Tensor[];
        return tf.addN(out.map((o, i) => tf.sum(tf.mul(o, probes[i]!)))) as tf.Scalar;
      };
      optimizer.minimize(loss);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) optimizer.minimize(loss);
      expect(tf.memory().numTensors, `viaModel=${viaModel}`).toBe(before);
      trained.push(Float32Array.from(model.getWeights().flatMap((w) => [...(w.dataSync() as Float32Array)])));
      model.dispose();
      optimizer.dispose();
      tf.dispose([x, ...probes]);
    }
    const worst = trained[0]!.reduce((m, v, i) => Math.max(m, Math.abs(v - trained[1]![i]!)), 0);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});
