/**
 * The cost of the trainer's inspection statistics alone, on one example (default mlp-mnist, wasm):
 * interleaved rounds of trainers that differ only in their statistics options, CPU time.
 * Usage: npx tsx scripts/bench-stats.ts [template] [rounds]
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { batchToTensors } from '../core/data/tensors';
import { bindFeeds, compileSeeded } from '../core/engine/run';
import { Trainer, type TrainerOptions } from '../core/engine/trainer';
import { getTemplate } from '../core/templates';
import { selectNodeBackend } from '../cli/node-backend';

const template = process.argv[2] ?? 'mlp-mnist';
const ROUNDS = Number(process.argv[3] ?? 20);
const STEPS = 20;

await selectNodeBackend();
await tf.setBackend('wasm');
const graph = getTemplate(template)?.build();
if (!graph) throw new Error(`no template ${template}`);
graph.training.batchSize = 64;
const dataset = await loadDataset(graph.training.dataset?.id as string, nodeFileSource());
const compiled = compileSeeded(graph);
const names = bindFeeds(compiled, graph, dataset);
const batches: tf.Tensor[][] = [];
for (const batch of dataset.train.batches({ batchSize: 64, shuffle: true, seed: 1 })) {
  const byFeature = batchToTensors(tf, batch);
  batches.push(names.map((n) => byFeature[n] as tf.Tensor));
  if (batches.length === 8) break;
}
const variants: [string, TrainerOptions][] = [
  ['no statistics', { trackStats: false }],
  ['every 5th step', { trackStats: true, statsEvery: 5 }],
  ['every step', { trackStats: true, statsEvery: 1 }],
];
const trainers = variants.map(([, o]) => new Trainer(compiled, graph.training, o));
const cpu = variants.map(() => 0);
let b = 0;
const next = () => batches[b++ % batches.length] as tf.Tensor[];
for (const t of trainers) for (let i = 0; i < 5; i++) await t.trainStepAsync(next());
const tensorsBefore = tf.memory().numTensors;
for (let r = 0; r < ROUNDS; r++) {
  for (let v = 0; v < trainers.length; v++) {
    const k = (v + r) % trainers.length;
    const t = trainers[k] as Trainer;
    const start = process.cpuUsage();
    for (let i = 0; i < STEPS; i++) await t.trainStepAsync(next());
    const used = process.cpuUsage(start);
    cpu[k] = (cpu[k] as number) + (used.user + used.system) / 1e6;
  }
}
const base = cpu[0] as number;
const samples = ROUNDS * STEPS * 64;
for (let v = 0; v < variants.length; v++) {
  const s = cpu[v] as number;
  console.log(`${(variants[v] as [string, TrainerOptions])[0].padEnd(16)} ${(samples / s).toFixed(0).padStart(7)} samples/s  cost ${(100 * (1 - base / s)).toFixed(1)}%`);
}
console.log(`tensors ${tensorsBefore} -> ${tf.memory().numTensors}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
