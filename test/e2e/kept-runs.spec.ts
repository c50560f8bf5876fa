/**
 * Runs kept with the document: train, keep the run (an undoable edit), save, reopen in a fresh
 * page, select the run and inspect its weights without training, export its model; a file whose
 * weights do not fit the run's graph is reported with the node that differs.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { GRAPH_VERSION } from '../../core/graph';
import { load, shot, template } from './training-helpers';

const MOD = process.platform === 'darwin' ? 'Meta' : 'Control';

async function open(page: Page): Promise<void> {
  await page.goto('/?trainLimit=512');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
}

/** The logits the worker computes for validation sample 3 with the inspected weights. */
async function logitsOfSample(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const engine = window.__netwrightTraining?.engine;
    if (!engine) throw new Error('no test hook');
    const result = await engine.inspect({ kind: 'activations', nodeId: 'logits', sample: 3 });
    if (result.kind !== 'activations') throw new Error(result.kind);
    return Array.from(result.ports[0]?.values ?? []);
  });
}

async function openFile(page: Page, file: { name: string; buffer: Buffer }): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await (await chooser).setFiles({ name: file.name, mimeType: 'application/json', buffer: file.buffer });
}

test.use({ viewport: { width: 1440, height: 1100 } });

test('a kept run is saved with the document, reopens with its curves and weights, and exports its model', async ({ page }) => {
  // Trains, reopens and exports twice (TensorFlow.js, PyTorch): more than the default budget on a loaded machine.
  test.setTimeout(240_000);
  // The download / <input type=file> paths of the web platform (no native pickers headless).
  await page.addInitScript(() => Object.assign(window, { showOpenFilePicker: undefined, showSaveFilePicker: undefined }));
  page.on('dialog', (d) => void d.accept());
  await open(page);
  await load(page, template('mlp-mnist', { epochs: 2, batchSize: 64 }));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('completed', { timeout: 120_000 });
  const trained = await logitsOfSample(page);
  expect(trained).toHaveLength(10);

  await page.getByTestId('tab-runs').click();
  await page.getByTestId('run-keep-1').click();
  await expect(page.getByTestId('run-row-1')).toContainText('kept');
  await expect(page.getByTestId('dirty-mark')).toBeVisible();
  // Keeping is an edit like any other: undo and redo it.
  await page.keyboard.press(`${MOD}+z`);
  await expect(page.getByTestId('run-keep-1')).toBeVisible();
  await page.keyboard.press(`${MOD}+Shift+z`);
  await expect(page.getByTestId('run-row-1')).toContainText('kept');
  await shot(page, 'runs-kept');

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save as' }).click();
  const download = await downloadPromise;
  const path = test.info().outputPath('with-run.json');
  await download.saveAs(path);
  const text = readFileSync(path, 'utf8');
  const saved = JSON.parse(text) as Record<string, unknown> & { runs: { weights: { specs: { shape: number[] }[]; data: string; checksum: string }; curves: { epochLoss: number[]; steps: number[] }; status: string }[] };
  expect(saved.version).toBe(GRAPH_VERSION);
  expect(saved.runs).toHaveLength(1);
  const run = saved.runs[0]!;
  expect(run.status).toBe('completed');
  expect(run.curves.epochLoss).toHaveLength(2);
  expect(run.curves.steps.length).toBeGreaterThan(10);
  // 784x128 + 128 + 128x10 + 10 float32 weights.
  expect(run.weights.specs.map((s) => s.shape)).toEqual([[784, 128], [128], [128, 10], [10]]);
  expect(Buffer.from(run.weights.data, 'base64').byteLength).toBe(101_770 * 4);
  expect(run.weights.checksum).toMatch(/^crc32:[0-9a-f]{8}$/);

  // A fresh page: nothing trained; opening the file lists the run with its curves.
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await openFile(page, { name: 'with-run.json', buffer: Buffer.from(text) });
  await expect(page.getByTestId('file-name')).toHaveText('with-run.json');
  await page.getByTestId('tab-runs').click();
  await expect(page.getByTestId('run-row-1')).toContainText('kept');
  await page.getByTestId('run-row-1').click();
  await expect(page.getByTestId('run-loaded')).toBeVisible({ timeout: 30_000 });
  expect(await logitsOfSample(page)).toEqual(trained);
  await page.getByTestId('tab-curves').click();
  await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThan(10);
  // The views read the reopened weights: the output layer's activations for a sample.
  await page.locator('.react-flow__node[data-id="logits"]').click();
  await page.getByTestId('tab-activations').click();
  await expect(page.getByTestId('activations-view')).toBeVisible({ timeout: 30_000 });
  await shot(page, 'reopened-run-activations');

  // Export: model.json + weights.bin in the TensorFlow.js layers format.
  await page.getByTestId('tab-runs').click();
  const files: Record<string, Buffer> = {};
  const done = new Promise<void>((resolve) => {
    page.on('download', async (d) => {
      const p = test.info().outputPath(d.suggestedFilename());
      await d.saveAs(p);
      files[d.suggestedFilename()] = readFileSync(p);
      if (Object.keys(files).length === 2) resolve();
    });
  });
  await page.getByTestId('run-export-1').click();
  await page.getByTestId('run-export-tfjs-1').click();
  await done;
  const modelJson = JSON.parse(files['model.json']!.toString('utf8')) as { format: string; weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] };
  expect(modelJson.format).toBe('layers-model');
  expect(modelJson.weightsManifest[0]?.paths).toEqual(['weights.bin']);
  const manifestBytes = modelJson.weightsManifest[0]!.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  expect(files['weights.bin']!.byteLength).toBe(manifestBytes);
  expect(manifestBytes).toBe(101_770 * 4);

  // Export… -> PyTorch project…: one zip with model.py, train.py, README.md and the run's weights.
  await page.getByTestId('run-export-1').click();
  await expect(page.getByTestId('run-export-pytorch-1')).toBeVisible();
  await shot(page, 'runs-export-menu');
  const zipDownload = page.waitForEvent('download');
  await page.getByTestId('run-export-pytorch-1').click();
  const zipFile = await zipDownload;
  expect(zipFile.suggestedFilename()).toBe('mlp-classifier-mnist-pytorch.zip');
  const zipPath = test.info().outputPath(zipFile.suggestedFilename());
  await zipFile.saveAs(zipPath);
  const project = unzipSync(readFileSync(zipPath));
  expect(Object.keys(project).sort()).toEqual(
    ['README.md', 'model.py', 'train.py', 'weights.npz'].map((f) => `mlp-classifier-mnist-pytorch/${f}`),
  );
  const modelPy = new TextDecoder().decode(project['mlp-classifier-mnist-pytorch/model.py']);
  expect(modelPy).toContain('self.hidden = nn.Linear(784, 128)');
  // weights.npz: the four weights in PyTorch's layouts (nn.Linear keeps [out, in]).
  const weights = unzipSync(project['mlp-classifier-mnist-pytorch/weights.npz']!);
  expect(Object.keys(weights).sort()).toEqual(['hidden.bias.npy', 'hidden.weight.npy', 'logits.bias.npy', 'logits.weight.npy']);
  expect(new TextDecoder().decode(weights['hidden.weight.npy']!.slice(10, 80))).toContain("'shape': (128, 784)");
  await expect(page.getByText(/Exported mlp-classifier-mnist-pytorch\.zip/)).toBeVisible();
});

test("weights that do not fit the run's graph are refused with the node named", async ({ page }) => {
  await page.addInitScript(() => Object.assign(window, { showOpenFilePicker: undefined, showSaveFilePicker: undefined }));
  await open(page);
  // A kept run whose graph says 64 hidden units while its weights hold 128: built in the page
  // from a real model of the worker (train 1 epoch, copy the weights).
  await load(page, template('mlp-mnist', { epochs: 1, batchSize: 64 }));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('completed', { timeout: 120_000 });
  await page.getByTestId('tab-runs').click();
  await page.getByTestId('run-keep-1').click();
  const broken = await page.evaluate(() => {
    const doc = window.__netwright?.store.getState().document;
    if (!doc) throw new Error('no document');
    const copy = structuredClone(doc) as unknown as { runs: { graph: { nodes: { id: string; params: Record<string, unknown> }[] } }[] };
    const hidden = copy.runs[0]!.graph.nodes.find((n) => n.id === 'hidden')!;
    hidden.params.units = 64;
    return JSON.stringify(copy);
  });
  page.on('dialog', (d) => void d.accept());
  await openFile(page, { name: 'mismatch.json', buffer: Buffer.from(broken) });
  await expect(page.getByTestId('file-name')).toHaveText('mismatch.json');
  await page.getByTestId('tab-runs').click();
  // The file's run is listed beside this session's run; selecting it tries to open its weights.
  const fileRun = page.locator('[data-testid^="run-row-"]', { hasText: 'kept' });
  await fileRun.click();
  await expect(page.getByTestId('run-open-error')).toContainText('node "hidden" has shape [784, 64] but the saved weight is [784, 128]', { timeout: 30_000 });
});
