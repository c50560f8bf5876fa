/**
 * Opening the models people have: a TensorFlow.js layers model (model.json + weight shards) picked
 * in Open… or dropped on the window is imported in the engine worker and opens as a new document
 * whose kept run "Imported weights" is selected; a model Netwright exported comes back as its graph
 * and the views inspect its weights at once; a refused layer is named by position and name, and the
 * current document stays.
 */
import { expect, test, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { compileSeeded } from '../../core/engine/run';
import { exportLayersModel } from '../../core/engine/export';
import { GraphBuilder } from '../../core/graph';
import { loadDataset } from '../../core/data';
import { nodeFileSource } from '../../core/data/node-source';
import { encodePng } from '../../core/inspect/png';
import { drop, nodeTypes, type FixtureFile } from './import-helpers';

/** A foreign tfjs convnet (as tfjs-examples' mnist builds it), saved in memory as model.json + two shards. */
async function foreignConvnet(lambda = false): Promise<FixtureFile[]> {
  await tf.setBackend('cpu');
  const model = tfl.sequential({
    name: 'mnist_cnn',
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv2d_1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'max_pooling2d_1' }),
      tfl.layers.flatten({ name: 'flatten_1' }),
      tfl.layers.dense({ units: 10, activation: 'softmax', name: 'dense_1' }),
    ],
  });
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const artifacts = saved as unknown as tf.io.ModelArtifacts;
  const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
  const half = Math.floor(weights.byteLength / 8) * 4;
  const topology = artifacts.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  // A Lambda layer (Python code) in third place: must be refused by position and name.
  if (lambda) topology.config.layers.splice(2, 0, { class_name: 'Lambda', config: { name: 'lambda_1', function: ['x * 2', null, null] } });
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers',
    modelTopology: topology,
    weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: artifacts.weightSpecs }],
  };
  return [
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(modelJson)) },
    { name: 'group1-shard1of2.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(weights.slice(0, half)) },
    { name: 'group1-shard2of2.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(weights.slice(half)) },
  ];
}

/**
 * A foreign MLP that takes MNIST flattened (784 values) and gives 10 scores, with small patterned
 * weights, saved as model.json + weights.bin; and its loss on the first `rows` MNIST training
 * images (the oracle: the tfjs model itself and tf.losses' softmax cross-entropy).
 */
async function foreignMlp(rows: number): Promise<{ files: FixtureFile[]; loss: number }> {
  await tf.setBackend('cpu');
  const model = tfl.sequential({
    name: 'mlp784',
    layers: [tfl.layers.dense({ inputShape: [784], units: 16, activation: 'relu', name: 'hidden' }), tfl.layers.dense({ units: 10, name: 'scores' })],
  });
  tf.tidy(() => model.weights.forEach((w, k) => {
    const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    w.write(tf.tensor(Float32Array.from({ length: n }, (_, i) => 0.08 * Math.sin(0.61 * i + 1.7 * k + 0.2)), w.shape as number[]));
  }));
  const dataset = await loadDataset('mnist', nodeFileSource());
  const batch = dataset.train.gather(Uint32Array.from({ length: rows }, (_, i) => i));
  const loss = tf.tidy(() => {
    const images = tf.tensor(batch.features.image?.data as Float32Array, [rows, 784]);
    const labels = tf.oneHot(tf.tensor1d(batch.features.label?.data as Int32Array, 'int32'), 10);
    return tf.losses.softmaxCrossEntropy(labels, model.predict(images) as tf.Tensor).dataSync()[0] as number;
  });
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const artifacts = saved as unknown as tf.io.ModelArtifacts;
  const modelJson = { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
  return {
    files: [
      { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(modelJson)) },
      { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(new Uint8Array(artifacts.weightData as ArrayBuffer)) },
    ],
    loss,
  };
}

/** An MLP on MNIST exported by Netwright (its graph rides in the metadata, with the dataset). */
async function netwrightExport(): Promise<FixtureFile[]> {
  await tf.setBackend('cpu');
  const g = new GraphBuilder('exported-mlp');
  const x = g.add('Input', { shape: [28, 28, 1], feature: 'image' }, undefined, 'image');
  const h = g.add('Dense', { units: 16, activation: 'relu' }, g.add('Flatten', {}, x, 'flat'), 'hidden');
  const o = g.add('Dense', { units: 10 }, h, 'logits');
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }, undefined, 'label') }, 'loss');
  g.training({ dataset: { id: 'mnist', options: {} }, seed: 5 });
  const graph = g.build();
  const compiled = compileSeeded(graph);
  const exported = await exportLayersModel(compiled.model, graph);
  compiled.model.dispose();
  return [
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(exported.modelJson) },
    { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(exported.weights) },
  ];
}

/**
 * A Keras 3 .keras archive of Dense(3, relu) -> Dense(2): config.json as Keras 3 writes it, the
 * weights written by h5py (Debian python3-h5py) at layers/dense/vars and layers/dense_1/vars.
 */
function kerasArchive(): FixtureFile {
  const dir = mkdtempSync(join(tmpdir(), 'netwright-e2e-keras-'));
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const dense = (name: string, units: number, activation: string) => ({
    module: 'keras.layers',
    class_name: 'Dense',
    config: { name, trainable: true, dtype: policy, units, activation, use_bias: true, kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null }, bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null }, kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null },
    registered_name: null,
  });
  const config = {
    module: 'keras',
    class_name: 'Sequential',
    config: { name: 'sequential', trainable: true, dtype: policy, layers: [{ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null }, dense('dense', 3, 'relu'), dense('dense_1', 2, 'linear')] },
    registered_name: null,
  };
  const values = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1) / 2);
  const datasets = [
    { path: 'layers/dense/vars/0', shape: [4, 3], values: values(12), gzip: true },
    { path: 'layers/dense/vars/1', shape: [3], values: values(3) },
    { path: 'layers/dense_1/vars/0', shape: [3, 2], values: values(6) },
    { path: 'layers/dense_1/vars/1', shape: [2], values: values(2) },
  ];
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ datasets, attrs: {} }));
  const run = spawnSync('/usr/bin/python3', ['test/python/write_h5.py', join(dir, 'spec.json'), join(dir, 'w.h5')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`h5py could not write the fixture (apt-get install python3-h5py): ${run.stderr}`);
  const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const zip = zipSync({ 'metadata.json': text({ keras_version: '3.6.0' }), 'config.json': text(config), 'model.weights.h5': new Uint8Array(readFileSync(join(dir, 'w.h5'))) });
  return { name: 'tiny_mlp.keras', mimeType: 'application/octet-stream', buffer: Buffer.from(zip) };
}

async function open(page: Page): Promise<void> {
  // Without the File System Access API, Open… uses <input type=file multiple>, which Playwright fills.
  await page.addInitScript(() => Object.assign(window, { showOpenFilePicker: undefined, showSaveFilePicker: undefined }));
  await page.goto('/?trainLimit=256');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
}

test.use({ viewport: { width: 1440, height: 1000 } });
// The machine may be loaded: the import, the worker's start and a screenshot each take seconds.
test.setTimeout(240_000);

test('Open… imports a tfjs model.json picked with its weight shards; the imported run is selected', async ({ page }) => {
  await open(page);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const files = await foreignConvnet();
  await (await chooser).setFiles(files);
  await expect(page.locator('.react-flow__node')).toHaveCount(5, { timeout: 60_000 });
  expect(await nodeTypes(page)).toEqual(['Input', 'Conv2D', 'MaxPool2D', 'Flatten', 'Dense']);
  await expect(page.getByText(/Imported model\.json: 5 nodes, 6,810 parameters/)).toBeVisible();
  // A new, unsaved document: no file name, so Save asks where.
  await expect(page.getByTestId('file-name')).not.toHaveText('model.json');
  await page.getByTestId('tab-runs').click();
  await expect(page.getByTestId('run-row-1')).toContainText('Imported weights (model)');
  await expect(page.getByTestId('run-row-1')).toHaveClass(/active/);
  // Where the weights came from, kept in the run's manifest.
  await expect(page.getByTestId('run-origin')).toContainText('imported from model.json (TensorFlow.js layers model, written by TensorFlow.js tfjs-layers, 2 weight files) on ');
  await expect(page.getByTestId('run-imported-from')).toContainText('imported from model.json, ');
  mkdirSync('docs/screenshots', { recursive: true });
  await page.screenshot({ path: 'docs/screenshots/import-tfjs-model.png' });
});

test('a dropped Netwright export opens as its graph with the weights inspected at once', async ({ page }) => {
  await open(page);
  await drop(page, await netwrightExport());
  await expect(page.locator('.react-flow__node')).toHaveCount(6, { timeout: 60_000 });
  await page.getByTestId('tab-runs').click();
  await expect(page.getByTestId('run-row-1')).toContainText('Imported weights (model)');
  await expect(page.getByTestId('run-loaded')).toBeVisible({ timeout: 60_000 });
  await page.locator('.react-flow__node[data-id="logits"]').click();
  await page.getByTestId('tab-activations').click();
  await expect(page.getByTestId('activations-view')).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: 'docs/screenshots/import-netwright-export.png' });
});

test('a dropped model with a Lambda layer is refused by position and name; the current document stays', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: 'Templates' }).click();
  await page.locator('[data-template-id="mlp-mnist"]').click();
  const before = await nodeTypes(page);
  await drop(page, await foreignConvnet(true));
  const dialog = page.getByTestId('file-error-dialog');
  await expect(dialog).toBeVisible({ timeout: 60_000 });
  await expect(dialog).toContainText('model.json could not be imported');
  await expect(dialog).toContainText("layer 4 'lambda_1' (Lambda): Lambda layers carry Python or JavaScript code and can't be imported");
  await expect(dialog).toContainText('The model was not imported; your current graph is unchanged.');
  await page.screenshot({ path: 'docs/screenshots/import-refused.png' });
  expect(await nodeTypes(page)).toEqual(before);
});

test('a dropped Keras 3 .keras archive is read in the worker (jsfive under the app CSP) and imported', async ({ page }) => {
  await open(page);
  await drop(page, [kerasArchive()]);
  await expect(page.locator('.react-flow__node')).toHaveCount(3, { timeout: 60_000 });
  expect(await nodeTypes(page)).toEqual(['Input', 'Dense', 'Dense']);
  await expect(page.getByText(/Imported tiny_mlp\.keras: 3 nodes, 23 parameters/)).toBeVisible();
  await page.getByTestId('tab-runs').click();
  await expect(page.getByTestId('run-row-1')).toContainText('Imported weights (tiny_mlp)');
  await expect(page.getByTestId('run-origin')).toContainText('imported from tiny_mlp.keras (Keras 3 archive, written by Keras 3.6.0) on ');
  // No dataset fits it: the Runs tab says why the views can't open it yet and where to give an input.
  await expect(page.getByTestId('run-open-error')).toContainText("give an input to inspect it on (Input 'input_layer' takes [4] float32: 4 numbers) (the Activations tab takes your input: Give your own input…)");
  await page.screenshot({ path: 'docs/screenshots/import-keras.png' });
});

test('an imported 784-input MLP: Setup offers MNIST (and says why not Iris), binding opens the imported run for activations, training starts from its weights at its loss', async ({ page }) => {
  await open(page);
  // trainLimit=256 and a batch of 256: step 1 sees exactly the first 256 training images.
  const { files, loss } = await foreignMlp(256);
  await drop(page, files);
  await expect(page.locator('.react-flow__node')).toHaveCount(3, { timeout: 60_000 });
  await page.getByTestId('tab-setup').click();
  const notice = page.getByTestId('fitting-datasets');
  await expect(notice).toContainText('This model fits:');
  await expect(notice).toContainText('input [784] = the 28x28x1 image flattened; 10 outputs (scores) = its 10 classes');
  await expect(page.getByTestId('bind-dataset-fashion-mnist')).toBeVisible();
  await page.getByTestId('unfit-datasets').locator('summary').click();
  await expect(page.getByTestId('unfit-datasets')).toContainText("Iris: its features is [4]; the model's input is [784]");
  await page.screenshot({ path: 'docs/screenshots/import-fitting-datasets.png' });
  await page.getByTestId('bind-dataset-mnist').click();
  await expect(page.getByTestId('dataset-select')).toHaveValue('mnist');
  expect(await nodeTypes(page)).toEqual(['Input', 'Dense', 'Dense', 'Flatten', 'Input', 'SparseCategoricalCrossentropy']);
  await expect(page.getByTestId('start-from')).toHaveValue('imported');

  // The imported run now opens on the bound graph: the activations of its hidden layer.
  await page.getByTestId('tab-runs').click();
  await page.getByTestId('run-row-1').click();
  await expect(page.getByTestId('run-loaded')).toBeVisible({ timeout: 60_000 });
  await page.locator('.react-flow__node[data-id="hidden"]').click();
  await page.getByTestId('tab-activations').click();
  await expect(page.getByTestId('activations-view')).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: 'docs/screenshots/import-bound-activations.png' });

  // Train on from the imported weights: three full-batch steps over the same 256 images.
  await page.evaluate(() => window.__netwright?.store.getState().edit((g) => ({ ...g, training: { ...g.training, batchSize: 256, epochs: 3, validationSplit: 0 } })));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|early-stopped|non-finite|error/, { timeout: 200_000 });
  const losses = await page.evaluate(() => [...(window.__netwrightTraining?.store.getState().runs.at(-1)?.losses ?? [])]);
  expect(losses).toHaveLength(3);
  expect(Math.abs((losses[0] as number) - loss)).toBeLessThan(1e-3 * loss);
  expect(losses[2] as number).toBeLessThan(losses[0] as number);
});

test('web mode: Open folder imports the model in a folder picked whole (webkitdirectory): model.json and its weights among other files', async ({ page }) => {
  // Without the directory picker, Open folder uses <input type=file webkitdirectory>, which Playwright fills with a folder.
  await page.addInitScript(() => Object.assign(window, { showDirectoryPicker: undefined }));
  await open(page);
  const { files } = await foreignMlp(8);
  const folder = join(mkdtempSync(join(tmpdir(), 'netwright-e2e-folder-')), 'mnist-mlp');
  mkdirSync(join(folder, 'old'), { recursive: true });
  for (const f of files) writeFileSync(join(folder, f.name), f.buffer);
  writeFileSync(join(folder, 'README.txt'), 'not part of the model');
  // A model in a subfolder is not this folder's model.
  writeFileSync(join(folder, 'old', 'model.json'), files[0]?.buffer ?? '');
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('open-model-folder').click();
  await (await chooser).setFiles(folder);
  await expect(page.locator('.react-flow__node')).toHaveCount(3, { timeout: 60_000 });
  expect(await nodeTypes(page)).toEqual(['Input', 'Dense', 'Dense']);
  await expect(page.getByText(/Imported model\.json: 3 nodes, 12,730 parameters/)).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/import-folder.png' });
});

/** The engine's activations of a node of the inspected model, for its first sample. */
async function activationValues(page: Page, nodeId: string): Promise<number[]> {
  return page.evaluate(async (id) => {
    const engine = window.__netwrightTraining?.engine;
    if (!engine) throw new Error('no engine');
    const result = await engine.inspect({ kind: 'activations', nodeId: id, sample: 0 });
    return result.kind === 'activations' ? Array.from(result.ports[0]?.values ?? []) : [];
  }, nodeId);
}

test('an imported convnet with no dataset: the views read MNIST samples at once (not bound), then an image file the user gives', async ({ page }) => {
  await open(page);
  await drop(page, await foreignConvnet());
  await expect(page.locator('.react-flow__node')).toHaveCount(5, { timeout: 60_000 });
  await page.locator('.react-flow__node[data-id="conv2d_1"]').click();
  await page.getByTestId('tab-activations').click();
  await expect(page.getByTestId('inspection-source')).toContainText('validation samples, which fit it (input [28, 28, 1] = its image; 10 outputs (softmax) = its 10 classes)', { timeout: 60_000 });
  await expect(page.getByTestId('inspection-dataset')).toHaveValue('mnist');
  await expect(page.getByTestId('activations-view')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('activation-maps')).toBeVisible();
  // Not bound: the document has no dataset and no added nodes.
  expect(await nodeTypes(page)).toEqual(['Input', 'Conv2D', 'MaxPool2D', 'Flatten', 'Dense']);
  expect(await page.evaluate(() => window.__netwright?.store.getState().document.training.dataset ?? null)).toBeNull();
  await page.screenshot({ path: 'docs/screenshots/import-views-fitting.png' });
  // Fashion-MNIST fits too: the views read its samples when chosen.
  await page.getByTestId('inspection-dataset').selectOption('fashion-mnist');
  await expect(page.getByTestId('inspection-dataset')).toHaveValue('fashion-mnist', { timeout: 60_000 });
  await expect(page.getByText(/label: (T-shirt|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot)/)).toBeVisible({ timeout: 60_000 });
  expect(await page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.dataset?.id)).toBe('fashion-mnist');

  // An image file of the input's size: grey levels g(x, y) known, so the Input's values are g / 255.
  const grey = (x: number, y: number) => (x * 9 + y * 5) % 256;
  const rgba = new Uint8Array(28 * 28 * 4);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) rgba.set([grey(x, y), grey(x, y), grey(x, y), 255], 4 * (y * 28 + x));
  const png = encodePng(28, 28, rgba);
  const inputId = await page.evaluate(() => window.__netwright?.store.getState().document.nodes.find((n) => n.type === 'Input')?.id ?? '');
  await page.getByTestId('give-input').click();
  await page.getByTestId(`given-image-${inputId}`).setInputFiles({ name: 'digit.png', mimeType: 'image/png', buffer: Buffer.from(png) });
  await expect(page.getByTestId('inspection-input')).toContainText('digit.png, resized to 28x28');
  await page.getByTestId('inspect-given').click();
  await expect(page.getByTestId('inspection-source')).toContainText('the views read the input you gave', { timeout: 60_000 });
  await expect(page.getByTestId('activations-view')).toBeVisible({ timeout: 60_000 });
  const values = await activationValues(page, inputId);
  expect(values).toHaveLength(784);
  let worst = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) worst = Math.max(worst, Math.abs((values[y * 28 + x] as number) - grey(x, y) / 255));
  expect(worst).toBeLessThan(2e-3);
  await page.screenshot({ path: 'docs/screenshots/import-views-image.png' });
});

test('an imported model no dataset fits: the views say what input they need; numbers given are inspected (outputs equal the closed form)', async ({ page }) => {
  await open(page);
  await drop(page, [kerasArchive()]);
  await expect(page.locator('.react-flow__node')).toHaveCount(3, { timeout: 60_000 });
  await page.locator('.react-flow__node[data-id="dense_1"]').click();
  await page.getByTestId('tab-activations').click();
  const source = page.getByTestId('inspection-source');
  await expect(source).toContainText('The views can’t run yet: the model has no dataset and no bundled dataset fits it', { timeout: 60_000 });
  await expect(source).toContainText("give an input to inspect it on (Input 'input_layer' takes [4] float32: 4 numbers)");
  await page.getByTestId('given-values-input_layer').fill('0.5 -1 2');
  await page.getByTestId('inspect-given').click();
  await expect(page.getByTestId('given-problem')).toHaveText("Input 'input_layer' takes [4] float32: 4 numbers; 3 were given");
  await page.getByTestId('given-values-input_layer').fill('[0.5, -1, 2, 0.25]');
  await page.getByTestId('inspect-given').click();
  await expect(source).toContainText('the views read the input you gave', { timeout: 60_000 });
  await expect(page.getByTestId('activations-view')).toBeVisible({ timeout: 60_000 });
  // The tabs follow the opened model: no loss, no attention, so only what reads activations.
  await expect(page.getByTestId('tab-attention')).toHaveCount(0);
  await expect(page.getByTestId('tab-confusion')).toHaveCount(0);
  await page.screenshot({ path: 'docs/screenshots/import-views-given.png' });
  // The archive's weights are sin(i + 1) / 2 in each variable (kerasArchive): relu(x K + b) K1 + b1.
  const w = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1) / 2);
  const [k, b, k1, b1] = [w(12), w(3), w(6), w(2)];
  const x = [0.5, -1, 2, 0.25];
  const h = [0, 1, 2].map((j) => Math.max(0, x.reduce((s, xi, i) => s + xi * (k[i * 3 + j] as number), b[j] as number)));
  const expected = [0, 1].map((j) => h.reduce((s, hi, i) => s + hi * (k1[i * 2 + j] as number), b1[j] as number));
  const got = await activationValues(page, 'dense_1');
  expect(got).toHaveLength(2);
  got.forEach((v, j) => expect(Math.abs(v - (expected[j] as number))).toBeLessThan(1e-5));
});
