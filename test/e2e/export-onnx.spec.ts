/**
 * Runs tab → Export… → "ONNX model…": the trained run's model downloads as one .onnx file that ONNX Runtime
 * loads and runs, with the graph's input and output names and a dynamic batch.
 */
import { expect, test } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { load, shot, template } from './training-helpers';

test.use({ viewport: { width: 1440, height: 1000 } });

test('a run exports as an ONNX model that ONNX Runtime runs', async ({ page }) => {
  test.setTimeout(300_000);
  await page.addInitScript(() => Object.assign(window, { showOpenFilePicker: undefined, showSaveFilePicker: undefined }));
  await page.goto('/?trainLimit=512');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await load(page, template('mlp-mnist', { epochs: 1, batchSize: 64 }));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('completed', { timeout: 120_000 });
  await page.getByTestId('tab-runs').click();
  await page.getByTestId('run-export-1').click();
  await expect(page.getByTestId('run-export-onnx-1')).toBeVisible();

  const downloading = page.waitForEvent('download');
  await page.getByTestId('run-export-onnx-1').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('model.onnx');
  const path = test.info().outputPath('model.onnx');
  await download.saveAs(path);
  await expect(page.getByText(/Exported model\.onnx of .*: 101,770 parameters, outputs logits \(ONNX opset 17\)/)).toBeVisible();
  await shot(page, 'runs-export-onnx');

  const session = await ort.InferenceSession.create(readFileSync(path));
  expect(session.inputNames).toEqual(['image']);
  expect(session.outputNames).toEqual(['logits']);
  for (const batch of [1, 5]) {
    const pixels = Float32Array.from({ length: batch * 784 }, (_, i) => (i % 97) / 97);
    const result = await session.run({ image: new ort.Tensor('float32', pixels, [batch, 28, 28, 1]) });
    const logits = result['logits'];
    expect(logits?.dims).toEqual([batch, 10]);
    expect(Array.from(logits?.data as Float32Array).every(Number.isFinite)).toBe(true);
  }
  await session.release();
});

test("a GAN run's generator exports alone (Runs → Export… → ONNX: generator alone…): noise in, points out", async ({ page }) => {
  test.setTimeout(300_000);
  await page.addInitScript(() => Object.assign(window, { showOpenFilePicker: undefined, showSaveFilePicker: undefined }));
  await page.goto('/?trainLimit=256');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await load(page, template('gan-2d', { epochs: 1 }));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('completed', { timeout: 120_000 });
  await page.getByTestId('tab-runs').click();
  await page.getByTestId('run-export-1').click();
  await expect(page.getByTestId('run-export-onnx-1-discriminator')).toBeVisible();
  const downloading = page.waitForEvent('download');
  await page.getByTestId('run-export-onnx-1-generator').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('generator.onnx');
  const path = test.info().outputPath('generator.onnx');
  await download.saveAs(path);
  await expect(page.getByText(/Exported generator\.onnx of sub-model generator of .*: 4,866 parameters, inputs noise, outputs generated \(ONNX opset 17\)/)).toBeVisible();
  const session = await ort.InferenceSession.create(readFileSync(path));
  expect(session.inputNames).toEqual(['noise']);
  expect(session.outputNames).toEqual(['generated']);
  const result = await session.run({ noise: new ort.Tensor('float32', Float32Array.from({ length: 3 * 8 }, (_, i) => Math.sin(i)), [3, 8]) });
  expect(result['generated']?.dims).toEqual([3, 2]);
  expect(Array.from(result['generated']?.data as Float32Array).every(Number.isFinite)).toBe(true);
  await session.release();
});
