/**
 * Training UI figures (not a pass/fail test): p95 frame time while panning the canvas, with and
 * without training going on, and training throughput per open dock view.
 *   npm run build:web && npx playwright test -c test/bench/playwright.bench.config.ts
 * Results are printed and written to test-results/training-ui-bench.json.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

test.use({ viewport: { width: 1440, height: 1100 } });

function mlp(epochs: number): unknown {
  const doc = JSON.parse(readFileSync('examples/mlp-mnist.json', 'utf8')) as { training: Record<string, unknown> };
  doc.training = { ...doc.training, epochs, batchSize: 64 };
  return doc;
}

async function setUp(page: Page, limit: number | null, epochs: number): Promise<void> {
  await page.goto(limit === null ? '/' : `/?trainLimit=${limit}`);
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await page.evaluate((d) => {
    window.__netwright?.store.getState().load(d as never, { name: null, handle: null, savedText: null });
    window.__netwright?.store.getState().setPanel('summary', false);
  }, mlp(epochs));
}

/** Frame intervals (ms) while the pointer drags the canvas pane back and forth. */
async function panFrames(page: Page, seconds: number): Promise<number[]> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__frames = [];
    w.__recording = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const pane = await page.locator('.react-flow__pane').boundingBox();
  if (!pane) throw new Error('no canvas pane');
  const cx = pane.x + pane.width / 2;
  const cy = pane.y + pane.height / 2;
  const end = Date.now() + seconds * 1000;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  let dir = 1;
  while (Date.now() < end) {
    for (let i = 0; i < 20; i++) await page.mouse.move(cx + dir * i * 6, cy + dir * i * 2);
    dir = -dir;
  }
  await page.mouse.up();
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames.slice(2);
  });
}

function p95(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? NaN;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const results: Record<string, unknown> = {};

test('p95 frame time while panning the canvas, idle vs training', async ({ page }) => {
  await setUp(page, null, 3);
  const idle = await panFrames(page, 5);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('running', { timeout: 60_000 });
  await expect.poll(() => page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.steps.length ?? 0)).toBeGreaterThan(10);
  const training = await panFrames(page, 8);
  // The same with no live view in the dock (the Runs tab): what the views cost the UI.
  await page.getByTestId('tab-runs').click();
  const trainingNoViews = await panFrames(page, 8);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('run-state')).toHaveText('paused');
  const paused = await panFrames(page, 5);
  await page.evaluate(() => window.__netwrightTraining?.engine.stop());
  const stats = (xs: number[]) => ({ frames: xs.length, medianMs: Math.round(median(xs) * 10) / 10, p95Ms: Math.round(p95(xs) * 10) / 10 });
  results.panning = {
    idle: stats(idle),
    trainingCurvesTab: stats(training),
    trainingRunsTab: stats(trainingNoViews),
    trainingPaused: stats(paused),
  };
  console.log(JSON.stringify(results.panning));
});

test('training throughput per open view', async ({ page }) => {
  const views: [string, (p: Page) => Promise<void>][] = [
    ['warm-up (not reported)', async (p) => void (await p.getByTestId('tab-runs').click())],
    ['closed (Runs tab)', async (p) => void (await p.getByTestId('tab-runs').click())],
    ['curves', async (p) => void (await p.getByTestId('tab-curves').click())],
    [
      'activations (hidden)',
      async (p) => {
        await p.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['hidden'], edges: [] }));
        await p.getByTestId('tab-activations').click();
      },
    ],
    [
      'gradients + edge overlay',
      async (p) => {
        await p.getByTestId('tab-gradients').click();
      },
    ],
    ['model (confusion matrix)', async (p) => void (await p.getByTestId('tab-model').click())],
  ];
  const throughput: Record<string, number[]> = {};
  await setUp(page, 12_000, 1);
  // Twice over, interleaved: the machine's other load drifts.
  for (const [name, open] of [...views, ...views.slice(1)]) {
    await open(page);
    await page.getByTestId('train-start').click();
    if (name.startsWith('gradients')) {
      await expect(page.getByTestId('run-state')).toHaveText(/running|completed/, { timeout: 60_000 });
      await page.getByTestId('edge-overlay-toggle').check({ timeout: 60_000 }).catch(() => undefined);
    }
    await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped/, { timeout: 300_000 });
    const speed = await page.evaluate(() => {
      const run = window.__netwrightTraining?.store.getState().runs.at(-1);
      return Math.round(run?.samplesPerSecond ?? NaN);
    });
    (throughput[name] ??= []).push(speed);
    console.log(name, speed, 'samples/s');
  }
  delete throughput['warm-up (not reported)'];
  results.throughput = throughput;
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/training-ui-bench.json', JSON.stringify(results, null, 2));
});
