/**
 * Imported published models trained in the app: tfjs-examples' sentiment CNN (float32 token Input,
 * one sigmoid output) on sentiment, tfjs-examples' date-conversion-attention on dates; each dropped
 * on the window, bound in Setup and trained one epoch. And the import's progress as the UI shows it
 * for a large model (14.9 MB of weights), read in the worker.
 */
import { expect, test, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync } from 'node:fs';
import { createLstm } from '../../core/catalogue/layers/recurrent/tfjs-rnn';
import { getDatasetSpec } from '../../core/data';
import { drop, nodeTypes, type FixtureFile } from './import-helpers';

/** A tfjs model saved in memory as model.json + weights.bin, with small patterned weights. */
async function saved(model: tfl.LayersModel): Promise<FixtureFile[]> {
  tf.tidy(() =>
    model.weights.forEach((w, k) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      w.write(tf.tensor(Float32Array.from({ length: n }, (_, i) => 0.15 * Math.sin(0.61 * i + 1.7 * k + 0.2)), w.shape as number[]));
    }),
  );
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const modelJson = { format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
  return [
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(modelJson)) },
    { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(new Uint8Array(a.weightData as ArrayBuffer)) },
  ];
}

/** tfjs-examples/sentiment's cnn at the bundled data's length and vocabulary (Sequential: its Input is float32). */
async function sentimentCnn(): Promise<FixtureFile[]> {
  await tf.setBackend('cpu');
  const tokens = getDatasetSpec('sentiment').features[0]?.shape[0] as number;
  return saved(
    tfl.sequential({
      name: 'sentiment_cnn',
      layers: [
        tfl.layers.embedding({ inputShape: [tokens], inputDim: 80, outputDim: 8, name: 'embedding' }),
        tfl.layers.dropout({ rate: 0.5, name: 'dropout_1' }),
        tfl.layers.conv1d({ filters: 16, kernelSize: 3, activation: 'relu', name: 'conv1d' }),
        tfl.layers.globalMaxPool1d({ name: 'pool' }),
        tfl.layers.dense({ units: 8, activation: 'relu', name: 'hidden' }),
        tfl.layers.dropout({ rate: 0.5, name: 'dropout_2' }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'positive' }),
      ],
    }),
  );
}

/** tfjs-examples' date-conversion-attention at the dates dataset's lengths and vocabularies (float32 Inputs, as the example writes them). */
async function dateAttention(): Promise<FixtureFile[]> {
  await tf.setBackend('cpu');
  const spec = getDatasetSpec('dates');
  const [S, T] = [spec.features[0]?.shape[0] as number, spec.features[2]?.shape[0] as number];
  const [inVocab, outVocab] = [spec.vocabularies.source?.tokens.length as number, spec.vocabularies.target?.tokens.length as number];
  const units = 16;
  const encoderInput = tfl.input({ shape: [S], name: 'encoder_input' });
  const decoderInput = tfl.input({ shape: [T], name: 'decoder_input' });
  const encoderEmbedded = tfl.layers.embedding({ inputDim: inVocab, outputDim: 8, maskZero: true, name: 'encoder_embedding' }).apply(encoderInput) as tfl.SymbolicTensor;
  const [encoder, h, c] = tfl.layers.lstm({ units, returnSequences: true, returnState: true, name: 'encoder' }).apply(encoderEmbedded) as tfl.SymbolicTensor[];
  const decoderEmbedded = tfl.layers.embedding({ inputDim: outVocab, outputDim: 8, maskZero: true, name: 'decoder_embedding' }).apply(decoderInput) as tfl.SymbolicTensor;
  const decoder = createLstm({ units, returnSequences: true, name: 'decoder' }).apply(decoderEmbedded, { initialState: [h, c] }) as tfl.SymbolicTensor;
  let attention = tfl.layers.dot({ axes: [2, 2], name: 'scores' }).apply([decoder, encoder as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  attention = tfl.layers.activation({ activation: 'softmax', name: 'attention' }).apply(attention) as tfl.SymbolicTensor;
  const context = tfl.layers.dot({ axes: [2, 1], name: 'context' }).apply([attention, encoder as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  const combined = tfl.layers.concatenate({ name: 'combined' }).apply([context, decoder]) as tfl.SymbolicTensor;
  let output = tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units, activation: 'tanh' }), name: 'mix' }).apply(combined) as tfl.SymbolicTensor;
  output = tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: outVocab, activation: 'softmax' }), name: 'tokens' }).apply(output) as tfl.SymbolicTensor;
  return saved(tfl.model({ inputs: [encoderInput, decoderInput], outputs: output, name: 'date_attention' }));
}

async function open(page: Page): Promise<void> {
  await page.goto('/?trainLimit=256');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
}

/** Binds `datasetId` in Setup, trains one epoch (the first 256 samples), waits for the end. */
async function bindAndTrainOneEpoch(page: Page, datasetId: string, reason: string | RegExp): Promise<void> {
  await page.getByTestId('tab-setup').click();
  await expect(page.getByTestId('fitting-datasets')).toContainText(reason);
  await page.getByTestId(`bind-dataset-${datasetId}`).click();
  await expect(page.getByTestId('dataset-select')).toHaveValue(datasetId);
  await expect(page.getByTestId('start-from')).toHaveValue('imported');
  await page.evaluate(() => window.__netwright?.store.getState().edit((g) => ({ ...g, training: { ...g.training, batchSize: 32, epochs: 1, validationSplit: 0.1, learningRate: 0.01 } })));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|early-stopped|non-finite|error/, { timeout: 200_000 });
  await expect(page.getByTestId('run-state')).toHaveText('completed');
}

test.use({ viewport: { width: 1440, height: 1000 } });
test.setTimeout(300_000);

test("tfjs-examples' sentiment CNN: its float32 token Input imports as int32 (the toast says why), one sigmoid output binds to sentiment with binary cross-entropy, one epoch trains", async ({ page }) => {
  await open(page);
  await drop(page, await sentimentCnn());
  await expect(page.locator('.react-flow__node')).toHaveCount(8, { timeout: 60_000 });
  await expect(page.getByTestId('toast').first()).toContainText("is float32 in the file and feeds only Embedding 'embedding', which reads it as int32 token ids: imported as int32");
  await bindAndTrainOneEpoch(page, 'sentiment', "1 output (sigmoid) = the chance of its class 'positive' (binary cross-entropy on the label reshaped to [1])");
  expect((await nodeTypes(page)).slice(-3)).toEqual(['Input', 'Reshape', 'BinaryCrossentropy']);
  const run = await page.evaluate(() => {
    const r = window.__netwrightTraining?.store.getState().runs.at(-1);
    return { losses: [...(r?.losses ?? [])], metrics: Object.keys(r?.epochMetrics ?? {}) };
  });
  // 256 samples, 10% held out: 231 in batches of 32.
  expect(run.losses).toHaveLength(8);
  run.losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
  expect(run.metrics).toContain('accuracy');
  mkdirSync('docs/screenshots', { recursive: true });
  await page.locator('.react-flow__controls-fitview').click();
  await page.screenshot({ path: 'docs/screenshots/import-sentiment-trained.png' });
});

test("tfjs-examples' date-conversion-attention binds to dates (ids into its Embeddings, softmax decoder against the masked targets) and trains one epoch", async ({ page }) => {
  await open(page);
  await drop(page, await dateAttention());
  await expect(page.locator('.react-flow__node')).toHaveCount(12, { timeout: 60_000 });
  await bindAndTrainOneEpoch(page, 'dates', /input 'encoder_input' \[32\] = its encoderInput; input 'decoder_input' \[11\] = its decoderInput; output \[11, 15\] \(softmax\) = its decoderTarget over 15 target tokens, padding masked/);
  expect((await nodeTypes(page)).slice(-3)).toEqual(['Input', 'SequenceCrossentropy', 'Input']);
  const run = await page.evaluate(() => {
    const r = window.__netwrightTraining?.store.getState().runs.at(-1);
    return { losses: [...(r?.losses ?? [])], metrics: Object.keys(r?.epochMetrics ?? {}) };
  });
  expect(run.losses.length).toBeGreaterThan(0);
  expect(run.metrics).toEqual(expect.arrayContaining(['tokenAccuracy', 'exactMatch']));
  expect(run.losses.at(-1) as number).toBeLessThan(run.losses[0] as number);
  await page.locator('.react-flow__controls-fitview').click();
  await page.screenshot({ path: 'docs/screenshots/import-dates-trained.png' });
});

test('a large model imports in the worker with progress: the bar shows its stages in order, its percentage never goes back, and the import ends with the model open', async ({ page }) => {
  await open(page);
  // Every state the progress line shows, recorded as the DOM changes (before React replaces it).
  await page.evaluate(() => {
    const seen: { text: string; percent: number }[] = [];
    (window as unknown as { __progress: typeof seen }).__progress = seen;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="import-progress"]');
      if (!el) return;
      const text = el.querySelector('span')?.textContent ?? '';
      const percent = Number(el.querySelector('progress')?.getAttribute('value') ?? NaN);
      const last = seen.at(-1);
      if (!last || last.text !== text || last.percent !== percent) seen.push({ text, percent });
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await tf.setBackend('cpu');
  // 784 -> 2048 -> 1024 -> 10: 3,716,106 parameters, 14.9 MB of weights.
  const files = await saved(
    tfl.sequential({
      name: 'wide_mlp',
      layers: [tfl.layers.dense({ inputShape: [784], units: 2048, activation: 'relu' }), tfl.layers.dense({ units: 1024, activation: 'relu' }), tfl.layers.dense({ units: 10 })],
    }),
  );
  await drop(page, files);
  await expect(page.locator('.react-flow__node')).toHaveCount(4, { timeout: 120_000 });
  await expect(page.getByTestId('import-progress')).toHaveCount(0);
  const seen = await page.evaluate(() => (window as unknown as { __progress: { text: string; percent: number }[] }).__progress);
  const stages = ['reading the files', 'reading weights', 'mapping layers', 'building the model', 'keeping the weights', 'done'];
  const order = seen.map((s) => stages.findIndex((stage) => s.text.endsWith(`: ${stage}`)));
  expect(order.every((i) => i >= 0)).toBe(true);
  // Shown in order (a stage may be skipped by the screen, never shown out of order), percentages never back.
  order.forEach((i, k) => expect(i).toBeGreaterThanOrEqual(order[k - 1] ?? 0));
  seen.forEach((s, k) => expect(s.percent).toBeGreaterThanOrEqual(seen[k - 1]?.percent ?? 0));
  // At least the first state and one stage of the worker's import were on screen.
  expect(seen[0]?.text).toBe('Importing model.json: reading the files');
  expect(new Set(order).size).toBeGreaterThanOrEqual(2);
  // The model opened whole (its message may be gone on a loaded machine: the import took long).
  expect(await page.evaluate(() => window.__netwright?.analyze().totals.trainable)).toBe(3_716_106);
});
