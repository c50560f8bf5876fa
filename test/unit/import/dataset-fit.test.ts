/**
 * An imported model with no dataset: which bundled datasets fit it and why, binding one, and
 * training on from the imported weights. Oracle: the original tfjs model, loaded from the same
 * files with tf.loadLayersModel, and tf.losses' softmax cross-entropy on the same batch.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledDataset } from '../../../cli/load-dataset';
import { compileSeeded, runTraining } from '../../../core/engine/run';
import { applyWeights } from '../../../core/engine/weights';
import { analyzeGraph, bindDatasetToDocument, datasetsFitting, parseGraphText, runGraph, type FittingDataset, type GraphDocument } from '../../../core/graph';
import { importLayersModel } from '../../../core/import/layers-model';
import { asModelFiles, modelFiles } from './helpers';
import { runCli } from '../cli/run-cli';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dir = mkdtempSync(join(tmpdir(), 'nw-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Small patterned weights (so the loss starts moderate and a swapped weight shows). */
function smallWeights(model: tfl.LayersModel): void {
  tf.tidy(() => model.weights.forEach((w, k) => {
    const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    w.write(tf.tensor(Float32Array.from({ length: n }, (_, i) => 0.08 * Math.sin(0.61 * i + 1.7 * k + 0.2)), w.shape as number[]));
  }));
}

/** A 784-input MLP classifier with 10 linear outputs, as tfjs-examples' mnist MLP writes it. */
function mnistMlp(): tfl.LayersModel {
  const model = tfl.sequential({
    name: 'mlp784',
    layers: [tfl.layers.dense({ inputShape: [784], units: 16, activation: 'relu' }), tfl.layers.dense({ units: 10 })],
  });
  smallWeights(model);
  return model;
}

async function imported(model: tfl.LayersModel) {
  const { json, files } = await modelFiles(model);
  return { files: { json, files }, result: await importLayersModel(asModelFiles(json, files), { name: model.name, backend: 'cpu' }) };
}

const fitOf = (fits: ReturnType<typeof datasetsFitting>, id: string) => fits.find((f) => f.datasetId === id);

describe('datasets an imported model fits', () => {
  it('a 784-input, 10-score MLP fits MNIST and Fashion-MNIST (flattened images); the others say why not', async () => {
    const model = mnistMlp();
    const { result } = await imported(model);
    model.dispose();
    const fits = datasetsFitting(result.graph);
    expect(fits.filter((f) => f.fits).map((f) => f.datasetId).sort()).toEqual(['fashion-mnist', 'mnist']);
    const mnist = fitOf(fits, 'mnist') as FittingDataset;
    expect(mnist.inputs.map((b) => [b.feature.name, b.flatten])).toEqual([['image', true]]);
    expect(mnist.fromLogits).toBe(true);
    expect(mnist.reason).toBe('input [784] = the 28x28x1 image flattened; 10 outputs (scores) = its 10 classes');
    expect(fitOf(fits, 'iris')?.reason).toBe("its features is [4]; the model's input is [784]");
    expect(fitOf(fits, 'dates')?.reason).toBe(`its features (encoderInput [32] int32, sourceMask [32] float32, decoderInput [11] int32) can't feed the model's input ('${result.graph.nodes[0]?.id ?? ''}' [784] float32) one each`);
  });

  it('a convnet on [28, 28, 1] with softmax fits MNIST unflattened, as probabilities; a 3-class model on [4] fits Iris only', async () => {
    const conv = tfl.sequential({
      name: 'conv',
      layers: [
        tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 2, kernelSize: 5, strides: 3, activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const convFits = datasetsFitting((await imported(conv)).result.graph);
    conv.dispose();
    const mnist = fitOf(convFits, 'mnist') as FittingDataset;
    expect(mnist.fits && !mnist.inputs[0]?.flatten && !mnist.fromLogits).toBe(true);

    const tabular = tfl.sequential({ name: 'tab', layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
    const tabFits = datasetsFitting((await imported(tabular)).result.graph);
    tabular.dispose();
    expect(tabFits.filter((f) => f.fits).map((f) => f.datasetId)).toEqual(['iris']);
    expect(fitOf(tabFits, 'penguins')?.reason).toBe("its features is [8]; the model's input is [4]");

    const sigmoid = tfl.sequential({ name: 'sig', layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'sigmoid' })] });
    const sigFits = datasetsFitting((await imported(sigmoid)).result.graph);
    sigmoid.dispose();
    expect(fitOf(sigFits, 'iris')?.fits).toBe(false);
    expect(fitOf(sigFits, 'iris')?.reason).toMatch(/ends in a sigmoid activation/);
  });

  it('binding MNIST: the graph analyses clean, the imported run opens on it, and training from its weights starts at the tfjs model loss and goes down', async () => {
    const model = mnistMlp();
    const { files, result } = await imported(model);
    const refused = bindDatasetToDocument(result.graph, 'iris');
    expect(refused).toEqual({ ok: false, message: "Iris doesn't fit the model: its features is [4]; the model's input is [784]; datasets that fit: mnist, fashion-mnist" });
    const bound = bindDatasetToDocument(result.graph, 'mnist');
    if (!bound.ok) throw new Error(bound.message);
    const graph: GraphDocument = bound.graph;
    expect(analyzeGraph(graph).issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(graph.nodes.map((n) => n.type)).toEqual(['Input', 'Dense', 'Dense', 'Flatten', 'Input', 'SparseCategoricalCrossentropy']);
    const run = graph.runs[0];
    if (!run?.weights) throw new Error('no imported weights');
    expect(run.graph.training.dataset?.id).toBe('mnist');
    expect(run.manifest.dataset.id).toBe('mnist');

    const dataset = await loadBundledDataset('mnist');
    const batch = dataset.train.gather(Uint32Array.from({ length: 64 }, (_, i) => i));
    const oracle = tf.tidy(() => {
      const images = tf.tensor(batch.features.image?.data as Float32Array, [64, 784]);
      const labels = tf.tensor1d(batch.features.label?.data as Int32Array, 'int32');
      return { images: tf.keep(images), labels: tf.keep(labels) };
    });
    // The original model loaded from the files the import read.
    const json = files.json as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const weightBytes = files.files.get('group1-shard1of1.bin') as Uint8Array;
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightBytes.slice().buffer }),
    );
    const expected = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(oracle.labels, 10), loaded.predict(oracle.images) as tf.Tensor).dataSync()[0] as number);
    tf.dispose([oracle.images, oracle.labels]);
    loaded.dispose();
    model.dispose();

    const before = tf.memory().numTensors;
    const trainGraph = { ...graph, training: { ...graph.training, batchSize: 64, epochs: 4, validationSplit: 0 } };
    const compiled = compileSeeded(trainGraph);
    const losses: number[] = [];
    try {
      applyWeights(compiled, trainGraph, run.weights);
      const trained = await runTraining(trainGraph, compiled, dataset, { backend: 'cpu', limit: 64, onStep: (e) => losses.push(e.step.loss) });
      trained.trainer.dispose();
    } finally {
      compiled.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(losses).toHaveLength(4);
    expect(Math.abs((losses[0] as number) - expected)).toBeLessThan(1e-4 * expected);
    expect(losses[3] as number).toBeLessThan(losses[0] as number);

    // The imported run opens on the bound graph: its weights fit and give the same outputs.
    const opened = runGraph(graph, run);
    const reopened = compileSeeded(opened);
    expect(() => applyWeights(reopened, opened, run.weights as NonNullable<typeof run.weights>)).not.toThrow();
    reopened.model.dispose();
  });

  it('a model with two inputs (token ids and their mask, as the sentiment data has them) fits sentiment, each Input bound to its feature; training from the imported weights starts at its loss', async () => {
    const tokens = tfl.input({ shape: [17], dtype: 'int32', name: 'tokens' });
    const mask = tfl.input({ shape: [17], name: 'mask' });
    const pooled = tfl.layers.globalAveragePooling1d({ name: 'pool' }).apply(tfl.layers.embedding({ inputDim: 2000, outputDim: 4, name: 'embed' }).apply(tokens)) as tfl.SymbolicTensor;
    const length = tfl.layers.dense({ units: 2, activation: 'tanh', name: 'length' }).apply(mask) as tfl.SymbolicTensor;
    const merged = tfl.layers.concatenate({ name: 'merged' }).apply([pooled, length]) as tfl.SymbolicTensor;
    const model = tfl.model({ name: 'two_inputs', inputs: [tokens, mask], outputs: tfl.layers.dense({ units: 2, activation: 'softmax', name: 'probs' }).apply(merged) as tfl.SymbolicTensor });
    smallWeights(model);
    const { result } = await imported(model);
    const fits = datasetsFitting(result.graph);
    expect(fits.filter((f) => f.fits).map((f) => f.datasetId)).toEqual(['sentiment']);
    const sentiment = fitOf(fits, 'sentiment') as FittingDataset;
    expect(sentiment.reason).toBe("input 'tokens' [17] = its tokens; input 'mask' [17] = its mask; 2 outputs (softmax) = its 2 classes");
    expect(fitOf(fits, 'iris')?.reason).toBe("its features (features [4] float32) can't feed the model's 2 inputs ('tokens' [17] int32, 'mask' [17] float32) one each");
    const bound = bindDatasetToDocument(result.graph, 'sentiment');
    if (!bound.ok) throw new Error(bound.message);
    expect(bound.graph.nodes.filter((n) => n.type === 'Input').map((n) => [n.id, n.params.feature])).toEqual([['tokens', 'tokens'], ['mask', 'mask'], ['label', 'label']]);

    // One full-batch step from the imported weights: its loss is the tfjs model's on those rows.
    const graph = runGraph(bound.graph, bound.graph.runs[0] as NonNullable<(typeof bound.graph.runs)[number]>);
    const dataset = await loadBundledDataset('sentiment');
    const rows = 64;
    const batch = dataset.train.gather(Uint32Array.from({ length: rows }, (_, i) => i));
    const expected = tf.tidy(() => {
      const probs = model.predict([tf.tensor(batch.features.tokens?.data as Int32Array, [rows, 17], 'int32'), tf.tensor(batch.features.mask?.data as Float32Array, [rows, 17])]) as tf.Tensor;
      const picked = tf.sum(tf.mul(probs, tf.oneHot(tf.tensor1d(batch.features.label?.data as Int32Array, 'int32'), 2)), 1);
      return tf.mean(tf.neg(tf.log(picked))).dataSync()[0] as number;
    });
    model.dispose();
    const run = bound.graph.runs[0];
    if (!run?.weights) throw new Error('no imported weights');
    const trainGraph = { ...graph, training: { ...graph.training, batchSize: rows, epochs: 1, validationSplit: 0 } };
    const compiled = compileSeeded(trainGraph);
    const losses: number[] = [];
    try {
      applyWeights(compiled, trainGraph, run.weights);
      const trained = await runTraining(trainGraph, compiled, dataset, { backend: 'cpu', limit: rows, onStep: (e) => losses.push(e.step.loss) });
      trained.trainer.dispose();
    } finally {
      compiled.model.dispose();
    }
    expect(losses).toHaveLength(1);
    expect(Math.abs((losses[0] as number) - expected)).toBeLessThan(1e-4 * expected);
  });

  it('netwright import --dataset mnist, then train --from-run 1: epoch 1 (one batch) starts at the imported model loss', async () => {
    const model = mnistMlp();
    const { json, files } = await modelFiles(model);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    const graphFile = join(dir, 'mlp.json');
    const plain = await runCli(['import', join(dir, 'model.json'), '--out', join(dir, 'plain.json'), '--backend', 'cpu']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('datasets that fit (bind one with --dataset <id>): mnist (input [784] = the 28x28x1 image flattened; 10 outputs (scores) = its 10 classes); fashion-mnist');
    // Not bound, the views read the first dataset that fits, or the values given.
    const unbound = await runCli(['inspect', join(dir, 'plain.json')]);
    expect(unbound.code).toBe(0);
    expect(unbound.stderr).toContain('run imported has no dataset: read on mnist validation samples, which fit the model (input [784] = the 28x28x1 image flattened; 10 outputs (scores) = its 10 classes)');
    expect(unbound.stdout).toContain('supports: sample, activations, gradient-flow, histograms, confusion');
    const x = Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 100);
    const plainGraph = parseGraphText(readFileSync(join(dir, 'plain.json'), 'utf8'));
    const [inputId, , outputId] = plainGraph.ok ? plainGraph.graph.nodes.map((n) => n.id) : [];
    const given = await runCli(['inspect', join(dir, 'plain.json'), '--view', 'activations', '--node', outputId ?? '', '--values', x.join(','), '--json', '--backend', 'cpu']);
    expect(given.stderr).toBe('');
    const scores = (JSON.parse(given.stdout) as { ports: { values: number[] }[] }).ports[0]?.values ?? [];
    const predicted = tf.tidy(() => Array.from((model.predict(tf.tensor([x])) as tf.Tensor).dataSync()));
    expect(scores).toHaveLength(10);
    scores.forEach((v, i) => expect(Math.abs(v - (predicted[i] as number))).toBeLessThan(1e-5));
    const short = await runCli(['inspect', join(dir, 'plain.json'), '--view', 'activations', '--values', '1,2,3']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain(`--values: Input '${inputId}' takes [784] float32: 784 numbers; 3 were given`);
    const wrong = await runCli(['import', join(dir, 'model.json'), '--out', graphFile, '--dataset', 'iris', '--backend', 'cpu']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("doesn't fit the model: its features is [4]");
    const r = await runCli(['import', join(dir, 'model.json'), '--out', graphFile, '--dataset', 'mnist', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const fresh = await runCli(['train', graphFile, '--epochs', '1', '--batch-size', '64', '--limit', '64', '--backend', 'cpu', '--json']);
    const fromRun = await runCli(['train', graphFile, '--from-run', '1', '--epochs', '1', '--batch-size', '64', '--limit', '64', '--backend', 'cpu', '--json']);
    expect(fromRun.code).toBe(0);
    expect(fromRun.stderr).toBe('');
    const epochLoss = (out: string) => (JSON.parse(out.split('\n').find((l) => l.includes('"epoch"')) as string) as { loss: number }).loss;
    // The oracle: the original model's loss on the first 64 training images.
    const dataset = await loadBundledDataset('mnist');
    const batch = dataset.train.gather(Uint32Array.from({ length: 64 }, (_, i) => i));
    const expected = tf.tidy(() =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(batch.features.label?.data as Int32Array, 'int32'), 10), model.predict(tf.tensor(batch.features.image?.data as Float32Array, [64, 784])) as tf.Tensor).dataSync()[0] as number,
    );
    model.dispose();
    expect(Math.abs(epochLoss(fromRun.stdout) - expected)).toBeLessThan(1e-4 * expected);
    // Fresh weights start elsewhere (the test can tell the two apart).
    expect(Math.abs(epochLoss(fresh.stdout) - expected)).toBeGreaterThan(0.05);
    const missing = await runCli(['train', graphFile, '--from-run', '7', '--epochs', '1', '--limit', '64', '--backend', 'cpu']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has no run "7"');
    const reread = parseGraphText(readFileSync(graphFile, 'utf8'));
    expect(reread.ok && reread.graph.training.dataset?.id).toBe('mnist');
  });
});
