/**
 * The wasm backend's thread count (issue 13): chosen in the dock's Setup, saved on this computer,
 * applied by restarting the engine worker (tfjs reads it only when its wasm backend starts), and
 * reported by tfjs itself (getThreadsCount, shown in the status bar's backend details).
 */
import { expect, test } from '@playwright/test';
import { load, template } from './training-helpers';

const pool = (threads: number) => new RegExp(`^wasm thread pool: ${threads} threads? \\(asked ${threads}; \\d+ logical cores\\)$`);

test('the worker runs the wasm thread count chosen in Setup, keeps the run open, and trains with it', async ({ page }) => {
  // Two trainings and three engine starts (each compiles the wasm modules): ~80 s at load 15.
  test.setTimeout(240_000);
  await page.goto('/?trainLimit=640');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  test.skip((await page.getByTestId('backend-name').textContent()) !== 'wasm', 'a GPU backend was chosen: no wasm pool');
  const line = page.getByTestId('wasm-threads');
  // The default: one thread (tfjs' own would be hardwareConcurrency / 2).
  await expect(line).toHaveText(pool(1));

  await load(page, template('mlp-mnist', { epochs: 1, batchSize: 64 }));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('completed', { timeout: 60_000 });

  await page.getByTestId('tab-setup').click();
  const select = page.getByTestId('wasm-threads-select');
  await expect(select).toHaveValue('default');
  await expect(page.getByTestId('wasm-threads-running')).toHaveText('running 1');
  await page.locator('fieldset', { has: select }).screenshot({ path: 'test-results/wasm-threads-setup.png' });
  await select.selectOption('2');
  // A new worker whose wasm module reports a pool of two threads...
  await expect(line).toHaveText(pool(2), { timeout: 60_000 });
  await expect(page.getByTestId('wasm-threads-running')).toHaveText('running 2');
  // ...on the threaded build's shared memory, with Netwright's SIMD kernels on it...
  await expect(page.getByTestId('simd-kernels')).toHaveText("Netwright SIMD kernels: in use on tfjs' wasm memory (shared: threaded build)");
  // ...that holds the finished run's weights again (its views keep working)...
  await expect
    .poll(() => page.evaluate(() => {
      const s = window.__netwrightTraining?.store.getState();
      return s ? s.loadedRunId !== null && s.loadedRunId === s.activeRunId : false;
    }))
    .toBe(true);
  // ...and trains.
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('completed', { timeout: 60_000 });
  const speed = await page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.samplesPerSecond ?? 0);
  expect(speed).toBeGreaterThan(0);

  // Saved on this computer: a reload starts with two threads.
  await page.reload();
  await expect(line).toHaveText(pool(2), { timeout: 60_000 });
  // Back to the default.
  await page.getByTestId('tab-setup').click();
  await expect(page.getByTestId('wasm-threads-select')).toHaveValue('2');
  await page.getByTestId('wasm-threads-select').selectOption('default');
  await expect(line).toHaveText(pool(1), { timeout: 60_000 });
  expect(await page.evaluate(() => window.localStorage.getItem('netwright.wasmThreads'))).toBeNull();
});

test('?threads=N asks the worker for N threads (what bench:browser uses)', async ({ page }) => {
  await page.goto('/?threads=2');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  test.skip((await page.getByTestId('backend-name').textContent()) !== 'wasm', 'a GPU backend was chosen: no wasm pool');
  await expect(page.getByTestId('wasm-threads')).toHaveText(pool(2));
});
