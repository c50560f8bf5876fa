/**
 * Training UI figures (not a pass/fail test): frame times while panning the canvas with no
 * training, and during training with each dock view open (and the dock hidden); training
 * throughput per open dock view.
 *   npm run build:web && E2E_PORT=5310 npx playwright test -c test/bench/playwright.bench.config.ts training-ui
 * BENCH_BASELINE=<another web build folder> (e.g. a copy of dist/ built from main) compares that
 * build with dist/, interleaved in the same run. BENCH_REPS (default 3) repetitions; the machine's
 * other load drifts, so every figure is a median over repetitions and builds alternate.
 * BENCH_SKIP_PAN=1 / BENCH_SKIP_THROUGHPUT=1 run one half; BENCH_PAN_SECONDS (default 4);
 * BENCH_TRAIN_LIMIT (default 12000) samples per throughput run (longer runs, less noise).
 * Results are printed and written to test-results/training-ui-bench.json.
 */
import { expect, test, type Page } from '@playwright/test';
import { mlpDocument, panFrames } from './pan';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

test.use({ viewport: { width: 1440, height: 1100 } });

const PORT = Number(process.env.E2E_PORT ?? 4173);
const BUILDS: { name: string; base: string }[] = [
  { name: 'current', base: `http://127.0.0.1:${PORT}` },
  ...(process.env.BENCH_BASELINE ? [{ name: 'baseline', base: `http://127.0.0.1:${PORT + 1}` }] : []),
];
const REPS = Number(process.env.BENCH_REPS ?? 3);
const PAN_SECONDS = Number(process.env.BENCH_PAN_SECONDS ?? 4);


async function setUp(page: Page, base: string, limit: number | null, epochs: number): Promise<void> {
  await page.goto(limit === null ? `${base}/` : `${base}/?trainLimit=${limit}`);
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await page.evaluate((d) => {
    window.__netwright?.store.getState().load(d as never, { name: null, handle: null, savedText: null });
    window.__netwright?.store.getState().setPanel('summary', false);
  }, mlpDocument(epochs));
}

function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
}
const median = (xs: number[]) => quantile(xs, 0.5);
const round = (x: number) => Math.round(x * 10) / 10;

const results: Record<string, unknown> = {};

/** The dock's states panned in, in this order, on one page during one training run. */
const TRAINING_CONDITIONS: [string, (p: Page) => Promise<void>][] = [
  // display: none through the CSSOM (the app's CSP refuses inline style sheets).
  ['training, dock hidden', async (p) => void (await p.getByTestId('training-dock').evaluate((e: HTMLElement) => (e.style.display = 'none')))],
  ['training, Runs tab (no live view)', async (p) => {
    await p.getByTestId('training-dock').evaluate((e: HTMLElement) => (e.style.display = ''));
    await p.getByTestId('tab-runs').click();
  }],
  ['training, Curves', async (p) => void (await p.getByTestId('tab-curves').click())],
  ['training, Activations', async (p) => {
    await p.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['hidden'], edges: [] }));
    await p.getByTestId('tab-activations').click();
  }],
  ['training, Gradients + edge overlay', async (p) => {
    await p.getByTestId('tab-gradients').click();
    await p.getByTestId('edge-overlay-toggle').check();
  }],
  ['training, Model (confusion)', async (p) => void (await p.getByTestId('tab-confusion').click())],
];

test('frame times while panning the canvas: no training vs training with each view', async ({ browser }) => {
  test.skip(process.env.BENCH_SKIP_PAN === '1', 'BENCH_SKIP_PAN=1');
  // frames[build][condition] = per repetition, the frame intervals.
  const frames: Record<string, Record<string, number[][]>> = {};
  const add = (build: string, condition: string, xs: number[]) => ((frames[build] ??= {})[condition] ??= []).push(xs);
  for (let rep = 0; rep < REPS; rep++) {
    for (const build of rep % 2 === 0 ? BUILDS : [...BUILDS].reverse()) {
      const page = await browser.newPage();
      await setUp(page, build.base, null, 50);
      await panFrames(page, 1); // warm-up
      add(build.name, 'no training', await panFrames(page, PAN_SECONDS));
      await page.getByTestId('tab-curves').click();
      await page.getByTestId('train-start').click();
      await expect(page.getByTestId('run-state')).toHaveText('running', { timeout: 60_000 });
      await expect.poll(() => page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.steps.length ?? 0)).toBeGreaterThan(10);
      for (const [name, open] of TRAINING_CONDITIONS) {
        await open(page);
        await page.waitForTimeout(300);
        add(build.name, name, await panFrames(page, PAN_SECONDS));
      }
      await page.getByTestId('train-pause').click();
      await expect(page.getByTestId('run-state')).toHaveText('paused');
      add(build.name, 'paused (Model tab)', await panFrames(page, PAN_SECONDS));
      await page.evaluate(() => window.__netwrightTraining?.engine.stop());
      await page.close();
      console.log(`rep ${rep + 1}/${REPS} ${build.name} done`);
    }
  }
  const table: Record<string, Record<string, unknown>> = {};
  for (const [build, byCondition] of Object.entries(frames)) {
    for (const [condition, reps] of Object.entries(byCondition)) {
      const all = reps.flat();
      (table[condition] ??= {})[build] = {
        p95Ms: round(median(reps.map((r) => quantile(r, 0.95)))),
        medianMs: round(median(reps.map((r) => median(r)))),
        fps: round(median(reps.map((r) => (r.length * 1000) / r.reduce((a, b) => a + b, 0)))),
        p95PooledMs: round(quantile(all, 0.95)),
        frames: all.length,
      };
    }
  }
  results.panning = table;
  console.log('\nPan frame intervals, median over repetitions (p95 ms / median ms / fps):');
  for (const [condition, byBuild] of Object.entries(table)) {
    const cells = BUILDS.map((b) => {
      const s = byBuild[b.name] as { p95Ms: number; medianMs: number; fps: number } | undefined;
      return s ? `${b.name} ${s.p95Ms} / ${s.medianMs} / ${s.fps}` : '';
    });
    const cur = byBuild.current as { p95Ms: number } | undefined;
    const old = byBuild.baseline as { p95Ms: number } | undefined;
    const ratio = cur && old ? `  current/baseline p95 ${(cur.p95Ms / old.p95Ms).toFixed(2)}` : '';
    console.log(`  ${condition.padEnd(38)} ${cells.join('   ')}${ratio}`);
  }
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/training-ui-bench.json', JSON.stringify(results, null, 2));
});

test('training throughput per open view', async ({ browser }) => {
  test.skip(process.env.BENCH_SKIP_THROUGHPUT === '1', 'BENCH_SKIP_THROUGHPUT=1');
  const views: [string, (p: Page) => Promise<void>][] = [
    ['closed (Runs tab)', async (p) => void (await p.getByTestId('tab-runs').click())],
    ['curves', async (p) => void (await p.getByTestId('tab-curves').click())],
    [
      'activations (hidden)',
      async (p) => {
        await p.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['hidden'], edges: [] }));
        await p.getByTestId('tab-activations').click();
      },
    ],
    ['gradients + edge overlay', async (p) => void (await p.getByTestId('tab-gradients').click())],
    ['model (confusion matrix)', async (p) => void (await p.getByTestId('tab-confusion').click())],
  ];
  const throughput: Record<string, Record<string, number[]>> = {};
  const pages: Page[] = [];
  for (const build of BUILDS) {
    const page = await browser.newPage();
    await setUp(page, build.base, Number(process.env.BENCH_TRAIN_LIMIT ?? 12_000), 1);
    pages.push(page);
  }
  // A warm-up run each (not reported), then each view REPS times, builds and views interleaved:
  // the machine's load drifts. One training at a time.
  for (let rep = -1; rep < REPS; rep++) {
    for (const [b, build] of BUILDS.entries()) {
      const page = pages[b] as Page;
      for (const [name, open] of rep < 0 ? views.slice(0, 1) : views) {
        await open(page);
        await page.getByTestId('train-start').click();
        if (name.startsWith('gradients')) {
          await expect(page.getByTestId('run-state')).toHaveText(/running|completed/, { timeout: 60_000 });
          await page.getByTestId('edge-overlay-toggle').check({ timeout: 60_000 }).catch(() => undefined);
        }
        await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped/, { timeout: 300_000 });
        const speed = await page.evaluate(() => Math.round(window.__netwrightTraining?.store.getState().runs.at(-1)?.samplesPerSecond ?? NaN));
        if (rep >= 0) ((throughput[build.name] ??= {})[name] ??= []).push(speed);
      }
    }
  }
  for (const page of pages) await page.close();
  const summary: Record<string, Record<string, { samplesPerSecond: number; vsClosed: number; runs: number[] }>> = {};
  for (const [build, byView] of Object.entries(throughput)) {
    const closed = median(byView['closed (Runs tab)'] ?? []);
    for (const [view, xs] of Object.entries(byView)) {
      (summary[build] ??= {})[view] = { samplesPerSecond: median(xs), vsClosed: Math.round((median(xs) / closed) * 100) / 100, runs: xs };
    }
    // All live views together (one open at a time): their runs pooled.
    const open = Object.entries(byView).flatMap(([view, xs]) => (view === 'closed (Runs tab)' ? [] : xs));
    (summary[build] ??= {})['any live view (pooled)'] = { samplesPerSecond: median(open), vsClosed: Math.round((median(open) / closed) * 100) / 100, runs: open };
  }
  results.throughput = summary;
  console.log('\nThroughput (samples/s, median; ratio to the dock with no live view):');
  for (const [build, byView] of Object.entries(summary)) {
    for (const [view, s] of Object.entries(byView)) console.log(`  ${build.padEnd(9)} ${view.padEnd(28)} ${s.samplesPerSecond}  x${s.vsClosed}  ${JSON.stringify(s.runs)}`);
  }
  mkdirSync('test-results', { recursive: true });
  const file = 'test-results/training-ui-bench.json';
  let previous: Record<string, unknown>;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    previous = {};
  }
  writeFileSync(file, JSON.stringify({ ...previous, ...results }, null, 2));
});
