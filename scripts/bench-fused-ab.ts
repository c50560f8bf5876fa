/**
 * `npx tsx scripts/bench-fused-ab.ts <template> <dense|xent> [steps]`: one template's training
 * steps on wasm with the fused Dense op (fused-dense.ts) or the fused cross-entropy
 * (fused-crossentropy.ts) on and off, alternating in 16 rounds (ABBA order) after a warm-up:
 * samples/s from process CPU time and the median round of each. Two variants and many short
 * rounds resolve a 5-10% difference that `npm run bench`'s six rounds of a dozen variants do not
 * at load 20+.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { batchToTensors } from '../core/data/tensors';
import { bindFeeds, compileSeeded } from '../core/engine/run';
import { Trainer } from '../core/engine/trainer';
import { getTemplate } from '../core/templates';
import { selectNodeBackend } from '../cli/node-backend';
import { useStockCrossentropy } from '../core/catalogue/layers/losses/fused-crossentropy';
import { useStockDense } from '../core/catalogue/layers/core/fused-dense';

await selectNodeBackend();
await tf.setBackend('wasm');
const name = process.argv[2] ?? 'mlp-mnist';
const what = process.argv[3] ?? 'dense';
if (what !== 'dense' && what !== 'xent') throw new Error(`bench-fused-ab: the second argument is dense or xent, got ${what}`);
const toggle = what === 'xent' ? useStockCrossentropy : useStockDense;
const template = getTemplate(name);
if (!template) throw new Error(`bench-fused-ab: no template ${name}`);
const graph = template.build();
const dataset = await loadDataset(graph.training.dataset?.id as string, nodeFileSource());
const compiled = compileSeeded(graph);
const featureNames = bindFeeds(compiled, graph, dataset);
const feedsList: tf.Tensor[][] = [];
for (const batch of dataset.train.batches({ batchSize: graph.training.batchSize, shuffle: true, seed: 1 })) {
  const byFeature = batchToTensors(tf, batch);
  feedsList.push(featureNames.map((n) => byFeature[n] as tf.Tensor));
  if (feedsList.length === 8) break;
}
const trainer = new Trainer(compiled, graph.training, { trackStats: false });
let i = 0;
const steps = Number(process.argv[4] ?? 10);
const run = async (stock: boolean) => {
  toggle(stock);
  const t = process.cpuUsage();
  for (let s = 0; s < steps; s++) await trainer.trainStepAsync(feedsList[i++ % 8]!);
  const u = process.cpuUsage(t);
  toggle(false);
  return (u.user + u.system) / 1000;
};
// Warm-up: both paths' kernels and code.
for (let w = 0; w < 2; w++) {
  await run(true);
  await run(false);
}
const times = { fused: [] as number[], stock: [] as number[] };
for (let r = 0; r < 16; r++) {
  const order = r % 2 === 0 ? [false, true] : [true, false];
  for (const stock of order) (stock ? times.stock : times.fused).push(await run(stock));
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
const batchSize = graph.training.batchSize;
console.log(`${name} ${what}: fused ${(batchSize * steps * 16 / sum(times.fused) * 1000).toFixed(0)} samples/s (median round ${med(times.fused).toFixed(0)} ms), stock ${(batchSize * steps * 16 / sum(times.stock) * 1000).toFixed(0)} (median ${med(times.stock).toFixed(0)} ms); load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
