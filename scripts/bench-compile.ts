/**
 * `npx tsx scripts/bench-compile.ts [backend]`: seconds to compile (build and initialise) every
 * example in examples/, with Netwright's typed-array orthogonal initializer and with tfjs-layers'
 * own (linalg.qr), in interleaved rounds. Prints the load average with each row: the machine may
 * be shared, the ratio is the figure to read.
 */
import * as tf from '@tensorflow/tfjs-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectNodeBackend } from '../cli/node-backend';
import { FastOrthogonal, StockOrthogonal } from '../core/catalogue/layers/recurrent/orthogonal';
import { compileSeeded } from '../core/engine/run';
import { parseGraphText } from '../core/graph/parse';

const ROUNDS = 3;
const examplesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples');

function timeCompile(text: string): number {
  const parsed = parseGraphText(text);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  const start = performance.now();
  const compiled = compileSeeded(parsed.graph);
  const seconds = (performance.now() - start) / 1000;
  compiled.model.dispose();
  return seconds;
}

async function main(): Promise<void> {
  await selectNodeBackend();
  const backend = process.argv[2] ?? 'wasm';
  await tf.setBackend(backend);
  console.log(`backend ${tf.getBackend()}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const files = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort();
  const warn = console.warn;
  console.warn = () => undefined; // tfjs' "Orthogonal initializer ... Slowness may result"
  console.log(['example', 'fast init (s)', 'tfjs init (s)', 'ratio', 'load avg'].join('\t'));
  for (const file of files) {
    const text = fs.readFileSync(path.join(examplesDir, file), 'utf8');
    timeCompile(text); // warm-up
    let fast = 0;
    let stock = 0;
    for (let round = 0; round < ROUNDS; round++) {
      tf.serialization.registerClass(FastOrthogonal);
      fast += timeCompile(text);
      tf.serialization.registerClass(StockOrthogonal);
      try {
        stock += timeCompile(text);
      } finally {
        tf.serialization.registerClass(FastOrthogonal);
      }
    }
    const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log([file, (fast / ROUNDS).toFixed(3), (stock / ROUNDS).toFixed(3), (stock / fast).toFixed(1) + 'x', load].join('\t'));
  }
  console.warn = warn;
}

await main();
