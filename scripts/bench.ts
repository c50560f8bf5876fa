/**
 * `npm run bench`: training throughput of the example families per Node backend, measured side by
 * side in interleaved rounds of one run:
 *  - Netwright (the engine's Trainer, no statistics) with Netwright's wasm kernels, and the same
 *    with the stock tfjs kernels put back (what the kernels in core/engine/kernels/ and the SIMD
 *    kernels in core/engine/simd/ buy), and without the SIMD kernels alone (their paths before);
 *  - the same with tfjs' own Dense kernels instead of the fused Dense op (fused-dense.ts), for
 *    models with Dense layers on wasm;
 *  - the same with tfjs' ops for the sparse softmax cross-entropy instead of the fused kernel
 *    (fused-crossentropy.ts), for models with that loss from logits on wasm;
 *  - the same with tfjs' Adam (14 elementwise kernels per variable) instead of the fused update
 *    (kernels/adam.ts), for models trained with Adam on wasm;
 *  - a hand-written tfjs model of the same architecture on the same batches (what compiling a
 *    graph costs);
 *  - a PyTorch peer (bench/torch_peers.py, one thread) when Debian's /usr/bin/python3 has torch
 *    (`apt-get install -y python3-torch libopenblas0-pthread`); the column is '-' otherwise;
 *  - the cost of the per-step inspection statistics: every step, and every 5th step (the app's
 *    rate, renderer/engine/training-session.ts).
 * Also per model: achieved GFLOP/s, kernels dispatched per step and the kernels taking the most
 * time (three profiled steps; composite kernels include the time of the kernels they call).
 * Times are CPU time of the measuring process (see timeSteps), and every row carries the load
 * average: the machine is shared, ratios measured in one interleaved run are the figures to read. Not part of `npm test` (CI has no torch).
 * Usage: npm run bench [-- template ...]
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
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
import { registerWasmKernelGaps, unregisterWasmFastMatMul } from '../core/engine/kernels';
import { simdStatus, useSimdKernels } from '../core/engine/simd';
import { useConvSimdKernels } from '../core/engine/simd/conv-kernels';
import { conv2dBackpropFilter } from '../core/engine/kernels/conv-backprop';
import { useStockRecurrence } from '../core/catalogue/layers/recurrent/tfjs-rnn';
import { useStockAttention } from '../core/catalogue/layers/attention/additive-scores';
import { useStockDense } from '../core/catalogue/layers/core/fused-dense';
import { useStockCrossentropy } from '../core/catalogue/layers/losses/fused-crossentropy';
import { ADAM_UPDATE_KERNEL, registerAdamUpdateKernels } from '../core/engine/kernels/adam';

type Feeds = tf.Tensor[];

/**
 * tfjs' own wasm kernels that Netwright replaces for speed, captured before registerWasmKernelGaps
 * runs (selectNodeBackend calls it): the "stock kernels" column runs with these put back. (The
 * stock MaxPoolGrad is also wrong for all-negative windows; its speed is what is compared.)
 */
const STOCK_WASM_KERNELS = [tf.Conv2DBackpropInput, tf.MaxPoolGrad, tf.Identity].map((name) => {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`no stock wasm kernel ${name}`);
  return config;
});

/**
 * Conv2DBackpropFilter, which tfjs' wasm backend lacks: the column uses the convolution-based
 * kernel alone (conv-backprop.ts), without the im2col product for small patches.
 */
const BEFORE_IM2COL: tf.KernelConfig = { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2dBackpropFilter };

function useStockWasmKernels(): void {
  useSimdKernels(false);
  unregisterWasmFastMatMul();
  // Adam's update as tfjs' 14 elementwise kernels per variable (FusedAdamOptimizer checks at every step).
  if (tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm')) tf.unregisterKernel(ADAM_UPDATE_KERNEL, 'wasm');
  for (const config of [...STOCK_WASM_KERNELS, BEFORE_IM2COL]) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
    // Its setup (binding the wasm function) did not run at backend start: ours was registered then.
    config.setupFunc?.(tf.findBackend('wasm') as tf.KernelBackend);
  }
}

function useNetwrightWasmKernels(): void {
  // A kernel wasm lacks is registered only when absent.
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  registerWasmKernelGaps();
  registerAdamUpdateKernels();
  useSimdKernels(true);
}

/** Statistics every this many steps, as the app trains (renderer/engine/training-session.ts). */
const STATS_EVERY_IN_APP = 5;

/** Interleaved measurement rounds per case. */
const ROUNDS = 6;

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
  /** bench/torch_peers.py has a peer of this template. */
  torchPeer?: boolean;
}

const PYTHON = '/usr/bin/python3';
const TORCH_PEERS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'torch_peers.py');

/** Why there is no PyTorch column, or null when /usr/bin/python3 imports torch. */
function torchMissing(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON}: ${probe.error.message}`;
  if (probe.status !== 0) return `${PYTHON} has no torch (apt-get install -y python3-torch libopenblas0-pthread)`;
  return null;
}

/** A PyTorch peer in a child process, timed round by round between the tfjs rounds. */
class TorchPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor() {
    // One thread, as tfjs' wasm backend in Node.
    this.child = spawn(PYTHON, [TORCH_PEERS], { env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(`[torch] ${d.toString()}`));
    this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  private async ask(command: string): Promise<Record<string, unknown>> {
    this.child.stdin.write(command + '\n');
    const next = await this.lines.next();
    if (next.done) throw new Error(`PyTorch peer exited during "${command}"`);
    const answer = JSON.parse(next.value) as Record<string, unknown>;
    if (typeof answer['error'] === 'string') throw new Error(`PyTorch peer, "${command}": ${answer['error']}`);
    return answer;
  }

  async setup(template: string, batchSize: number): Promise<void> {
    await this.ask(`setup ${template} ${batchSize}`);
  }

  /** CPU seconds of the peer's process for `steps` optimizer steps (see timeSteps). */
  async round(steps: number): Promise<number> {
    return (await this.ask(`round ${steps}`))['cpu_seconds'] as number;
  }

  close(): void {
    this.child.stdin.end();
  }
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
    torchPeer: true,
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
    torchPeer: true,
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
    torchPeer: true,
  },
  {
    template: 'transformer-sentiment',
    batchSize: 64,
    backends: ['wasm'],
  },
];

interface Row {
  family: string;
  backend: string;
  netwright: number;
  netwrightStatsEvery5: number;
  netwrightNoStats: number;
  /** No statistics, with the stock tfjs kernels instead of Netwright's fast ones (wasm only). */
  netwrightStock: number | null;
  /** No statistics, recurrent layers on tfjs' unrolled steps instead of the fused op (models with one). */
  netwrightStockRecurrent: number | null;
  /** No statistics, additive attention on tfjs' kernels instead of the fused scores op (models with one). */
  netwrightStockAttention: number | null;
  /** No statistics, Dense layers on tfjs' kernels instead of the fused Dense op (models with one, wasm). */
  netwrightStockDense: number | null;
  /** No statistics, the sparse softmax cross-entropy on tfjs' ops instead of the fused kernel (models with it, wasm). */
  netwrightStockXent: number | null;
  /** No statistics, Adam as tfjs' elementwise kernels instead of the fused update (models trained with Adam, wasm). */
  netwrightStockAdam: number | null;
  /** No statistics, without Netwright's SIMD kernels (the typed-array LSTM op, tfjs' attention): wasm models that use them. */
  netwrightNoSimd: number | null;
  /** Without the fused Conv2D op and the SIMD MaxPoolGrad (useConvSimdKernels(false); wasm, models with Conv2D or MaxPool2D). */
  netwrightNoFusedConv: number | null;
  hand: number | null;
  torch: number | null;
  gflops: number;
  kernelsPerStep: number;
  kernelsPerStepStockRecurrent: number | null;
  /** The kernels taking the most time in one profiled step: name and share of the kernel time. */
  topKernels: string;
  loadAverage: string;
}

/** Kernels dispatched per training step, and the most expensive ones by name (over 3 steps). */
async function profileStep(trainer: Trainer, feeds: Feeds): Promise<{ count: number; top: string }> {
  const STEPS = 3;
  const info = await tf.profile(() => {
    for (let i = 0; i < STEPS; i++) trainer.trainStep(feeds);
  });
  const byName = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(await k.kernelTimeMs) || 0;
    byName.set(k.name, (byName.get(k.name) ?? 0) + ms);
    total += ms;
  }
  const top = [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, ms]) => `${name} ${((100 * ms) / Math.max(total, 1e-9)).toFixed(0)}%`)
    .join(', ');
  return { count: Math.round(info.kernels.length / STEPS), top };
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * The order of the variants in a round: rows of a Williams design, in which every variant follows
 * every other one equally often (exactly for an even count over that many rounds; the rows for an
 * odd count are its square and the square reversed). The variant that runs right after another
 * one pays for what that one left (garbage, caches, re-optimised code): in a plain rotation (the
 * same neighbours every round) on mlp-mnist at load 2-11, "no statistics" gave 13,880-14,802
 * samples/s at its place and 12,036-12,896 when listed first (right after the stock-kernel round,
 * or the PyTorch round after it), and the statistics columns read that as their cost: every 5th
 * step 9.4-11.6% one way, -10.4% to -12.7% the other.
 */
function balancedOrder(n: number, round: number): number[] {
  // First row 0, 1, n-1, 2, n-2, ...; row r adds r to every entry (mod n).
  const first: number[] = [];
  for (let i = 0, lo = 1, hi = n - 1; i < n; i++) first.push(i === 0 ? 0 : i % 2 === 1 ? lo++ : hi--);
  const r = round % (n % 2 === 0 ? n : 2 * n);
  const row = first.map((v) => (v + r) % n);
  return r >= n ? row.reverse() : row;
}

/**
 * CPU seconds this process spends on `steps` steps (user + system, all its threads). On a
 * machine shared with other jobs, wall time also counts the time slices the scheduler gives to
 * them (load 20 on 2 cores stretched rounds by 2-10x, unevenly); CPU time measures the work.
 * The PyTorch peer reports its own process's CPU time the same way.
 */
async function timeSteps(steps: number, run: () => unknown): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < steps; i++) await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function benchCase(c: BenchCase, backend: string, torch: TorchPeer | null): Promise<Row> {
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
  const withStats5 = new Trainer(compiled, graph.training, { trackStats: true, statsEvery: STATS_EVERY_IN_APP });
  const noStats = new Trainer(compiled, graph.training, { trackStats: false });
  const hand = c.handWritten?.() ?? null;
  const stockSideBySide = backend === 'wasm';
  const recurrent = graph.nodes.some((n) => ['LSTM', 'GRU', 'SimpleRNN', 'Bidirectional'].includes(n.type));
  const additiveAttention = graph.nodes.some((n) => n.type === 'Attention' && n.params['score'] === 'additive');
  const convolutional = backend === 'wasm' && graph.nodes.some((n) => n.type === 'Conv2D' || n.type === 'MaxPool2D');
  const denseSideBySide = backend === 'wasm' && graph.nodes.some((n) => n.type === 'Dense');
  const xentSideBySide = backend === 'wasm' && graph.nodes.some((n) => (n.type === 'SparseCategoricalCrossentropy' && n.params['fromLogits'] !== false) || n.type === 'SequenceCrossentropy');
  const peer = c.torchPeer && backend === 'wasm' ? torch : null;
  if (peer) await peer.setup(c.template, c.batchSize);
  let i = 0;
  const next = () => batches[i++ % batches.length] as (typeof batches)[number];
  // Warm-up (kernels, shader or wasm compilation, allocations).
  for (let k = 0; k < 3; k++) {
    withStats.trainStep(next().feeds);
    withStats5.trainStep(next().feeds);
    noStats.trainStep(next().feeds);
    hand?.step(next().byFeature);
    if (stockSideBySide) {
      useStockWasmKernels();
      noStats.trainStep(next().feeds);
      useNetwrightWasmKernels();
    }
  }
  if (peer) await peer.round(3);
  const slow = c.template.startsWith('lenet') || c.template.startsWith('seq2seq') || c.template.startsWith('lstm') || c.template.startsWith('transformer');
  const steps = backend === 'cpu' ? 5 : slow ? 6 : 15;
  const simdSideBySide = backend === 'wasm' && (recurrent || additiveAttention);
  const totals = { stats: 0, stats5: 0, noStats: 0, stock: 0, stockRecurrent: 0, stockAttention: 0, stockDense: 0, stockXent: 0, stockAdam: 0, noSimd: 0, noFusedConv: 0, hand: 0, torch: 0 };
  // Interleaved rounds, so drifts in machine load hit every variant alike, in a balanced order
  // (see balancedOrder). The engine's steps read asynchronously, as the run loop does.
  const variants: (() => Promise<void>)[] = [
    async () => void (totals.stats += await timeSteps(steps, () => withStats.trainStepAsync(next().feeds))),
    async () => void (totals.stats5 += await timeSteps(steps, () => withStats5.trainStepAsync(next().feeds))),
    async () => void (totals.noStats += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds))),
  ];
  if (hand) variants.push(async () => void (totals.hand += await timeSteps(steps, () => hand.step(next().byFeature))));
  if (stockSideBySide) {
    variants.push(async () => {
      useStockWasmKernels();
      try {
        totals.stock += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        useNetwrightWasmKernels();
      }
    });
  }
  if (recurrent) {
    variants.push(async () => {
      useStockRecurrence(true);
      try {
        totals.stockRecurrent += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        useStockRecurrence(false);
      }
    });
  }
  if (additiveAttention) {
    variants.push(async () => {
      useStockAttention(true);
      try {
        totals.stockAttention += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        useStockAttention(false);
      }
    });
  }
  if (denseSideBySide) {
    variants.push(async () => {
      useStockDense(true);
      try {
        totals.stockDense += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        useStockDense(false);
      }
    });
  }
  if (xentSideBySide) {
    variants.push(async () => {
      useStockCrossentropy(true);
      try {
        totals.stockXent += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        useStockCrossentropy(false);
      }
    });
  }
  const adam = stockSideBySide && graph.training.optimizer === 'adam';
  if (adam) {
    variants.push(async () => {
      tf.unregisterKernel(ADAM_UPDATE_KERNEL, 'wasm');
      try {
        totals.stockAdam += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        registerAdamUpdateKernels();
      }
    });
  }
  if (convolutional) {
    variants.push(async () => {
      useConvSimdKernels(false);
      try {
        totals.noFusedConv += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        useConvSimdKernels(true);
      }
    });
  }
  if (simdSideBySide) {
    variants.push(async () => {
      useSimdKernels(false);
      try {
        totals.noSimd += await timeSteps(steps, () => noStats.trainStepAsync(next().feeds));
      } finally {
        useSimdKernels(true);
      }
    });
  }
  if (peer) variants.push(async () => void (totals.torch += await peer.round(steps)));
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of balancedOrder(variants.length, round)) await (variants[v] as () => Promise<void>)();
  }
  const profile = await profileStep(noStats, next().feeds);
  useStockRecurrence(true);
  const profileStockRecurrent = recurrent ? await profileStep(noStats, next().feeds) : null;
  useStockRecurrence(false);
  const samples = ROUNDS * steps * c.batchSize;
  const flops = summarize(graph, analyzeGraph(graph)).totals.flops;
  const row: Row = {
    family: template.family + ` (${c.template})`,
    backend,
    netwright: samples / totals.stats,
    netwrightStatsEvery5: samples / totals.stats5,
    netwrightNoStats: samples / totals.noStats,
    netwrightStock: stockSideBySide ? samples / totals.stock : null,
    netwrightStockRecurrent: recurrent ? samples / totals.stockRecurrent : null,
    netwrightStockAttention: additiveAttention ? samples / totals.stockAttention : null,
    netwrightStockDense: denseSideBySide ? samples / totals.stockDense : null,
    netwrightStockXent: xentSideBySide ? samples / totals.stockXent : null,
    netwrightStockAdam: adam ? samples / totals.stockAdam : null,
    netwrightNoSimd: simdSideBySide ? samples / totals.noSimd : null,
    netwrightNoFusedConv: convolutional ? samples / totals.noFusedConv : null,
    hand: hand ? samples / totals.hand : null,
    torch: peer ? samples / totals.torch : null,
    // Forward + backward is about 3x the forward pass.
    gflops: (3 * flops * (samples / totals.noStats)) / 1e9,
    kernelsPerStep: profile.count,
    kernelsPerStepStockRecurrent: profileStockRecurrent?.count ?? null,
    topKernels: profile.top,
    loadAverage: loadAverage(),
  };
  withStats.dispose();
  withStats5.dispose();
  noStats.dispose();
  hand?.dispose();
  compiled.model.dispose();
  for (const b of batches) tf.dispose(Object.values(b.byFeature));
  return row;
}

async function main(): Promise<void> {
  // The kernels of this checkout, as the unit tests' global setup does (a fresh `npm ci` has none).
  spawnSync(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'build-simd.mjs')], { stdio: 'inherit' });
  // Also closes the wasm backend's kernel gaps, as the CLI does.
  const choice = await selectNodeBackend();
  console.log(`tfjs ${tf.version_core}; default backend ${choice.backend}`);
  const only = process.argv.slice(2);
  const missing = torchMissing();
  console.log(missing ? `PyTorch column: none (${missing})` : `PyTorch column: ${PYTHON} with torch, 1 thread`);
  const torch = missing ? null : new TorchPeer();
  console.log(`Netwright SIMD kernels: ${simdStatus(tf.getBackend() === 'wasm' ? tf.backend() : undefined)}`);
  console.log(`load average at start: ${loadAverage()} (${os.cpus().length} CPUs); samples/s from process CPU time`);
  const rows: Row[] = [];
  for (const c of CASES) {
    if (only.length > 0 && !only.includes(c.template)) continue;
    for (const backend of c.backends) {
      try {
        const row = await benchCase(c, backend, torch);
        rows.push(row);
        console.log(JSON.stringify(row));
      } catch (err) {
        console.log(`${c.template} on ${backend}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  torch?.close();
  const num = (v: number | null, digits = 0) => (v === null ? '-' : v.toFixed(digits));
  const header = [
    'family',
    'backend',
    'samples/s',
    'stock kernels',
    'speed-up',
    'stock recurrent',
    'fused speed-up',
    'stock attention',
    'fused att. speed-up',
    'no fused dense',
    'fused dense speed-up',
    'no fused xent',
    'fused xent speed-up',
    'tfjs Adam',
    'fused Adam speed-up',
    'no SIMD',
    'SIMD speed-up',
    'no fused conv',
    'fused conv speed-up',
    'hand tfjs',
    'ratio /hand',
    'PyTorch 1T',
    'ratio /PyTorch',
    'GFLOP/s',
    'kernels/step',
    'stats every step',
    'stats every 5th',
    'load avg 1/5/15',
  ];
  const table = rows.map((r) => [
    r.family,
    r.backend,
    num(r.netwrightNoStats),
    num(r.netwrightStock),
    r.netwrightStock === null ? '-' : (r.netwrightNoStats / r.netwrightStock).toFixed(2) + 'x',
    num(r.netwrightStockRecurrent),
    r.netwrightStockRecurrent === null ? '-' : (r.netwrightNoStats / r.netwrightStockRecurrent).toFixed(2) + 'x',
    num(r.netwrightStockAttention),
    r.netwrightStockAttention === null ? '-' : (r.netwrightNoStats / r.netwrightStockAttention).toFixed(2) + 'x',
    num(r.netwrightStockDense),
    r.netwrightStockDense === null ? '-' : (r.netwrightNoStats / r.netwrightStockDense).toFixed(2) + 'x',
    num(r.netwrightStockXent),
    r.netwrightStockXent === null ? '-' : (r.netwrightNoStats / r.netwrightStockXent).toFixed(2) + 'x',
    num(r.netwrightStockAdam),
    r.netwrightStockAdam === null ? '-' : (r.netwrightNoStats / r.netwrightStockAdam).toFixed(2) + 'x',
    num(r.netwrightNoSimd),
    r.netwrightNoSimd === null ? '-' : (r.netwrightNoStats / r.netwrightNoSimd).toFixed(2) + 'x',
    num(r.netwrightNoFusedConv),
    r.netwrightNoFusedConv === null ? '-' : (r.netwrightNoStats / r.netwrightNoFusedConv).toFixed(2) + 'x',
    num(r.hand),
    r.hand === null ? '-' : (r.netwrightNoStats / r.hand).toFixed(3),
    num(r.torch),
    r.torch === null ? '-' : (r.netwrightNoStats / r.torch).toFixed(3),
    r.gflops.toFixed(2),
    r.kernelsPerStepStockRecurrent === null ? String(r.kernelsPerStep) : `${r.kernelsPerStep} (stock recurrent ${r.kernelsPerStepStockRecurrent})`,
    `${((1 - r.netwright / r.netwrightNoStats) * 100).toFixed(1)}%`,
    `${((1 - r.netwrightStatsEvery5 / r.netwrightNoStats) * 100).toFixed(1)}%`,
    r.loadAverage,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of table) console.log(line(row));
  console.log('\ntop kernels per step (share of kernel time over three profiled steps):');
  for (const r of rows) console.log(`  ${r.family} ${r.backend}: ${r.topKernels}`);
}

await main();
