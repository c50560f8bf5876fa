/**
 * Trains a GAN graph headless (as `netwright train`) and writes, after every epoch, a PNG grid of
 * what its generator makes from one fixed noise batch, so the samples can be compared epoch by
 * epoch. A conditional generator (an Input bound to `label`) gets the labels 0..9 column by column.
 *
 *   npx tsx scripts/gan-samples.ts examples/dcgan-mnist.json --out /tmp/dcgan [--epochs n] [--limit n] [--backend wasm|cpu]
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    epochs: { type: 'string' },
    limit: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    node: { type: 'string', default: 'generated' },
  },
});
const file = positionals[0];
if (!file || !values.out) throw new Error('usage: gan-samples.ts <graph.json> --out <dir> [--epochs n] [--limit n] [--backend wasm|cpu]');
const parsed = parseGraphText(readFileSync(file, 'utf8'));
if (!parsed.ok) throw new Error(`${file}: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
const graph = parsed.graph;
if (values.epochs) graph.training.epochs = Number(values.epochs);
const out = values.out;
mkdirSync(out, { recursive: true });

await selectNodeBackend(values.backend);
const dataset = await loadDataset(graph.training.dataset?.id ?? '', nodeFileSource(), graph.training.dataset?.options ?? {});
const compiled = compileSeeded(graph);
bindFeeds(compiled, graph, dataset);
const COLUMNS = 10;
const ROWS = 8;

function grid(epoch: number): void {
  const count = ROWS * COLUMNS;
  const labels = Array.from({ length: count }, (_, i) => i % COLUMNS);
  const images = new SeededScope(0).run(() => generateSamples(compiled, graph, values.node ?? 'generated', count, labels));
  const [height, width] = images.shape as [number, number];
  const png = imageGrid(images.values, height, width, ROWS, COLUMNS, 2);
  writeFileSync(join(out, `epoch-${String(epoch).padStart(3, '0')}.png`), png);
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

grid(0);
const started = Date.now();
const result = await runTraining(graph, compiled, dataset, {
  backend: tf.getBackend(),
  limit: values.limit ? Number(values.limit) : null,
  onEpoch(e) {
    const losses = Object.entries(e.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
    const metrics = Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ');
    console.log(`epoch ${e.epoch + 1}: ${losses} ${metrics} (${e.seconds.toFixed(1)} s, ${Math.round(e.samplesPerSecond)} samples/s, ${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
    grid(e.epoch + 1);
  },
});
console.log(`${result.status}: ${result.epochs.length} epochs in ${((Date.now() - started) / 1000).toFixed(0)} s; grids in ${out}`);
