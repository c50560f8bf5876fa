/**
 * Training views over time: attention maps kept per epoch (scrubbed with a slider), a
 * conditional VAE generating a chosen digit, and per-layer weight/gradient histograms per epoch.
 * Runs use `?trainLimit=N` (the quick-run sample limit) so they stay short.
 */
import { expect, test, type Page } from '@playwright/test';
import { load, shot, template } from './training-helpers';


async function open(page: Page, limit: number): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`/?trainLimit=${limit}`);
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  return problems;
}

async function trainToEnd(page: Page): Promise<string> {
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|early-stopped|non-finite|error/, { timeout: 120_000 });
  return (await page.getByTestId('run-state').textContent()) ?? '';
}

const values = async (page: Page): Promise<number[]> =>
  JSON.parse((await page.getByTestId('attention-heatmap').first().getAttribute('data-values')) ?? '[]') as number[];

test.use({ viewport: { width: 1440, height: 1100 } });

test.describe('training views over time', () => {
  test('attention history: a slider over epoch-end snapshots; the matrix follows it', async ({ page }) => {
    test.setTimeout(180_000);
    const problems = await open(page, 1_024);
    await load(page, template('seq2seq-dates', { epochs: 2, batchSize: 32 }));
    await page.getByTestId('tab-attention').click();
    expect(await trainToEnd(page)).toBe('completed');
    const slider = page.getByTestId('attention-epoch-slider');
    await expect(slider).toBeVisible({ timeout: 30_000 });
    // Two epoch-end snapshots and the latest map: at least 2 positions; the newest is shown.
    const max = Number(await slider.getAttribute('max'));
    expect(max).toBeGreaterThanOrEqual(1);
    expect(Number(await slider.inputValue())).toBe(max);
    const newest = await values(page);
    expect(newest.length).toBeGreaterThan(1);

    await slider.fill('0');
    await expect(page.getByTestId('attention-epoch-label')).toHaveText('epoch 1');
    await expect.poll(() => values(page)).not.toEqual(newest);
    // What is drawn is the snapshot the worker sent at the end of epoch 1.
    const epoch1 = await page.evaluate(() => {
      const run = window.__netwrightTraining?.store.getState().runs.at(-1);
      const head = run?.attentionHistory.find((h) => h.epoch === 1)?.result.maps[0]?.heads[0];
      return head ? Array.from(head, (v) => Number(v.toFixed(5))) : null;
    });
    expect(epoch1).not.toBeNull();
    expect(await values(page)).toEqual(epoch1);
    for (const s of JSON.parse((await page.getByTestId('attention-heatmap').first().getAttribute('data-row-sums')) ?? '[]') as number[]) {
      expect(Math.abs(s - 1)).toBeLessThan(1e-3);
    }
    await shot(page, 'attention-history');

    // Back to the newest position.
    await slider.fill(String(max));
    await expect.poll(() => values(page)).toEqual(newest);
    expect(problems).toEqual([]);
  });

  test('conditional VAE: the "Generate digit" label changes the decoded images', async ({ page }) => {
    const problems = await open(page, 4_000);
    await load(page, template('cvae-mnist', { epochs: 2, batchSize: 50 }));
    expect(await trainToEnd(page)).toBe('completed');
    await page.getByTestId('tab-vae').click();
    const picker = page.getByTestId('generate-label');
    await expect(picker).toBeVisible({ timeout: 30_000 });
    await expect(picker.locator('option')).toHaveCount(10);
    const grid = page.getByTestId('generated-digits');
    await expect(grid).toHaveAttribute('data-label', '0', { timeout: 30_000 });
    const pixels = () => grid.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const zero = await pixels();
    // The latent explorer below decodes its z with the same label.
    const explorer = page.getByTestId('latent-decoded');
    await expect(explorer).toBeVisible({ timeout: 30_000 });
    const explorerPixels = () => explorer.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const explorerZero = await explorerPixels();
    await picker.selectOption({ index: 7 });
    await expect(grid).toHaveAttribute('data-label', '7', { timeout: 30_000 });
    await expect.poll(pixels).not.toBe(zero);
    await expect.poll(explorerPixels).not.toBe(explorerZero);
    await grid.scrollIntoViewIfNeeded();
    await shot(page, 'cvae');
    expect(problems).toEqual([]);
  });

  test('histograms over epochs: weights and gradients per layer, one row per finished epoch', async ({ page }) => {
    const problems = await open(page, 2_000);
    await load(page, template('mlp-mnist', { epochs: 2, batchSize: 64 }));
    expect(await trainToEnd(page)).toBe('completed');
    await page.getByTestId('tab-gradients').click();
    const weights = page.getByTestId('weight-histograms');
    const gradients = page.getByTestId('gradient-histograms');
    await expect(weights).toBeVisible({ timeout: 30_000 });
    await expect(weights).toHaveAttribute('data-rows', '2');
    await expect(gradients).toHaveAttribute('data-rows', '2');
    await expect(page.getByTestId('histogram-layer').locator('option')).toHaveCount(2);

    // Every weight of the layer is counted once: hidden is 784 x 128 + 128 bias values.
    const snapshot = await page.evaluate(() =>
      window.__netwrightTraining?.store.getState().runs.at(-1)?.histograms.map((h) => ({
        epoch: h.epoch,
        hidden: h.layers.find((l) => l.nodeId === 'hidden') ?? null,
      })),
    );
    expect(snapshot?.map((s) => s.epoch)).toEqual([1, 2]);
    for (const s of snapshot ?? []) {
      const sum = (c: number[]) => c.reduce((a, b) => a + b, 0);
      expect(s.hidden?.weights.counts).toHaveLength(30);
      expect(sum(s.hidden?.weights.counts ?? [])).toBe(784 * 128 + 128);
      expect(sum(s.hidden?.gradients.counts ?? [])).toBe(784 * 128 + 128);
      expect(s.hidden?.gradients.max ?? 0).toBeGreaterThan(s.hidden?.gradients.min ?? 0);
    }
    // Training moved the weights between the two snapshots.
    expect(snapshot?.[0]?.hidden?.weights).not.toEqual(snapshot?.[1]?.hidden?.weights);

    await page.getByTestId('histogram-layer').selectOption('logits');
    await expect(weights).toHaveAttribute('data-layer', 'logits');
    await page.getByTestId('histogram-layer').selectOption('hidden');
    await gradients.scrollIntoViewIfNeeded();
    await shot(page, 'histograms');
    expect(problems).toEqual([]);
  });
});
