/**
 * The same training on two backends: every template, with the same seed (so the same initial
 * weights and noise), runs two SGD steps on wasm and on webgl in the app's worker. The first loss
 * checks the forward pass; the second checks the gradients as well.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

type Doc = { training: Record<string, unknown> };

// One template per family of layers (the others repeat these layers): convolutions and pooling,
// one-hot conditioning and sampling, embeddings + LSTM + attention, multi-head attention + layer
// norm + positions, coupling + split + merges, Conv1D + global pooling, dense. Not vae-conv-mnist:
// its two webgl steps on SwiftShader took 169 s (lenet-mnist's 82 s; one run at load 28), and it
// adds no layer or loss to this comparison: Conv2D, Conv2DTranspose, Reshape and Sampling
// are compared with cpu one by one on webgl (backend-gradients.spec.ts), convolutions train here in
// lenet-mnist, binary cross-entropy and the Gaussian KL in cvae-mnist and vae-mlp-mnist.
const templates = [
  'lenet-mnist',
  'cvae-mnist',
  'seq2seq-dates',
  'transformer-sentiment',
  'flow-moons',
  'textcnn-sentiment',
  'playground-spirals',
  'vae-mlp-mnist',
];

async function lossesOn(page: Page, id: string, backend: string): Promise<{ backend: string | null; losses: number[]; state: string }> {
  const doc = JSON.parse(readFileSync(`examples/${id}.json`, 'utf8')) as Doc;
  // Plain SGD: the second loss then depends on the gradients' size, not only their sign (Adam).
  doc.training = { ...doc.training, epochs: 1, batchSize: 16, seed: 7, optimizer: 'sgd', learningRate: 0.05, gradientClipNorm: null };
  await page.evaluate(
    ({ d, b }) => {
      const nw = window.__netwright;
      const training = window.__netwrightTraining;
      if (!nw || !training) throw new Error('no test hooks');
      nw.store.getState().load(d as never, { name: null, handle: null, savedText: null });
      training.store.setState({ backend: b });
    },
    { d: doc, b: backend },
  );
  const runsBefore = await page.evaluate(() => window.__netwrightTraining?.store.getState().runs.length ?? 0);
  await page.getByTestId('train-start').click();
  await expect.poll(() => page.evaluate(() => window.__netwrightTraining?.store.getState().runs.length ?? 0), { timeout: 120_000 }).toBe(runsBefore + 1);
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|early-stopped|non-finite|error/, { timeout: 300_000 });
  return page.evaluate(() => {
    const run = window.__netwrightTraining?.store.getState().runs.at(-1);
    return { backend: run?.backend ?? null, losses: [...(run?.losses ?? [])], state: run?.state ?? '' };
  });
}

test.use({ viewport: { width: 1440, height: 1100 } });

test('every template computes the same losses on wasm and webgl', async ({ page }) => {
  test.setTimeout(20 * 60_000);
  await page.goto('/?trainLimit=32');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  const report: Record<string, unknown> = {};
  for (const id of templates) {
    const wasm = await lossesOn(page, id, 'wasm');
    const webgl = await lossesOn(page, id, 'webgl');
    report[id] = { wasm: wasm.losses, webgl: webgl.losses, backends: [wasm.backend, webgl.backend] };
    console.log(id, JSON.stringify(report[id]));
  }
  for (const id of templates) {
    const r = report[id] as { wasm: number[]; webgl: number[]; backends: string[] };
    expect(r.backends, id).toEqual(['wasm', 'webgl']);
    expect(r.wasm.length, id).toBe(2);
    expect(r.webgl.length, id).toBe(2);
    r.wasm.forEach((loss, i) => {
      const other = r.webgl[i] as number;
      expect(Math.abs(loss - other) / Math.max(Math.abs(loss), 1e-3), `${id} step ${i}: wasm ${loss} webgl ${other}`).toBeLessThan(1e-3);
    });
  }
});
