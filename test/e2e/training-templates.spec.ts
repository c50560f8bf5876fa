/**
 * Every template trains from the app: each example graph is opened in the editor and trained for
 * one short epoch (a few dozen samples) by the engine worker, which must finish it with a finite
 * loss.
 */
import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';

type Doc = { training: Record<string, unknown> };

const templates = readdirSync('examples')
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

test.use({ viewport: { width: 1440, height: 1100 } });

test('every template trains one short epoch in the app', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/?trainLimit=48');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  const results: Record<string, { state: string; loss: number | null }> = {};
  for (const id of templates) {
    const doc = JSON.parse(readFileSync(`examples/${id}.json`, 'utf8')) as Doc;
    doc.training = { ...doc.training, epochs: 1, batchSize: 16 };
    await page.evaluate((d) => {
      const nw = window.__netwright;
      if (!nw) throw new Error('no test hook');
      nw.store.getState().load(d as never, { name: null, handle: null, savedText: null });
    }, doc);
    const runsBefore = await page.evaluate(() => window.__netwrightTraining?.store.getState().runs.length ?? 0);
    await page.getByTestId('train-start').click();
    // A new run exists, and it ends.
    await expect.poll(() => page.evaluate(() => window.__netwrightTraining?.store.getState().runs.length ?? 0), { timeout: 120_000 }).toBe(runsBefore + 1);
    await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|early-stopped|non-finite|error/, { timeout: 180_000 });
    const state = (await page.getByTestId('run-state').textContent()) ?? '';
    const loss = await page.evaluate(() => {
      const run = window.__netwrightTraining?.store.getState().runs.at(-1);
      return run?.epochLoss.at(-1) ?? run?.losses.at(-1) ?? null;
    });
    results[id] = { state, loss };
  }
  for (const id of templates) {
    expect(results[id]?.state, `${id}: ${JSON.stringify(results[id])}`).toBe('completed');
    expect(Number.isFinite(results[id]?.loss ?? Number.NaN), `${id} loss`).toBe(true);
  }
  expect(problems).toEqual([]);
});
