/**
 * Measures the time-left estimate (ETA) of a training run against the real remaining time: the
 * ETA shown about 5 s after the first step, and the time the run then really took. Prints both;
 * the issue asks for them to agree within 2x (measured here, not asserted: timings are noisy).
 */
import { expect, test } from '@playwright/test';
import { load, template } from './training-helpers';

test.use({ viewport: { width: 1600, height: 1000 } });

// Two epochs keep an epoch boundary (validation pass) inside the estimate; a third added only
// time (110 s of training at load 11, 2026-12-06).
test('ETA at ~3 s against the real remaining time (MLP, MNIST, 2 epochs of 20,000 samples)', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?trainLimit=20000');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await load(page, template('mlp-mnist', { epochs: 2, batchSize: 32 }));
  await page.getByTestId('train-start').click();
  await expect.poll(() => page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.steps.length ?? 0), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.waitForTimeout(3_000);
  const eta = Number(await page.getByTestId('eta').getAttribute('data-seconds'));
  const shownAt = Date.now();
  // The estimate must be read while the run still goes, or there is nothing to compare.
  await expect(page.getByTestId('run-state')).not.toHaveText(/completed/, { timeout: 1 });
  await expect(page.getByTestId('run-state')).toHaveText(/completed/, { timeout: 200_000 });
  const real = (Date.now() - shownAt) / 1000;
  console.log(`ETA shown at ~3 s after the first step: ${eta.toFixed(1)} s; real remaining time: ${real.toFixed(1)} s; ratio ETA/real ${(eta / real).toFixed(2)}`);
  expect(Number.isFinite(eta)).toBe(true);
  expect(eta).toBeGreaterThan(0);
});
