/**
 * `npm run bench`: training throughput of the example families per Node backend, measured side by
 * side in one process against a hand-written tfjs model of the same architecture on the same
 * batches (the ratio shows what compiling a graph costs), plus the cost of the per-step
 * inspection statistics. Prints a table; timings are noisy, ratios are the figures to read.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { batchToTensors } from '../core/data/tensors';
import { bindFeeds, compileSeeded } from '../core/engine/run';
import { Trainer } from '../core/engine/trainer';
import { analyzeGraph, summarize } from '../core/graph';
import { getTemplate } from '../core/templates';
import { selectNodeBackend } from '../cli/node-backend';

type Feeds = tf.Tensor[];

/** Interleaved measurement rounds per case. */
const ROUNDS = 5;

interface HandWritten {
  /** One optimizer step on a batch; returns the loss (read back, as the app does). */
  step(byFeature: Record<string, tf.Tensor>): number;
  dispose(): void;
}

interface BenchCase {
  template: string;
  batchSize: number;
  backends: string[];
  handWritten?: () => HandWritten;
}

function sparseCe(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const depth = logits.shape[logits.shape.length - 1] as number;
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.cast(labels, 'int32'), depth), tf.logSoftmax(logits)), -1))) as tf.Scalar;
}

/** A tfjs model trained the textbook way: model.apply + optimizer.minimize. */
function handModel(model: tfl.LayersModel, inputs: string[], loss: (out: tf.Tensor, f: Record<string, tf.Tensor>) => tf.Scalar): HandWritten {
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
  return {
    step(f) {
      const cost = optimizer.minimize(() => {
        const xs = inputs.map((n) => f[n] as tf.Tensor);
        const out = model.apply(xs.length === 1 ? (xs[0] as tf.Tensor) : xs, { training: true }) as tf.Tensor;
        return loss(out, f);
      }, true);
      const value = (cost as tf.Scalar).dataSync()[0] as number;
      cost?.dispose();
      return value;
    },
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}

const CASES: BenchCase[] = [
  {
    template: 'mlp-mnist',
    batchSize: 64,
    backends: ['wasm', 'cpu'],
    handWritten: () =>
      handModel(
        tfl.sequential({
          layers: [
            tfl.layers.flatten({ inputShape: [28, 28, 1] }),
            tfl.layers.dense({ units: 128, activation: 'relu' }),
            tfl.layers.dropout({ rate: 0.2 }),
            tfl.layers.dense({ units: 10 }),
          ],
        }),
        ['image'],
        (out, f) => sparseCe(out, f.label as tf.Tensor),
      ),
  },
  {
    template: 'lenet-mnist',
    batchSize: 64,
    backends: ['wasm'],
    handWritten: () =>
      handModel(
        tfl.sequential({
          layers: [
            tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
            tfl.layers.maxPooling2d({ poolSize: 2 }),
            tfl.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
            tfl.layers.maxPooling2d({ poolSize: 2 }),
            tfl.layers.flatten(),
            tfl.layers.dense({ units: 120, activation: 'relu' }),
            tfl.layers.dense({ units: 84, activation: 'relu' }),
            tfl.layers.dense({ units: 10 }),
          ],
        }),
        ['image'],
        (out, f) => sparseCe(out, f.label as tf.Tensor),
      ),
  },
  {
    template: 'vae-mlp-mnist',
    batchSize: 64,
    backends: ['wasm'],
  },
  {
    template: 'lstm-sentiment',
    batchSize: 64,
    backends: ['wasm'],
  },
  {
    template: 'seq2seq-dates',
    batchSize: 64,
    backends: ['wasm'],
  },
];

interface Row {
  family: string;
  backend: string;
  netwright: number;
  netwrightStatsEvery4: number;
  netwrightNoStats: number;
  hand: number | null;
  gflops: number;
}

async function timeSteps(steps: number, run: () => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < steps; i++) await run();
  return (performance.now() - start) / 1000;
}

async function benchCase(c: BenchCase, backend: string): Promise<Row> {
  await tf.setBackend(backend);
  const template = getTemplate(c.template);
  if (!template) throw new Error(`no template ${c.template}`);
  const graph = template.build();
  graph.training.batchSize = c.batchSize;
  const dataset = await loadDataset(graph.training.dataset?.id as string, nodeFileSource());
  const compiled = compileSeeded(graph);
  const featureNames = bindFeeds(compiled, graph, dataset);
  const batches: { feeds: Feeds; byFeature: Record<string, tf.Tensor> }[] = [];
  for (const batch of dataset.train.batches({ batchSize: c.batchSize, shuffle: true, seed: 1 })) {
    const byFeature = batchToTensors(tf, batch);
    batches.push({ feeds: featureNames.map((n) => byFeature[n] as tf.Tensor), byFeature });
    if (batches.length === 8) break;
  }
  const withStats = new Trainer(compiled, graph.training, { trackStats: true });
  const withStats4 = new Trainer(compiled, graph.training, { trackStats: true, statsEvery: 4 });
  const noStats = new Trainer(compiled, graph.training, { trackStats: false });
  const hand = c.handWritten?.() ?? null;
  let i = 0;
  const next = () => batches[i++ % batches.length] as (typeof batches)[number];
  // Warm-up (kernels, shader or wasm compilation, allocations).
  for (let k = 0; k < 3; k++) {
    withStats.trainStep(next().feeds);
    withStats4.trainStep(next().feeds);
    noStats.trainStep(next().feeds);
    hand?.step(next().byFeature);
  }
  const steps = backend === 'cpu' ? 5 : c.template.startsWith('lenet') ? 6 : 15;
  const totals = { stats: 0, stats4: 0, noStats: 0, hand: 0 };
  // Interleaved rounds, so drifts in machine load hit all three alike. The engine's steps read
  // asynchronously, as the run loop does.
  for (let round = 0; round < ROUNDS; round++) {
    totals.stats += await timeSteps(steps, () => withStats.trainStepAsync(next().feeds));
    totals.stats4 += await timeSteps(steps, () => withStats4.trainStepAsync(next().feeds));
    totals.noStats += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
    if (hand) totals.hand += await timeSteps(steps, () => hand.step(next().byFeature));
  }
  const samples = ROUNDS * steps * c.batchSize;
  const flops = summarize(graph, analyzeGraph(graph)).totals.flops;
  const row: Row = {
    family: template.family + ` (${c.template})`,
    backend,
    netwright: samples / totals.stats,
    netwrightStatsEvery4: samples / totals.stats4,
    netwrightNoStats: samples / totals.noStats,
    hand: hand ? samples / totals.hand : null,
    // Forward + backward is about 3x the forward pass.
    gflops: (3 * flops * (samples / totals.noStats)) / 1e9,
  };
  withStats.dispose();
  withStats4.dispose();
  noStats.dispose();
  hand?.dispose();
  compiled.model.dispose();
  for (const b of batches) tf.dispose(Object.values(b.byFeature));
  return row;
}

async function main(): Promise<void> {
  // Also closes the wasm backend's kernel gaps, as the CLI does.
  const choice = await selectNodeBackend();
  console.log(`tfjs ${tf.version_core}; default backend ${choice.backend}`);
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  for (const c of CASES) {
    if (only.length > 0 && !only.includes(c.template)) continue;
    for (const backend of c.backends) {
      try {
        const row = await benchCase(c, backend);
        rows.push(row);
        console.log(JSON.stringify(row));
      } catch (err) {
        console.log(`${c.template} on ${backend}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  const header = ['family', 'backend', 'samples/s', 'GFLOP/s', 'hand-written samples/s', 'ratio (no stats / hand)', 'stats every step', 'stats every 4th'];
  const table = rows.map((r) => [
    r.family,
    r.backend,
    r.netwrightNoStats.toFixed(0),
    r.gflops.toFixed(2),
    r.hand === null ? '-' : r.hand.toFixed(0),
    r.hand === null ? '-' : (r.netwrightNoStats / r.hand).toFixed(3),
    `${((1 - r.netwright / r.netwrightNoStats) * 100).toFixed(1)}%`,
    `${((1 - r.netwrightStatsEvery4 / r.netwrightNoStats) * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of table) console.log(line(row));
}

await main();
