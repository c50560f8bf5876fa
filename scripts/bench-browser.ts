/**
 * `npm run bench:browser`: training throughput in the app's own engine worker, in Chromium, with
 * the wasm backend's thread pool at each thread count asked for, against the same run in Node.
 * It serves the web build (scripts/web.mjs, which builds it first when the sources are newer),
 * opens one page per thread count (`?threads=N`: the engine worker calls tfjs' setThreadsCount
 * before the wasm backend starts) in Debian's Chromium (Playwright's library; no browser download),
 * loads each example as a user opens a file, sets one epoch of a fixed number of steps and
 * presses Start: the run goes through the worker exactly as a user's does (statistics every 5th
 * step, progress events, the dock open). Node runs the same graph through the same loop
 * (core/engine/run.ts) on tfjs' wasm backend in this process (one thread: tfjs 4.22 has no
 * threads in Node).
 * A browser reports wall time only, so samples/s here are wall time, taken from the trainer's own
 * clock (its samples/s since the epoch began, read after the warm-up steps and at the last step),
 * in rounds that interleave the variants (the order alternates), with the median, the range over
 * rounds and the load average of each run. On a shared machine the thread comparison is
 * distorted by the other jobs (a second thread only helps when a core is free): read it with the
 * load, and re-run on a quiet machine.
 * Usage: npm run bench:browser [-- --rounds 3 --threads 1,2 --models mlp-mnist,seq2seq-dates
 *        --steps mlp-mnist=200,seq2seq-dates=30 --warmup 10 --no-node --port 4416]
 * Writes test-results/bench-browser.json too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { loadDataset, type Dataset, type DatasetOptions } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { compileSeeded, runTraining } from '../core/engine/run';
import { simdStatus } from '../core/engine/simd';
import { parseGraphText, type GraphDocument } from '../core/graph';
import { selectNodeBackend } from '../cli/node-backend';
import { rateAfterWarmup, type Reading } from './bench-rate';
import * as tf from '@tensorflow/tfjs-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BATCH = 64;

interface Options {
  rounds: number;
  threads: number[];
  models: string[];
  steps: Record<string, number>;
  warmup: number;
  node: boolean;
  port: number;
}

const DEFAULT_STEPS: Record<string, number> = { 'mlp-mnist': 200, 'seq2seq-dates': 30 };

function usage(problem: string): never {
  console.error(`bench:browser: ${problem}\nUsage: npm run bench:browser -- [--rounds 3] [--threads 1,2] [--models mlp-mnist,seq2seq-dates] [--steps model=n,...] [--warmup 10] [--no-node] [--port 4416]`);
  process.exit(2);
}

function positiveInt(raw: string | undefined, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) usage(`${what} must be a whole number >= 1, got "${raw}"`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { rounds: 3, threads: [1, 2], models: ['mlp-mnist', 'seq2seq-dates'], steps: { ...DEFAULT_STEPS }, warmup: 10, node: true, port: Number(process.env.E2E_PORT ?? 4416) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--rounds') o.rounds = positiveInt(value(), '--rounds');
    else if (arg === '--threads') o.threads = value().split(',').map((t) => positiveInt(t, '--threads'));
    else if (arg === '--models') o.models = value().split(',').filter(Boolean);
    else if (arg === '--steps') {
      for (const pair of value().split(',')) {
        const [model, n] = pair.split('=');
        if (!model || n === undefined) usage(`--steps takes model=n pairs, got "${pair}"`);
        o.steps[model] = positiveInt(n, `--steps ${model}`);
      }
    } else if (arg === '--warmup') o.warmup = positiveInt(value(), '--warmup');
    else if (arg === '--no-node') o.node = false;
    else if (arg === '--port') o.port = positiveInt(value(), '--port');
    else usage(`unknown argument "${arg}"`);
  }
  for (const m of o.models) {
    o.steps[m] ??= 50;
    if ((o.steps[m] as number) <= o.warmup) usage(`${m}: --steps (${o.steps[m]}) must exceed --warmup (${o.warmup})`);
  }
  return o;
}

/** The example as a user opens it, trained for one epoch. */
function exampleDocument(model: string): GraphDocument {
  const file = path.join(root, 'examples', `${model}.json`);
  const parsed = parseGraphText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  const graph = parsed.graph;
  graph.training = { ...graph.training, epochs: 1, batchSize: BATCH };
  return graph;
}

interface RunResult {
  samplesPerSecond: number;
  load: [number, number];
  /** Node only: samples/s in this process's CPU time over the same steps. */
  cpuSamplesPerSecond?: number;
}

interface PageInfo {
  backend: string;
  simd: string;
  threads: string;
}

async function openPage(browser: Browser, port: number, threads: number): Promise<{ page: Page; info: PageInfo }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${port}/?threads=${threads}`);
  const name = page.getByTestId('backend-name');
  await name.waitFor({ timeout: 120_000 });
  const info: PageInfo = {
    backend: (await name.textContent()) ?? '?',
    simd: ((await page.getByTestId('simd-kernels').textContent()) ?? '').replace(/^Netwright SIMD kernels: /, ''),
    threads: (await page.getByTestId('wasm-threads').textContent()) ?? '',
  };
  if (errors.length) throw new Error(`page with ?threads=${threads}: ${errors.join('; ')}`);
  const reported = /(\d+) thread/.exec(info.threads)?.[1];
  if (info.backend === 'wasm' && Number(reported) !== threads) {
    throw new Error(`asked for ${threads} wasm threads, the worker reports "${info.threads}"`);
  }
  return { page, info };
}

async function trainInPage(page: Page, model: string, steps: number, warmup: number): Promise<RunResult> {
  const before = os.loadavg()[0] as number;
  await page.evaluate(
    ({ doc, limit }) => {
      const editor = window.__netwright;
      const training = window.__netwrightTraining;
      if (!editor || !training) throw new Error('the app exposes no __netwright / __netwrightTraining hooks');
      editor.store.getState().load(doc as never, { name: null, handle: null, savedText: null });
      training.store.setState({ limit });
      const w = window as unknown as { __benchReadings: [number, number][]; __benchStop?: () => void };
      w.__benchStop?.();
      w.__benchReadings = [];
      const count = training.store.getState().runs.length;
      w.__benchStop = training.store.subscribe((state) => {
        const run = state.runs[count];
        const last = w.__benchReadings.at(-1);
        if (run && run.steps.length > 0 && run.steps.length !== last?.[0]) w.__benchReadings.push([run.steps.length, run.samplesPerSecond]);
      });
    },
    { doc: exampleDocument(model), limit: steps * BATCH },
  );
  await page.getByTestId('train-start').click();
  const state = page.getByTestId('run-state');
  await state.filter({ hasText: /completed|stopped|error|non-finite/ }).waitFor({ timeout: 1_200_000 });
  const final = (await state.textContent()) ?? '';
  if (final !== 'completed') throw new Error(`${model} in the browser ended "${final}"`);
  const readings = await page.evaluate(() => (window as unknown as { __benchReadings: [number, number][] }).__benchReadings);
  if (readings.at(-1)?.[0] !== steps) throw new Error(`${model} in the browser: expected ${steps} steps, the last reading is at ${readings.at(-1)?.[0]}`);
  return { samplesPerSecond: steps > warmup ? rateAfterWarmup(readings, warmup, BATCH) : Number.NaN, load: [before, os.loadavg()[0] as number] };
}

const datasets = new Map<string, Promise<Dataset>>();

async function trainInNode(model: string, steps: number, warmup: number): Promise<RunResult> {
  const graph = exampleDocument(model);
  const ref = graph.training.dataset;
  if (!ref) throw new Error(`${model} has no dataset`);
  const key = JSON.stringify(ref);
  if (!datasets.has(key)) datasets.set(key, loadDataset(ref.id, nodeFileSource(), ref.options as DatasetOptions));
  const dataset = await (datasets.get(key) as Promise<Dataset>);
  const before = os.loadavg()[0] as number;
  const compiled = compileSeeded(graph);
  const readings: Reading[] = [];
  let cpuAtWarmup: NodeJS.CpuUsage | null = null;
  let cpuSeconds = 0;
  const channel = new MessageChannel();
  try {
    const result = await runTraining(graph, compiled, dataset, {
      backend: 'wasm',
      limit: steps * BATCH,
      statsEvery: 5, // the app's rate (renderer/engine/training-session.ts)
      // As the worker: a turn of the event loop after every step (a MessageChannel, not a timer).
      yieldToEventLoop: () => new Promise<void>((resolve) => {
        channel.port2.onmessage = () => resolve();
        channel.port1.postMessage(null);
      }),
      yieldEveryMs: 0,
      onStep(event) {
        const done = event.batch + 1;
        readings.push([done, event.samplesPerSecond]);
        if (done === warmup) cpuAtWarmup = process.cpuUsage();
        if (done === steps && cpuAtWarmup) {
          const used = process.cpuUsage(cpuAtWarmup);
          cpuSeconds = (used.user + used.system) / 1e6;
        }
      },
    });
    result.trainer.dispose();
    if (result.status !== 'completed') throw new Error(`${model} in Node ended "${result.status}"`);
  } finally {
    compiled.model.dispose();
    channel.port1.close();
  }
  const first = readings.find(([s]) => s >= warmup)?.[0] ?? warmup;
  return {
    samplesPerSecond: steps > warmup ? rateAfterWarmup(readings, warmup, BATCH) : Number.NaN,
    cpuSamplesPerSecond: cpuSeconds > 0 ? ((steps - first) * BATCH) / cpuSeconds : Number.NaN,
    load: [before, os.loadavg()[0] as number],
  };
}

async function startServer(port: number): Promise<ChildProcess> {
  // web.mjs rebuilds dist/ first when the sources are newer than the build.
  const server = spawn(process.execPath, [path.join(root, 'scripts/web.mjs'), '--port', String(port)], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<never>((_, reject) => server.once('exit', (code) => reject(new Error(`scripts/web.mjs exited with ${code} (port ${port} in use? try --port)`))));
  const deadline = Date.now() + 600_000;
  const ready = (async () => {
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return;
      } catch {
        // not listening yet (or still building)
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`scripts/web.mjs did not answer on port ${port} within 10 minutes`);
  })();
  await Promise.race([ready, exited]);
  return server;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const startLoad = os.loadavg();
  console.log(`bench:browser: ${o.models.join(', ')}; threads ${o.threads.join(', ')}${o.node ? ' and Node' : ''}; ${o.rounds} rounds; steps ${o.models.map((m) => `${m} ${o.steps[m]}`).join(', ')} (first ${o.warmup} not timed); batch ${BATCH}`);
  console.log(`machine: ${os.cpus().length} logical cores; load average ${startLoad.map((l) => l.toFixed(2)).join(' ')}`);
  let nodeInfo = '';
  if (o.node) {
    const choice = await selectNodeBackend('wasm');
    if (choice.backend !== 'wasm') throw new Error(`Node: wasm backend unavailable (${choice.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})`);
    nodeInfo = `Node ${process.versions.node}, tfjs wasm, SIMD kernels: ${simdStatus(tf.backend())}`;
  }
  const server = await startServer(o.port);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--no-first-run', '--disable-sync', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-gpu-rasterization', '--disable-gpu-compositing'],
  });
  const results: Record<string, Record<string, RunResult[]>> = {};
  const pages = new Map<number, { page: Page; info: PageInfo }>();
  try {
    for (const t of o.threads) pages.set(t, await openPage(browser, o.port, t));
    for (const [t, { info }] of pages) console.log(`Chromium ${browser.version()}, ?threads=${t}: backend ${info.backend}; ${info.threads}; SIMD kernels: ${info.simd}`);
    if (nodeInfo) console.log(nodeInfo);
    const variants: string[] = [...o.threads.map((t) => `browser ${t}t`), ...(o.node ? ['node'] : [])];
    // One warm-up run per variant and model (wasm compilation, dataset load), not reported.
    for (let round = -1; round < o.rounds; round++) {
      for (const model of o.models) {
        const steps = o.steps[model] as number;
        // Alternate the order every round: whichever runs right after another pays for what it left.
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const variant of order) {
          const threads = variant === 'node' ? null : Number(/\d+/.exec(variant)?.[0]);
          const result =
            threads === null
              ? await trainInNode(model, round < 0 ? o.warmup : steps, o.warmup)
              : await trainInPage((pages.get(threads) as { page: Page }).page, model, round < 0 ? o.warmup : steps, o.warmup);
          if (round < 0) continue;
          ((results[model] ??= {})[variant] ??= []).push(result);
          console.log(`  round ${round + 1} ${model.padEnd(14)} ${variant.padEnd(11)} ${fmt(result.samplesPerSecond).padStart(7)} samples/s  load ${result.load.map((l) => l.toFixed(2)).join(' -> ')}`);
        }
      }
    }
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
  const endLoad = os.loadavg();
  const base = `browser ${o.threads[0]}t`;
  console.log(`\nSamples/s (wall time, median over ${o.rounds} rounds [min-max]; ratios within each round, median); batch ${BATCH}; load average 1/5/15 at start ${startLoad.map((l) => l.toFixed(2)).join(' ')}, at end ${endLoad.map((l) => l.toFixed(2)).join(' ')}`);
  const header = ['model', 'where', 'samples/s', 'min-max', `/ ${o.threads[0]} thread${o.threads[0] === 1 ? '' : 's'}`, '/ Node', 'load (1 min)'];
  const rows: string[][] = [];
  const notes: string[] = [];
  const summary: Record<string, Record<string, unknown>> = {};
  // Ratios are taken within each round (same minutes, same load), then the median over rounds.
  const pairedRatio = (a: RunResult[] | undefined, b: RunResult[] | undefined) =>
    a && b ? median(a.map((r, i) => r.samplesPerSecond / (b[i]?.samplesPerSecond ?? Number.NaN))) : Number.NaN;
  for (const model of o.models) {
    const byVariant = results[model] ?? {};
    for (const [variant, runs] of Object.entries(byVariant)) {
      const xs = runs.map((r) => r.samplesPerSecond);
      const m = median(xs);
      const loads = runs.flatMap((r) => r.load);
      const threads = variant === 'node' ? null : Number(/\d+/.exec(variant)?.[0]);
      const vsBase = threads === null ? Number.NaN : pairedRatio(runs, byVariant[base]);
      const vsNode = pairedRatio(runs, byVariant.node);
      rows.push([
        model,
        threads === null ? 'Node, wasm, 1 thread' : `Chromium worker, ${pages.get(threads)?.info.backend ?? '?'}, ${threads} thread${threads === 1 ? '' : 's'}`,
        fmt(m),
        `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`,
        threads === null ? '-' : vsBase.toFixed(2),
        Number.isFinite(vsNode) ? vsNode.toFixed(2) : '-',
        `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
      ]);
      const cpu = threads === null ? median(runs.map((r) => r.cpuSamplesPerSecond ?? Number.NaN)) : Number.NaN;
      if (threads === null) notes.push(`${model} in Node by CPU time (the figure npm run bench reports): ${fmt(cpu)} samples/s`);
      (summary[model] ??= {})[variant] = { median: m, runs: xs, loads, vsFirstThreadCount: vsBase, vsNode, ...(threads === null ? { cpuSamplesPerSecond: cpu } : {}) };
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  for (const n of notes) console.log(n);
  for (const [t, { info }] of pages) console.log(`Chromium ?threads=${t}: ${info.threads}; SIMD kernels: ${info.simd}`);
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  writeFileSync(path.join(root, 'test-results/bench-browser.json'), JSON.stringify({ date: new Date().toISOString(), options: o, loadStart: startLoad, loadEnd: endLoad, results: summary }, null, 2));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`bench:browser failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
