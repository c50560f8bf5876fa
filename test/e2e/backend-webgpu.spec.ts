/**
 * Every catalogue layer type trains on the browser's webgpu backend as on cpu: the engine worker
 * runs core/engine/backend-check (outputs and gradients of every case, from identical weights and
 * inputs, within 1e-4 relative) with webgpu as the candidate. Without a GPU, Chromium's WebGPU
 * adapter is SwiftShader (a software Vulkan driver, `isFallbackAdapter`), enabled here with
 * --enable-unsafe-webgpu. test/unit/engine/backend-webgpu.test.ts runs the same check in Node on Dawn.
 *
 * The check reads results asynchronously (data()). The synchronous read (dataSync), which the
 * inspection views use, is a separate path on webgpu (through a canvas) that returns zeros on this adapter:
 * the engine's backend probe must then refuse webgpu, even when asked for it by name.
 *
 * NETWRIGHT_NO_WEBGPU=1 says the machine cannot provide a WebGPU adapter: skipped then, and only then.
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import config from '../../playwright.config';

const NO_WEBGPU = process.env.NETWRIGHT_NO_WEBGPU === '1';
const launchOptions = config.use?.launchOptions ?? {};
test.use({ launchOptions: { ...launchOptions, args: [...(launchOptions.args ?? []), '--enable-unsafe-webgpu'] } });

test.skip(NO_WEBGPU, 'NETWRIGHT_NO_WEBGPU=1: this machine cannot provide a WebGPU adapter');

test('every catalogue layer: webgpu outputs and gradients agree with cpu within 1e-4; the probe refuses a wrong synchronous read', async ({ page }) => {
  // A safety net, not a speed check: 45-66 s measured with two workers at load 20-31.
  test.setTimeout(420_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });

  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const found = gpu ? await gpu.requestAdapter() : null;
    if (!found) return null;
    const { vendor, architecture, description, isFallbackAdapter } = found.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    return { vendor, architecture, description, isFallbackAdapter: isFallbackAdapter ?? false };
  });
  expect(adapter, 'no WebGPU adapter in this Chromium (set NETWRIGHT_NO_WEBGPU=1 only where none can be had)').not.toBeNull();
  console.log(`WebGPU adapter: ${JSON.stringify(adapter)}`);

  const results = await page.evaluate(async () => {
    const engine = window.__netwrightTraining?.engine;
    if (!engine) throw new Error('no test hook');
    return engine.checkBackendGradients('webgpu');
  });
  expect(results.length).toBeGreaterThan(40);
  const worstByType = new Map<string, number>();
  for (const r of results) worstByType.set(r.type, Math.max(worstByType.get(r.type) ?? 0, r.worstRelative));
  console.log(`worst relative error, webgpu vs cpu: ${[...worstByType].map(([type, w]) => `${type} ${w.toExponential(1)}`).join(', ')}`);
  const failures = results.filter((r) => !r.ok).map((r) => `${r.type} ${r.caseName}: ${r.worstRelative} ${r.detail ?? ''}`);
  expect(failures).toEqual([]);

  // Asked for by name, webgpu is used only if its synchronous read is right too.
  const report = await page.evaluate(async () => {
    const engine = window.__netwrightTraining?.engine;
    if (!engine) throw new Error('no test hook');
    const chosen = await engine.selectBackend({ override: 'webgpu' });
    // Back to the automatic choice for anything after this test.
    await engine.selectBackend({});
    return chosen;
  });
  console.log(`selectBackend({ override: 'webgpu' }): ${JSON.stringify({ backend: report.backend, skipped: report.skipped })}`);
  if (report.backend !== 'webgpu') {
    expect(report.skipped[0]?.name).toBe('webgpu');
    expect(report.skipped[0]?.reason).toMatch(/^matmul read synchronously \(as the inspection views read\) gave \[/);
    // Chosen in the training dock, the run is refused with the probe's reason (not trained on
    // zeros): the wrong read, or SwiftShader's device failing after it ("createBuffer failed").
    await page.evaluate((d) => {
      window.__netwright?.store.getState().load(d as never, { name: null, handle: null, savedText: null });
    }, JSON.parse(readFileSync('examples/playground-spirals.json', 'utf8')) as unknown);
    await page.getByText('Backend', { exact: true }).locator('..').locator('select').selectOption('webgpu');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('training-error')).toContainText(/the webgpu backend does not work here \(.+\); choose another backend \(auto picks (wasm|webgl|cpu)\)/, { timeout: 60_000 });
    await expect(page.getByTestId('run-state')).toHaveText('error');
    await page.getByTestId('training-dock').screenshot({ path: 'docs/screenshots/training-backend-refused.png' });
  }
  expect(problems).toEqual([]);
});
