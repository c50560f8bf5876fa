/**
 * Every catalogue layer type trains on the browser's webgl backend as on cpu: the engine worker
 * runs core/engine/backend-check (outputs and gradients of every case, from identical weights and
 * inputs, within 1e-4 relative) with webgl as the candidate. In this Chromium, webgl is
 * SwiftShader (software GL), but its shaders run in float32 like on a GPU.
 */
import { expect, test } from '@playwright/test';

test('every catalogue layer: webgl outputs and gradients agree with cpu within 1e-4', async ({ page }) => {
  // A safety net, not a speed check: 59-72 s measured with two workers at load 20-31, beside
  // backend-agreement; one such run at load ~18 (other helpers running) once exceeded 180 s.
  test.setTimeout(420_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  const results = await page.evaluate(async () => {
    const engine = window.__netwrightTraining?.engine;
    if (!engine) throw new Error('no test hook');
    return engine.checkBackendGradients('webgl');
  });
  expect(results.length).toBeGreaterThan(40);

  const worstByType = new Map<string, { worst: number; detail: string }>();
  for (const r of results) {
    const seen = worstByType.get(r.type);
    if (!seen || !(r.worstRelative <= seen.worst)) worstByType.set(r.type, { worst: r.worstRelative, detail: `${r.caseName}: ${r.detail ?? ''}` });
  }
  // The tolerance is the one of the Node test, 1e-4 relative (see compareResults); not loosened.
  console.log('worst relative error, webgl vs cpu, per layer type:');
  for (const [type, { worst, detail }] of worstByType) console.log(`  ${type.padEnd(24)} ${worst.toExponential(2)}  ${worst > 1e-4 ? detail : ''}`);

  const failures = results.filter((r) => !r.ok).map((r) => `${r.type} ${r.caseName}: ${r.worstRelative} ${r.detail ?? ''}`);
  expect(failures).toEqual([]);
  expect(problems).toEqual([]);
});
