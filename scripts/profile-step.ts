/**
 * `npx tsx scripts/profile-step.ts [template] [steps]`: one template's training step on wasm as a
 * per-kernel table (kernel name and input shapes, calls per step, ms per step, share), from
 * tf.profile over a few steps after a warm-up. Composite kernels (a kernel that calls others, the
 * fused recurrence's customGrad op) include the time of the kernels they call, so shares overlap;
 * the table also prints the step's CPU time so the sum can be compared with it. Kernel times are
 * the JavaScript thread's CPU time around each kernel (see threadMs; not wall time, which on a
 * shared machine counts the time slices other jobs get: at load 28 a 640-element Multiply "took"
 * 2.7 ms); each includes ~10 µs of reading /proc.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { batchToTensors } from '../core/data/tensors';
import { bindFeeds, compileSeeded } from '../core/engine/run';
import { Trainer } from '../core/engine/trainer';
import { getTemplate } from '../core/templates';
import { selectNodeBackend } from '../cli/node-backend';

/**
 * CPU time of this (the JavaScript) thread in ms, from Linux's schedstat; the process's CPU time
 * elsewhere. The process's also counts V8's garbage-collector and compiler threads, whose work
 * lands on whichever kernel runs meanwhile: a norm of 100k values "took" 0.8 ms right after a
 * training step, 0.1 ms alone (this thread: 0.3 ms, reading the file included).
 */
function threadMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  }
}

async function main(): Promise<void> {
  await selectNodeBackend();
  await tf.setBackend('wasm');
  const name = process.argv[2] ?? 'seq2seq-dates';
  const steps = Number(process.argv[3] ?? 3);
  const template = getTemplate(name);
  if (!template) throw new Error(`no template ${name}`);
  const graph = template.build();
  const dataset = await loadDataset(graph.training.dataset?.id as string, nodeFileSource());
  const compiled = compileSeeded(graph);
  const featureNames = bindFeeds(compiled, graph, dataset);
  const batch = dataset.train.batches({ batchSize: graph.training.batchSize, shuffle: true, seed: 1 })[Symbol.iterator]().next().value!;
  const byFeature = batchToTensors(tf, batch);
  const feeds = featureNames.map((n) => byFeature[n] as tf.Tensor);
  const trainer = new Trainer(compiled, graph.training, { trackStats: false });
  for (let i = 0; i < 3; i++) trainer.trainStep(feeds);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) trainer.trainStep(feeds);
  const cpu = process.cpuUsage(cpu0);
  const stepMs = (cpu.user + cpu.system) / 1000 / steps;
  // The profiler times kernels with the backend's time(); in CPU time instead of wall time.
  const timed = tf.backend() as unknown as { time(f: () => void): Promise<{ kernelMs: number }> };
  timed.time = async (f) => {
    const start = threadMs();
    f();
    return { kernelMs: threadMs() - start };
  };
  const info = await tf.profile(() => {
    for (let i = 0; i < steps; i++) trainer.trainStep(feeds);
  });
  const rows = new Map<string, { calls: number; ms: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(await k.kernelTimeMs) || 0;
    const key = `${k.name} ${k.inputShapes.map((s) => `[${(s ?? []).join(',')}]`).join(' ')}`;
    const row = rows.get(key) ?? { calls: 0, ms: 0 };
    row.calls += 1;
    row.ms += ms;
    rows.set(key, row);
    total += ms;
  }
  const byName = new Map<string, number>();
  for (const [key, r] of rows) byName.set(key.split(' ')[0]!, (byName.get(key.split(' ')[0]!) ?? 0) + r.ms);
  console.log(`${name}: step CPU time ${stepMs.toFixed(1)} ms (unprofiled), kernels/step ${(info.kernels.length / steps).toFixed(0)}, kernel ms/step (overlapping) ${(total / steps).toFixed(1)}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('by kernel name (ms/step):');
  for (const [n, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${(ms / steps).toFixed(2).padStart(8)}  ${n}`);
  console.log('by kernel and input shapes (calls/step, ms/step):');
  for (const [key, r] of [...rows].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(process.env.ROWS ?? 40))) {
    console.log(`  ${(r.calls / steps).toFixed(0).padStart(5)}  ${(r.ms / steps).toFixed(2).padStart(8)}  ${key}`);
  }
  trainer.dispose();
}

await main();
