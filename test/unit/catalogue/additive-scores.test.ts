/**
 * The fused additive-attention scores (additive-scores.ts) against tfjs' own composition
 * (broadcast add, tanh, product with v): the op alone and the Attention layer with a padding mask,
 * scores/outputs and the gradient of every input and weight within 1e-4, with flat tensor counts:
 * on cpu (the typed-array op) and on wasm (Netwright's SIMD kernels, core/engine/simd, when units
 * is a multiple of 4; tfjs' path otherwise).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { additiveScores, additiveScoresStock, useStockAttention } from '../../../core/catalogue/layers/attention/additive-scores';
import { AttentionLayer } from '../../../core/catalogue/layers/attention/attention';
import { registerWasmKernelGaps } from '../../../core/engine/kernels';
import { ADDITIVE_SCORES, ADDITIVE_SCORES_GRAD } from '../../../core/engine/simd/kernels';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { expectClose, patterned } from './agreement';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

/** Deterministic values in [-scale, scale] (no randomness: a failure reproduces). */
interface Run {
  value: Float32Array;
  grads: Float32Array[];
}

/** The scores and the gradients of Σ scores·probe with respect to queries, keys and v. */
function runScores(scores: typeof additiveScores, inputs: tf.Tensor[], probe: tf.Tensor): Run {
  let value = new Float32Array();
  const { grads } = tf.tidy(() => {
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => {
      const s = scores(q, k, v);
      value = (s.dataSync() as Float32Array).slice();
      return tf.sum(tf.mul(s, probe));
    };
    return { grads: tf.grads(f)(inputs).map((g) => tf.keep(g)) };
  });
  const result = { value, grads: grads.map((g) => (g.dataSync() as Float32Array).slice()) };
  tf.dispose(grads);
  return result;
}

afterEach(() => useStockAttention(false));

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused additive attention scores = tfjs' composition (${backend})`, () => {
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

    // The last case has inputs up to ±15 so tanh saturates (the cut-off branches of the fast tanh).
    for (const [batch, tq, tv, units, scale] of [
      [1, 1, 1, 1, 1],
      [3, 4, 5, 6, 1],
      [2, 11, 32, 8, 2],
      [2, 3, 4, 5, 15],
      // Multiples of 4 units: the SIMD kernels on wasm (saturated tanh, and seq2seq-dates' shape).
      [2, 3, 4, 12, 15],
      [3, 11, 32, 64, 1],
    ] as const) {
      it(`scores and the gradients of queries, keys, v: [${batch}, ${tq}, ${tv}] x ${units} units, scale ${scale}`, () => {
        const q = patterned([batch, tq, units], 1, scale);
        const k = patterned([batch, tv, units], 2, scale);
        const v = patterned([units], 3);
        const probe = patterned([batch, tq, tv], 4);
        const stock = runScores(additiveScoresStock, [q, k, v], probe);
        const before = tf.memory().numTensors;
        const fused = runScores(additiveScores, [q, k, v], probe);
        expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
        expectClose(fused.value, stock.value, 'scores');
        ['d/dqueries', 'd/dkeys', 'd/dv'].forEach((label, i) => expectClose(fused.grads[i]!, stock.grads[i]!, label));
        tf.dispose([q, k, v, probe]);
      });
    }

    it('the Attention layer (additive, padding mask): context, weights and every gradient match tfjs', () => {
      const [batch, tq, tv, dq, dv] = [3, 4, 6, 5, 7];
      const layer = new AttentionLayer({ score: 'additive', units: 8, causal: false, inputSlots: [0, 1, 2] });
      const query = tf.variable(patterned([batch, tq, dq], 5));
      const values = tf.variable(patterned([batch, tv, dv], 6));
      // Sample 0 has two padded source positions, sample 1 one, sample 2 none.
      const mask = tf.tensor2d(
        Array.from({ length: batch * tv }, (_, i) => (i % tv >= tv - (2 - Math.floor(i / tv)) ? 0 : 1)),
        [batch, tv],
      );
      tf.dispose(layer.apply([query, values, mask]) as tf.Tensor[]);
      const probes = [patterned([batch, tq, dv], 7), patterned([batch, tq, tv], 8)];
      const run = () => {
        let outputs: Float32Array[] = [];
        const targets = [query, values, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
        const { value, grads } = tf.variableGrads(() => {
          const out = layer.apply([query, values, mask]) as tf.Tensor[];
          outputs = out.map((t) => (t.dataSync() as Float32Array).slice());
          return tf.addN(out.map((t, i) => tf.sum(tf.mul(t, probes[i]!)))) as tf.Scalar;
        }, targets);
        const named = new Map(Object.entries(grads).map(([name, g]) => [name, (g.dataSync() as Float32Array).slice()]));
        tf.dispose([value, ...Object.values(grads)]);
        return { outputs, grads: named };
      };
      useStockAttention(true);
      const stock = run();
      useStockAttention(false);
      const before = tf.memory().numTensors;
      const fused = run();
      expect(tf.memory().numTensors, 'tensors left behind').toBe(before);
      fused.outputs.forEach((o, i) => expectClose(o, stock.outputs[i]!, `output ${i}`));
      // query, values and the three weights (W1, W2, v).
      expect(fused.grads.size).toBe(5);
      for (const [name, g] of stock.grads) expectClose(fused.grads.get(name)!, g, `d/d${name}`);
      layer.dispose();
      tf.dispose([query, values, mask, ...probes]);
    });
  });
}

describe('additiveScores on wasm', () => {
  beforeAll(async () => {
    registerWasmKernelGaps();
    expect(await tf.setBackend('wasm')).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  it("runs Netwright's SIMD kernels forwards and backwards when units is a multiple of 4, tfjs' kernels otherwise", async () => {
    expect(await loadNodeSimdKernels()).toBe(true);
    const kernelsOf = async (units: number) => {
      const [q, k, v] = [patterned([2, 3, units], 1), patterned([2, 5, units], 2), patterned([units], 3)];
      const info = await tf.profile(() => tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(additiveScores(a, b, c)))([q, k, v])));
      tf.dispose([q, k, v]);
      return info.kernels.map((kernel) => kernel.name);
    };
    const simd = await kernelsOf(8);
    expect(simd).toContain(ADDITIVE_SCORES);
    expect(simd).toContain(ADDITIVE_SCORES_GRAD);
    expect(simd).not.toContain('Tanh');
    expect(await kernelsOf(6)).toContain('Tanh');
  });
});

describe('additiveScores input checks', () => {
  it('names the shapes that do not fit', () => {
    const q = tf.zeros([2, 3, 4]);
    const k = tf.zeros([2, 5, 6]);
    const v = tf.zeros([4]);
    expect(() => additiveScores(q, k, v)).toThrow(/batch and units must agree: queries \[2, 3, 4\], keys \[2, 5, 6\], v \[4\]/);
    expect(() => additiveScores(tf.zeros([3, 4]), k, v)).toThrow(/expected queries \[batch, Tq, units\]/);
    tf.dispose([q, k, v]);
  });
});
