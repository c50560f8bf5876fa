/**
 * Trains a GAN graph headless (as `netwright train`) and writes, after every epoch (and every
 * `--every` steps), a PNG grid of what its generator makes from one fixed noise batch, so the
 * samples can be compared over time. A conditional generator (an Input bound to `label`) gets the
 * labels 0..9 column by column.
 *
 * `--judge`: first trains the LeNet template two epochs on the same dataset (scripts/digit-judge.ts)
 * and, at each checkpoint, reads 500 fresh generated samples with it: the fraction classified as
 * the class asked for (conditional generators), the classifier's mean confidence, and a KID-style
 * MMD² to real test images in its features; real held-out test images are judged too, as the
 * scale. Wall and CPU seconds count GAN training only (not the judge, the grids or the judging).
 *
 *   npx tsx scripts/gan-samples.ts examples/cgan-mnist.json --out /tmp/cgan --judge --every 500 [--epochs n]
 *     [--limit n] [--minutes m (of training, wall)] [--steps n] [--backend wasm|cpu]
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectNodeBackend } from '../cli/node-backend';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { generateSamples } from '../core/engine/gan';
import { bindFeeds, compileSeeded, runTraining } from '../core/engine/run';
import { SeededScope } from '../core/engine/seeded';
import { parseGraphText } from '../core/graph';
import { encodePng } from '../core/inspect/png';
import { trainDigitJudge, type DigitJudge } from './digit-judge';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    epochs: { type: 'string' },
    limit: { type: 'string' },
    every: { type: 'string' },
    minutes: { type: 'string' },
    steps: { type: 'string' },
    judge: { type: 'boolean', default: false },
    'judge-epochs': { type: 'string', default: '2' },
    backend: { type: 'string', default: 'wasm' },
    node: { type: 'string', default: 'generated' },
  },
});
const file = positionals[0];
const usage = 'usage: gan-samples.ts <graph.json> --out <dir> [--judge] [--every steps] [--epochs n] [--limit n] [--minutes m] [--steps n] [--backend wasm|cpu]';
if (!file || !values.out) throw new Error(usage);
const parsed = parseGraphText(readFileSync(file, 'utf8'));
if (!parsed.ok) throw new Error(`${file}: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
const graph = parsed.graph;
if (values.epochs) graph.training.epochs = Number(values.epochs);
const every = values.every ? Number(values.every) : null;
const minutes = values.minutes ? Number(values.minutes) : null;
const maxSteps = values.steps ? Number(values.steps) : null;
const node = values.node ?? 'generated';
const out = values.out;
mkdirSync(out, { recursive: true });

await selectNodeBackend(values.backend);
const dataset = await loadDataset(graph.training.dataset?.id ?? '', nodeFileSource(), graph.training.dataset?.options ?? {});
const compiled = compileSeeded(graph);
bindFeeds(compiled, graph, dataset);
const conditional = compiled.feeds.some((f) => f.feature === 'label');
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

let judge: DigitJudge | null = null;
if (values.judge) {
  const t0 = Date.now();
  const judgeEpochs = Number(values['judge-epochs']);
  judge = await trainDigitJudge(dataset, { trainCount: dataset.train.size, epochs: judgeEpochs, testCount: 1000 });
  console.log(`judge: ${graph.training.dataset?.id} LeNet, ${judgeEpochs} epoch(s), ${(judge.testAccuracy * 100).toFixed(1)}% on 1,000 test images (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  // The scale: real held-out test images judged as generated ones are.
  const real = dataset.test.gather(Uint32Array.from({ length: 500 }, (_, i) => 1000 + i));
  const r = judge.judge((real.features.image as { data: Float32Array }).data, 500, Array.from((real.features.label as { data: Int32Array }).data));
  console.log(`real test images: class ${((r.conditioned ?? 0) * 100).toFixed(1)}%, confidence ${r.confidence.toFixed(3)}, KID ${r.kid.toFixed(4)}`);
}

const COLUMNS = 10;
const ROWS = 8;

function grid(name: string): void {
  const count = ROWS * COLUMNS;
  const labels = Array.from({ length: count }, (_, i) => i % COLUMNS);
  const images = new SeededScope(0).run(() => generateSamples(compiled, graph, node, count, labels));
  const [height, width] = images.shape as [number, number];
  writeFileSync(join(out, `${name}.png`), imageGrid(images.values, height, width, ROWS, COLUMNS, 2));
}

/** Greyscale images in [0, 1], `rows` x `columns`, each pixel drawn `scale` x `scale`, 2 px gaps. */
function imageGrid(pixels: Float32Array, height: number, width: number, rows: number, columns: number, scale: number): Uint8Array {
  const gap = 2;
  const W = columns * (width * scale + gap) + gap;
  const H = rows * (height * scale + gap) + gap;
  const rgba = new Uint8Array(W * H * 4).fill(255);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const base = (r * columns + c) * height * width;
      for (let y = 0; y < height * scale; y++) {
        for (let x = 0; x < width * scale; x++) {
          const v = Math.round(255 * Math.min(1, Math.max(0, pixels[base + Math.floor(y / scale) * width + Math.floor(x / scale)] as number)));
          const at = ((gap + r * (height * scale + gap) + y) * W + gap + c * (width * scale + gap) + x) * 4;
          rgba[at] = rgba[at + 1] = rgba[at + 2] = 255 - v;
        }
      }
    }
  }
  return encodePng(W, H, rgba);
}

// Training time only: checkpoints (grids, judging) are timed and taken off.
const wallStart = performance.now();
const cpuStart = process.cpuUsage();
let pausedWall = 0;
let pausedCpu = 0;
const cpuSeconds = () => {
  const u = process.cpuUsage(cpuStart);
  return (u.user + u.system) / 1e6;
};
let steps = 0;

function checkpoint(name: string, epochs: number): void {
  const wall = (performance.now() - wallStart) / 1000 - pausedWall;
  const cpu = cpuSeconds() - pausedCpu;
  const w0 = performance.now();
  const c0 = cpuSeconds();
  grid(name);
  let judged = '';
  if (judge) {
    const count = 500;
    const labels = Array.from({ length: count }, (_, i) => i % 10);
    const samples = new SeededScope(7).run(() => generateSamples(compiled, graph, node, count, labels));
    const j = judge.judge(samples.values, count, conditional ? labels : undefined);
    judged = `${j.conditioned === null ? '' : `class asked ${(j.conditioned * 100).toFixed(1)}%, `}confidence ${j.confidence.toFixed(3)}, KID ${j.kid.toFixed(4)}, classes [${j.histogram.join(' ')}]`;
  }
  console.log(`${name}: step ${steps} (epoch ${epochs.toFixed(2)}), ${wall.toFixed(0)} s wall, ${cpu.toFixed(0)} CPU s; ${judged} (load ${load()})`);
  pausedWall += (performance.now() - w0) / 1000;
  pausedCpu += cpuSeconds() - c0;
}

checkpoint('step-000000', 0);
let stop = false;
const result = await runTraining(graph, compiled, dataset, {
  backend: tf.getBackend(),
  limit: values.limit ? Number(values.limit) : null,
  trackStats: false,
  control: { stopRequested: () => stop, waitWhilePaused: () => Promise.resolve() },
  onStep(e) {
    steps++;
    if (every && steps % every === 0) checkpoint(`step-${String(steps).padStart(6, '0')}`, e.epoch + (e.batch + 1) / e.batches);
    if (minutes !== null && (performance.now() - wallStart) / 1000 - pausedWall >= minutes * 60) stop = true;
    if (maxSteps !== null && steps >= maxSteps) stop = true;
  },
  onEpoch(e) {
    const losses = Object.entries(e.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
    const metrics = Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ');
    console.log(`epoch ${e.epoch + 1}: ${losses} ${metrics} (${Math.round(e.samplesPerSecond)} samples/s)`);
    checkpoint(`epoch-${String(e.epoch + 1).padStart(3, '0')}`, e.epoch + 1);
  },
});
if (stop) checkpoint(`step-${String(steps).padStart(6, '0')}-last`, steps / Math.ceil(dataset.train.size / graph.training.batchSize));
result.trainer.dispose();
judge?.dispose();
console.log(`${result.status}: ${steps} steps; grids in ${out}`);
