/**
 * The seq2seq-dates template's first epoch in the app (web build, the engine worker, the whole
 * training set): afterwards, a typed date decodes with a readable attention diagonal. Saves
 * docs/screenshots/attention-first-epoch.png and prints the attention mass on the aligned source
 * characters of "21.11.2026" (core/engine/attention-probe.ts: chance 0.1, readable >= 0.5).
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { load, template } from '../e2e/training-helpers';

// Output character t of "2026-11-21" comes from this position of "21.11.2026" (null: a dash).
const SOURCE = '21.11.2026';
const ALIGNED = [6, 7, 8, 9, null, 3, 4, null, 0, 1];

test.use({ viewport: { width: 1440, height: 1100 } });

test('seq2seq-dates: one epoch in the app, then a readable attention diagonal', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await load(page, template('seq2seq-dates', { epochs: 1 }));
  const started = Date.now();
  const loadAtStart = loadavg()[0] ?? NaN;
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|error|non-finite/, { timeout: 25 * 60_000 });
  expect(await page.getByTestId('run-state').textContent()).toBe('completed');
  const seconds = (Date.now() - started) / 1000;
  const backend = await page.getByTestId('backend-name').textContent();

  await page.getByTestId('tab-attention').click();
  await page.getByLabel('Source text').fill(SOURCE);
  await page.getByRole('button', { name: 'Decode' }).click();
  const result = page.getByTestId('decode-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  const map = result.getByTestId('attention-heatmap');
  const cols = Number(await map.getAttribute('data-cols'));
  const values = JSON.parse((await map.getAttribute('data-values')) ?? '[]') as number[];
  const rowLabels = JSON.parse((await map.getAttribute('data-row-labels')) ?? '[]') as string[];
  const pairs = ALIGNED.flatMap((s, t) => (s === null ? [] : [values[t * cols + s] ?? 0]));
  const mass = pairs.reduce((a, b) => a + b, 0) / pairs.length;
  console.info(
    `seq2seq-dates, 1 epoch in the web build (${backend}): ${seconds.toFixed(0)} s wall, load ${loadAtStart.toFixed(1)} -> ${loadavg()[0]?.toFixed(1)} ` +
      `(${cpus().length} cores); "${SOURCE}" decodes to "${rowLabels.join('')}", attention on the aligned characters ${mass.toFixed(3)}`,
  );
  await result.scrollIntoViewIfNeeded();
  mkdirSync('docs/screenshots', { recursive: true });
  await page.getByTestId('training-dock').screenshot({ path: 'docs/screenshots/attention-first-epoch.png' });
  expect(mass).toBeGreaterThanOrEqual(0.5);
  expect(problems).toEqual([]);
});
