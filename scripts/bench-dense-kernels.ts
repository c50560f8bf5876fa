/**
 * `npx tsx scripts/bench-dense-kernels.ts`: the fused Dense kernels (core/engine/simd/dense.c)
 * against tfjs' wasm path for the same work, per shape (ms per call, process CPU time, best of
 * interleaved rounds).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { selectNodeBackend } from '../cli/node-backend';
import { fusedDense } from '../core/catalogue/layers/core/fused-dense';

/** Process CPU time in ms (getrusage is exact; /proc's schedstat advances only at scheduler ticks). */
function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

function time(reps: number, f: () => void): number {
  for (let i = 0; i < 5; i++) f();
  const t0 = cpuMs();
  for (let i = 0; i < reps; i++) f();
  return (cpuMs() - t0) / reps;
}

await selectNodeBackend();
await tf.setBackend('wasm');
const shapes: [number, number, number][] = [
  [64, 784, 128],
  [64, 128, 10],
  [64, 400, 120],
  [64, 120, 84],
  [64, 84, 10],
  [64, 784, 350],
];
console.log(`load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const f = (v: number) => v.toFixed(3).padStart(7);
for (const [m, k, n] of shapes) {
  const x = tf.randomNormal([m, k]);
  const xv = tf.variable(x);
  const w = tf.variable(tf.randomNormal([k, n]));
  const b = tf.variable(tf.randomNormal([n]));
  const reps = Math.max(20, Math.round(3e8 / (m * k * n)));
  // The weights change every step in training: a fresh copy per call (XNNPACK then repacks them).
  const fresh = () => tf.mul(w, 1);
  const stock = (a: tf.Tensor, kernel: tf.Tensor) => tf.fused.matMul({ a, b: kernel, bias: b, activation: 'relu' });
  const fused = (a: tf.Tensor, kernel: tf.Tensor) => fusedDense(a, kernel, b, 'relu');
  const cases: Record<string, () => void> = {
    'copy of W': () => tf.tidy(() => void fresh()),
    'forward stock': () => tf.tidy(() => void stock(x, fresh())),
    'forward fused': () => tf.tidy(() => void fused(x, fresh())),
    'fwd+dW+db stock': () => tf.tidy(() => void tf.variableGrads(() => tf.sum(stock(x, w)), [w, b])),
    'fwd+dW+db fused': () => tf.tidy(() => void tf.variableGrads(() => tf.sum(fused(x, w)), [w, b])),
    'fwd+dx stock': () => tf.tidy(() => void tf.variableGrads(() => tf.sum(stock(xv, w)), [xv])),
    'fwd+dx fused': () => tf.tidy(() => void tf.variableGrads(() => tf.sum(fused(xv, w)), [xv])),
  };
  const best: Record<string, number> = {};
  // Interleaved rounds, the best of each (the machine is shared).
  for (let round = 0; round < 5; round++) {
    for (const [name, run] of Object.entries(cases)) best[name] = Math.min(best[name] ?? Infinity, time(reps, run));
  }
  console.log(`[${m},${k}]x[${k},${n}] relu, ms per call: ${Object.entries(best).map(([name, ms]) => `${name} ${f(ms)}`).join(' |')}`);
  tf.dispose([x, xv, w, b]);
}
console.log(`load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
