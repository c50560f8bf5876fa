/**
 * `npx tsx scripts/bench-simd-kernels.ts [rounds]`: each of Netwright's SIMD kernels against what it
 * replaces on wasm, at seq2seq-dates' shapes, forward + backward, in interleaved rounds (process
 * CPU time, ms per call, median over rounds):
 *  - additive attention scores [64, 11, 32] x 64 units: SIMD op vs tfjs' composition;
 *  - LSTM sequence [64, 32, 32] -> 64 units (the encoder) and [64, 11, 32] with initial states
 *    (the decoder): SIMD op vs the typed-array fused op it replaces vs tfjs' unrolled layer.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { selectNodeBackend } from '../cli/node-backend';
import { additiveScores, useStockAttention } from '../core/catalogue/layers/attention/additive-scores';
import { fusedRecurrence, type FusedRecurrenceSpec } from '../core/catalogue/layers/recurrent/fused-recurrence';
import { simdStatus, useSimdKernels } from '../core/engine/simd';

function cpuMs(f: () => void, repeats: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < repeats; i++) f();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / repeats;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  await selectNodeBackend('wasm');
  console.log(`backend ${tf.getBackend()}, SIMD ${simdStatus()}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rounds = Number(process.argv[2] ?? 7);
  const rand = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 1);
  const q = rand([64, 11, 64]);
  const k = rand([64, 32, 64]);
  const v = rand([64]);
  const attention = () =>
    tf.tidy(() => {
      const [a, b, c] = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(additiveScores(x, y, z), 0.5)))([q, k, v]);
      a!.dataSync();
      b!.dataSync();
      c!.dataSync();
    });
  const lstm = (batch: number, time: number, initial: boolean) => {
    const spec: FusedRecurrenceSpec = { kind: 'LSTM', units: 64, activation: 'tanh', recurrentActivation: 'sigmoid', goBackwards: false };
    const x = rand([batch, time, 32]);
    const w = tf.mul(rand([32, 256]), 0.2);
    const u = tf.mul(rand([64, 256]), 0.2);
    const b = rand([256]);
    const h0 = rand([batch, 64]);
    const c0 = rand([batch, 64]);
    return () =>
      tf.tidy(() => {
        const f = (xx: tf.Tensor, ww: tf.Tensor, uu: tf.Tensor, bb: tf.Tensor) => {
          const r = fusedRecurrence(spec, xx, ww, uu, bb, initial ? [h0, c0] : null);
          return tf.add(tf.sum(r.sequence), tf.sum(r.states[1]!));
        };
        for (const g of tf.grads(f)([x, w, u, b])) g.dataSync();
      });
  };
  const cases: [string, () => void, [string, () => void][]][] = [
    ['additive scores [64,11,32]x64', attention, [
      ['SIMD', () => { useSimdKernels(true); useStockAttention(false); }],
      ["tfjs' kernels", () => { useSimdKernels(true); useStockAttention(true); }],
    ]],
    ['LSTM encoder [64,32,32]->64', lstm(64, 32, false), [
      ['SIMD', () => useSimdKernels(true)],
      ['typed-array op', () => useSimdKernels(false)],
    ]],
    ['LSTM decoder [64,11,32]->64 + states', lstm(64, 11, true), [
      ['SIMD', () => useSimdKernels(true)],
      ['typed-array op', () => useSimdKernels(false)],
    ]],
  ];
  for (const [name, run, variants] of cases) {
    const times = variants.map(() => [] as number[]);
    for (const [, set] of variants) { set(); run(); }
    for (let r = 0; r < rounds; r++) {
      variants.forEach(([, set], i) => {
        set();
        times[i]!.push(cpuMs(run, 3));
      });
    }
    const medians = times.map(median);
    console.log(`${name}: ${variants.map(([label], i) => `${label} ${medians[i]!.toFixed(2)} ms`).join(', ')}; ratio ${(medians[1]! / medians[0]!).toFixed(2)}x`);
  }
  useSimdKernels(true);
  useStockAttention(false);
  console.log(`load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
