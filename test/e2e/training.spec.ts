/**
 * Training in the app (web build): the engine worker trains templates on small subsets of their
 * datasets, and the dock's views show what it sends back. Runs use `?trainLimit=N` (the quick-run
 * sample limit) so the suite stays fast.
 */
import { expect, test, type Page } from '@playwright/test';
import { load, shot, template } from './training-helpers';


async function open(page: Page, limit: number | null): Promise<void> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(limit === null ? '/' : `/?trainLimit=${limit}`);
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  (page as Page & { problems?: string[] }).problems = problems;
}

async function start(page: Page): Promise<void> {
  await page.getByTestId('train-start').click();
  // Past loading (a short run may already be over).
  await expect(page.getByTestId('run-state')).toHaveText(/running|paused|completed|stopped|early-stopped|non-finite|error/, { timeout: 60_000 });
}

async function waitForEnd(page: Page, timeout = 90_000): Promise<string> {
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|early-stopped|non-finite|error/, { timeout });
  return (await page.getByTestId('run-state').textContent()) ?? '';
}

test.use({ viewport: { width: 1440, height: 1100 } });

test.describe('training in the app', () => {
  // Each test trains and then inspects; on a 2-core CI machine shared with other work that takes
  // well over the default 90 s (observed ~100 s at load average 20).
  test.describe.configure({ timeout: 240_000 });
  test('MLP: the curve gets points, the progress bar moves, stop is acknowledged', async ({ page }) => {
    // The whole training set (54,000 images): long enough to stop it part-way.
    await open(page, null);
    await load(page, template('mlp-mnist', { epochs: 1, batchSize: 64 }));
    await start(page);
    const chart = page.getByTestId('loss-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(20);
    const progress = page.getByTestId('progress-bar');
    const before = Number(await progress.getAttribute('aria-valuenow'));
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(before);
    await expect(page.getByTestId('run-backend')).toContainText(/Backend (wasm|webgl|webgpu|cpu): /);

    // Pause: acknowledged once the loop stands between two steps; no step is taken while paused.
    const steps = () => page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.steps.length ?? -1);
    await page.getByTestId('train-pause').click();
    await expect(page.getByTestId('run-state')).toHaveText('paused');
    const pausedAt = await steps();
    await page.waitForTimeout(600);
    expect(await steps()).toBe(pausedAt);
    await page.getByTestId('train-resume').click();
    await expect(page.getByTestId('run-state')).toHaveText('running');
    await expect.poll(steps).toBeGreaterThan(pausedAt);

    await page.getByTestId('train-stop').click();
    expect(await waitForEnd(page, 15_000)).toBe('stopped');
    expect(Number(await progress.getAttribute('aria-valuenow'))).toBeLessThan(100);
    await shot(page, 'curves');

    // The charts follow the dock: Focus training gives the loss chart more height, and back.
    const plotHeight = () => chart.locator('canvas').first().evaluate((c) => c.getBoundingClientRect().height);
    const normal = await plotHeight();
    expect(normal).toBeGreaterThan(120);
    await page.getByTestId('focus-training').click();
    await expect.poll(plotHeight).toBeGreaterThan(normal + 100);
    await page.getByTestId('focus-training').click();
    await expect.poll(plotHeight).toBeLessThan(normal + 10);

    // The confusion matrix of the stopped model, on validation samples.
    await page.getByTestId('tab-confusion').click();
    await expect(page.getByTestId('confusion-matrix')).toBeVisible({ timeout: 30_000 });
    await shot(page, 'confusion');

    // Activations of the hidden layer for one validation sample, with its dead-ReLU share.
    await page.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['hidden'], edges: [] }));
    await page.getByTestId('tab-activations').click();
    await expect(page.getByTestId('activations-view')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('dead-share')).toContainText('%');
    await shot(page, 'activations');
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
  });

  test('seq2seq attention: a matrix with token labels whose rows sum to 1', async ({ page }) => {
    await open(page, 256);
    await load(page, template('seq2seq-dates', { epochs: 1, batchSize: 32 }));
    await start(page);
    await page.getByTestId('tab-attention').click();
    const map = page.getByTestId('attention-heatmap').first();
    await expect(map).toBeVisible({ timeout: 60_000 });
    const rows = Number(await map.getAttribute('data-rows'));
    const cols = Number(await map.getAttribute('data-cols'));
    const rowLabels = JSON.parse((await map.getAttribute('data-row-labels')) ?? '[]') as string[];
    const colLabels = JSON.parse((await map.getAttribute('data-col-labels')) ?? '[]') as string[];
    const sums = JSON.parse((await map.getAttribute('data-row-sums')) ?? '[]') as number[];
    expect(rows).toBeGreaterThan(1);
    expect(cols).toBeGreaterThan(1);
    expect(rowLabels).toHaveLength(rows);
    expect(colLabels).toHaveLength(cols);
    // Labels are the sample's actual tokens (decoded with the dataset's vocabularies).
    const sample = page.getByTestId('seq2seq-sample');
    const source = (await sample.locator('tr').nth(0).locator('td').textContent()) ?? '';
    expect([colLabels.join(''), colLabels.join(' ')]).toContain(source);
    for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(1e-3);
    await shot(page, 'attention');
    await waitForEnd(page);

    // Type a source string: greedy/beam output with its own attention map.
    await page.getByLabel('Source text').fill('3 May 2011');
    await page.getByRole('button', { name: 'Decode' }).click();
    await expect(page.getByTestId('decode-result')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('decode-result').getByTestId('attention-heatmap')).toBeVisible();
    await page.getByTestId('decode-result').scrollIntoViewIfNeeded();
    await shot(page, 'attention-decode');
  });

  test('gradients: a norm per layer, and the edge overlay restyles edges', async ({ page }) => {
    await open(page, 2_000);
    await load(page, template('mlp-mnist', { epochs: 1, batchSize: 32 }));
    await start(page);
    await waitForEnd(page);
    await page.getByTestId('tab-gradients').click();
    const table = page.getByTestId('gradient-table');
    await expect(table).toBeVisible();
    // hidden and logits have weights: one row each, with a positive finite norm.
    const rows = table.locator('tbody tr');
    await expect(rows).toHaveCount(2);
    for (const id of ['hidden', 'logits']) {
      const norm = Number(await table.locator(`tr[data-node-id="${id}"] [data-testid="grad-norm"]`).textContent());
      expect(norm).toBeGreaterThan(0);
      expect(Number.isFinite(norm)).toBe(true);
    }
    const edgePath = page.locator('.react-flow__edge[data-id="e3"] path.react-flow__edge-path, .react-flow__edge[data-testid$="e3"] path.react-flow__edge-path').first();
    const hasCanvasEdges = (await page.locator('.react-flow__edge').count()) > 0;
    const widthBefore = hasCanvasEdges ? await edgePath.evaluate((el) => getComputedStyle(el).strokeWidth) : null;
    await page.getByTestId('edge-overlay-toggle').check();
    await expect(page.getByTestId('overlay-legend')).toBeVisible({ timeout: 30_000 });
    const overlay = await page.evaluate(() => window.__netwright?.store.getState().edgeOverlay ?? null);
    expect(overlay).not.toBeNull();
    const edges = Object.keys(overlay ?? {});
    expect(edges.length).toBeGreaterThan(3);
    const widths = Object.values(overlay ?? {}).map((s) => (s as { width: number }).width);
    expect(Math.max(...widths)).toBeGreaterThan(Math.min(...widths));
    if (hasCanvasEdges) {
      await expect.poll(() => edgePath.evaluate((el) => getComputedStyle(el).strokeWidth)).not.toBe(widthBefore);
    }
    await shot(page, 'gradients');

    // The gradient and ratio charts fill their box like the curves: their column's width, and
    // the dock's height, so Focus training makes them taller (they were a fixed 460x170).
    const plot = (id: string) =>
      page.getByTestId(id).locator('canvas').first().evaluate((c) => {
        const box = c.getBoundingClientRect();
        const column = (c.closest('.curves-charts > div') as HTMLElement).getBoundingClientRect();
        return { width: box.width, height: box.height, column: column.width };
      });
    // Scrolled within the dock's view only (scrollIntoView would also scroll the clipped workspace).
    await page.getByTestId('grad-chart').evaluate((chart) => {
      const view = chart.closest('.dock-view') as HTMLElement;
      const row = chart.closest('.gradient-charts') as HTMLElement;
      view.scrollTop += row.getBoundingClientRect().top - view.getBoundingClientRect().top;
    });
    await shot(page, 'gradient-charts');
    const normal = { grad: await plot('grad-chart'), ratio: await plot('ratio-chart') };
    for (const chart of [normal.grad, normal.ratio]) {
      expect(chart.column).toBeGreaterThan(560);
      expect(chart.width).toBeGreaterThan(chart.column - 80);
      expect(chart.height).toBeGreaterThan(220);
    }
    await page.getByTestId('focus-training').click();
    await expect.poll(async () => (await plot('grad-chart')).height).toBeGreaterThan(normal.grad.height + 100);
    await expect.poll(async () => (await plot('ratio-chart')).height).toBeGreaterThan(normal.ratio.height + 100);
    await page.getByTestId('focus-training').click();
    await expect.poll(async () => (await plot('grad-chart')).height).toBeLessThan(normal.grad.height + 10);

    // Inspections dispose what they make: the worker's tensor count is the same after repeats.
    const numTensors = () => page.evaluate(async () => (await window.__netwrightTraining?.engine.memory())?.numTensors ?? -1);
    const inspectAll = () =>
      page.evaluate(async () => {
        const engine = window.__netwrightTraining?.engine;
        if (!engine) throw new Error('no engine hook');
        for (const nodeId of ['hidden', 'logits', 'flatten']) await engine.inspect({ kind: 'activations', nodeId, sample: 3 });
        await engine.inspect({ kind: 'gradient-flow', samples: 16 });
        await engine.inspect({ kind: 'confusion', samples: 300 });
        await engine.inspect({ kind: 'sample', sample: 1 });
      });
    await inspectAll(); // builds the cached inspection and gradient-probe models once
    const before = await numTensors();
    for (let i = 0; i < 3; i++) await inspectAll();
    expect(await numTensors()).toBe(before);
    await page.screenshot({ path: 'docs/screenshots/training-gradient-overlay.png' });
    await page.getByTestId('edge-overlay-toggle').uncheck();
    expect(await page.evaluate(() => window.__netwright?.store.getState().edgeOverlay ?? null)).toBeNull();
  });

  test('VAE: reconstructions and prior samples render; the latent explorer changes the image', async ({ page }) => {
    await open(page, 1_000);
    await load(page, template('vae-mlp-mnist', { epochs: 1, batchSize: 50 }));
    await start(page);
    await waitForEnd(page);
    await page.getByTestId('tab-vae').click();
    await expect(page.getByTestId('vae-reconstructions')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('vae-prior')).toBeVisible();
    const decoded = page.getByTestId('latent-decoded');
    await expect(decoded).toBeVisible({ timeout: 30_000 });
    const pixels = () => decoded.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const before = await pixels();
    await shot(page, 'vae');
    // A slider moves one latent dimension...
    const slider = page.getByLabel('latent 1');
    await slider.scrollIntoViewIfNeeded();
    await slider.fill('2.5');
    await expect.poll(pixels, { timeout: 30_000 }).not.toBe(before);
    const afterSlider = await pixels();
    // ...and dragging in the 2-D latent plane moves the first two.
    const scatter = page.getByTestId('latent-scatter');
    await scatter.scrollIntoViewIfNeeded();
    const box = await scatter.boundingBox();
    if (!box) throw new Error('no scatter');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.9, { steps: 4 });
    await page.mouse.up();
    await expect.poll(pixels, { timeout: 30_000 }).not.toBe(afterSlider);
    await shot(page, 'vae-latent');
  });

  test('NaN: a huge learning rate stops training and highlights the offending node', async ({ page }) => {
    await open(page, 2_000);
    // A VAE's exp(logvar) overflows float32 within a few steps of Adam at learning rate 100.
    const doc = template('vae-mlp-mnist', { epochs: 1, batchSize: 50, learningRate: 100 });
    await load(page, doc);
    await start(page);
    expect(await waitForEnd(page)).toBe('non-finite');
    await expect(page.getByTestId('training-error')).toContainText(/not finite|NaN|Inf/i);
    const highlight = await page.evaluate(() => window.__netwright?.store.getState().highlight ?? null);
    expect(highlight).not.toBeNull();
    const nodeIds = doc.nodes.map((n) => n.id);
    expect(nodeIds).toContain((highlight as { nodeId: string }).nodeId);
    await shot(page, 'nan');
  });

  test('waves (forecasting, a regression): the LSTM template trains; curves, the forecast beside the true next value, gradients', async ({ page }) => {
    await open(page, 1024);
    await load(page, template('lstm-waves', { epochs: 4 }));
    await start(page);
    expect(await waitForEnd(page, 180_000)).toBe('completed');
    const losses = await page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.epochLoss ?? []);
    expect(losses).toHaveLength(4);
    // Measured (wasm, seeded): 0.162 -> 0.072 over 4 epochs of 1,024 windows (validation 0.102 ->
    // 0.063); forecasting 0, the series' mean, costs its variance, 0.23.
    expect(losses.at(-1) as number).toBeLessThan(losses[0] as number);
    expect(losses.at(-1) as number).toBeLessThan(0.23 / 2);
    await shot(page, 'waves-curves');
    // The confusion matrix is for class labels only.
    await expect(page.getByTestId('tab-confusion')).toHaveCount(0);
    await page.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['forecast'], edges: [] }));
    await page.getByTestId('tab-activations').click();
    await expect(page.getByTestId('activations-view').locator('h3')).toHaveText('forecast', { timeout: 30_000 });
    // The sample's target is shown as its value (a regression label), e.g. "label: -0.444".
    await expect(page.locator('.view-tools')).toContainText(/label: -?\d\.\d{3}/);
    await shot(page, 'waves-activations');
    await page.getByTestId('tab-gradients').click();
    await expect(page.getByTestId('gradient-table')).toBeVisible({ timeout: 30_000 });
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
  });

  test('CNN: feature maps of a convolution; multi-head attention per head', async ({ page }) => {
    await open(page, 512);
    await load(page, template('lenet-mnist', { epochs: 1, batchSize: 64 }));
    await start(page);
    await waitForEnd(page);
    await page.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['conv1'], edges: [] }));
    await page.getByTestId('tab-activations').click();
    await expect(page.getByTestId('activation-maps')).toBeVisible({ timeout: 30_000 });
    await shot(page, 'feature-maps');

    await load(page, template('transformer-sentiment', { epochs: 1, batchSize: 32 }));
    await start(page);
    await waitForEnd(page);
    await page.getByTestId('tab-attention').click();
    const map = page.getByTestId('attention-heatmap').first();
    await expect(map).toBeVisible({ timeout: 30_000 });
    // Self-attention over the sentence: the same tokens on both axes; two heads to switch between.
    expect(await map.getAttribute('data-row-labels')).toBe(await map.getAttribute('data-col-labels'));
    await page.getByRole('button', { name: 'head 2' }).click();
    for (const s of JSON.parse((await map.getAttribute('data-row-sums')) ?? '[]') as number[]) expect(Math.abs(s - 1)).toBeLessThan(1e-3);
    await shot(page, 'attention-heads');

    // Both runs are listed, each with its manifest.
    await page.getByTestId('tab-runs').click();
    await expect(page.getByTestId('runs-table').locator('tbody tr')).toHaveCount(2);
    await expect(page.getByTestId('runs-table')).toContainText('Run 1: LeNet-style CNN (MNIST)');
    await expect(page.getByTestId('runs-table').locator('summary')).toHaveCount(2);
    await shot(page, 'runs');
  });
});
