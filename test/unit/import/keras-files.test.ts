/**
 * Keras 3 `.keras` archives and legacy `.h5` files: the files are written here as Keras writes them
 * (config.json in Keras 3's form; HDF5 by h5py, Debian's python3-h5py, in Keras' weight layout),
 * from a reference model built in tfjs with patterned weights. Oracle: the imported graph has the
 * reference's parameter count and gives its outputs within 1e-5.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../../core/import/errors';
import { kerasSnakeCase } from '../../../core/import/keras-file';
import { importModelFiles } from '../../../core/import/model-files';
import { runCli } from '../cli/run-cli';
import { importedOutputs, maxAbsDiff, patternWeights, referenceOutputs, sampleInputs } from './helpers';

const PYTHON = '/usr/bin/python3';
const hasH5py = spawnSync(PYTHON, ['-c', 'import h5py'], { encoding: 'utf8' }).status === 0;
if (!hasH5py && process.env.CI) throw new Error('python3-h5py is missing (apt-get install python3-h5py; .ci/run installs it)');
if (!hasH5py) console.warn('keras-files.test: Debian python3-h5py is missing; the Keras file tests are skipped');

const dir = mkdtempSync(join(tmpdir(), 'netwright-keras-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Dataset {
  path: string;
  shape: number[];
  values: number[];
  gzip?: boolean;
}

/** An HDF5 file written by h5py. */
function writeH5(name: string, datasets: Dataset[], attrs: Record<string, Record<string, string | string[]>>): Uint8Array {
  const spec = join(dir, `${name}.json`);
  const out = join(dir, name);
  writeFileSync(spec, JSON.stringify({ datasets, attrs }));
  const run = spawnSync(PYTHON, [join(__dirname, '../../python/write_h5.py'), spec, out], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return new Uint8Array(readFileSync(out));
}

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const init = (className: string, config: Record<string, unknown> = { seed: null }) => ({ module: 'keras.initializers', class_name: className, config, registered_name: null });
const regs = (...keys: string[]) => Object.fromEntries(keys.map((k) => [k, null]));

/** A layer as Keras 3 serializes it into config.json. */
function k3(className: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { module: 'keras.layers', class_name: className, config: { trainable: true, dtype: policy, ...config }, registered_name: null, ...extra };
}
const k3Input = (name: string, shape: (number | null)[], dtype = 'float32') => ({ module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: shape, dtype, sparse: false, name }, registered_name: null });
const k3Conv = (name: string, filters: number) =>
  k3('Conv2D', { name, filters, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros', {}), ...regs('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint') });
const k3Dense = (name: string, units: number, activation: string) =>
  k3('Dense', { name, units, activation, use_bias: true, kernel_initializer: init('GlorotUniform'), bias_initializer: init('Zeros', {}), ...regs('kernel_regularizer', 'bias_regularizer', 'kernel_constraint', 'bias_constraint', 'lora_rank') });
/** Keras 3's record of a call: the tensors it read, as __keras_tensor__ with their history. */
const k3Call = (...from: [string, number[]][]) => ({
  args: [from.length === 1 ? tensorOf(from[0] as [string, number[]]) : from.map(tensorOf)],
  kwargs: {},
});
const tensorOf = ([layer, shape]: [string, number[]]) => ({ class_name: '__keras_tensor__', config: { shape: [null, ...shape], dtype: 'float32', keras_history: [layer, 0, 0] } });

/** The reference's weights in model.weights.h5's layout: `layers/<class>[_n]/vars/<i>` (`cell/vars` for an LSTM). */
function kerasThreeWeights(layers: [string, tfl.layers.Layer][]): Dataset[] {
  const used = new Map<string, number>();
  return layers.flatMap(([className, layer]) => {
    const key = kerasSnakeCase(className);
    const n = used.has(key) ? (used.get(key) as number) + 1 : 0;
    used.set(key, n);
    const path = `layers/${n === 0 ? key : `${key}_${n}`}${className === 'LSTM' ? '/cell' : ''}/vars`;
    return layer.getWeights().map((w, i) => ({ path: `${path}/${i}`, shape: w.shape, values: Array.from(w.dataSync()), gzip: i % 2 === 0 }));
  });
}

function kerasArchive(config: unknown, weights: Uint8Array): Uint8Array {
  const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  return zipSync({ 'metadata.json': text({ keras_version: '3.6.0', date_saved: '2026-12-05@12:00:00' }), 'config.json': text(config), 'model.weights.h5': weights });
}

async function expectSame(model: tfl.LayersModel, file: { name: string; bytes: Uint8Array }) {
  const before = tf.memory().numTensors;
  const imported = await importModelFiles([file], { name: 'keras', backend: 'cpu' });
  const inputs = sampleInputs(model, 3, 20);
  const ours = importedOutputs(imported.graph, inputs);
  const diff = maxAbsDiff(ours.outputs, referenceOutputs(model, inputs));
  tf.dispose(inputs);
  expect(ours.parameters).toBe(model.countParams());
  expect(imported.parameters).toBe(model.countParams());
  expect(diff).toBeLessThan(1e-5);
  expect(tf.memory().numTensors).toBe(before);
  return imported;
}

function convnet(): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
      tfl.layers.batchNormalization({ epsilon: 0.001 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 5, activation: 'softmax' }),
    ],
  });
  patternWeights(model);
  return model;
}

describe.skipIf(!hasH5py)('Keras files', () => {
  it('names weight groups as Keras 3 does (naming.to_snake_case of the class)', () => {
    expect(['Conv2D', 'MaxPooling2D', 'BatchNormalization', 'SimpleRNN', 'LSTM', 'Conv2DTranspose', 'GlobalAveragePooling1D'].map(kerasSnakeCase)).toEqual([
      'conv2d', 'max_pooling2d', 'batch_normalization', 'simple_rnn', 'lstm', 'conv2d_transpose', 'global_average_pooling1d',
    ]);
  });

  it('a Keras 3 .keras convnet (keras-io mnist_convnet style, with batch norm): same parameters and outputs', async () => {
    const model = convnet();
    const [c1, , c2, bn, , , d] = model.layers as tfl.layers.Layer[];
    const config = {
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        trainable: true,
        dtype: policy,
        layers: [
          k3Input('input_layer', [null, 12, 12, 1]),
          k3Conv('conv2d', 4),
          k3('MaxPooling2D', { name: 'max_pooling2d', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' }),
          k3Conv('conv2d_1', 3),
          k3('BatchNormalization', { name: 'batch_normalization', axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, beta_initializer: init('Zeros', {}), gamma_initializer: init('Ones', {}), moving_mean_initializer: init('Zeros', {}), moving_variance_initializer: init('Ones', {}), ...regs('beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'), synchronized: false }),
          k3('Flatten', { name: 'flatten', data_format: 'channels_last' }),
          k3('Dropout', { name: 'dropout', rate: 0.5, seed: null, noise_shape: null }),
          k3Dense('dense', 5, 'softmax'),
        ],
        build_input_shape: [null, 12, 12, 1],
      },
      registered_name: null,
      build_config: { input_shape: [null, 12, 12, 1] },
      compile_config: null,
    };
    const weights = writeH5('convnet.weights.h5', kerasThreeWeights([['Conv2D', c1 as tfl.layers.Layer], ['Conv2D', c2 as tfl.layers.Layer], ['BatchNormalization', bn as tfl.layers.Layer], ['Dense', d as tfl.layers.Layer]]), {});
    const bytes = kerasArchive(config, weights);
    const imported = await expectSame(model, { name: 'mnist_convnet.keras', bytes });
    expect(imported.graph.nodes.map((n) => n.type)).toEqual(['Input', 'Conv2D', 'MaxPool2D', 'Conv2D', 'BatchNorm', 'Flatten', 'Dropout', 'Dense']);
    expect(imported.graph.runs[0]?.name).toBe('Imported weights (keras)');
    expect(imported.graph.runs[0]?.manifest.origin).toEqual({ file: 'mnist_convnet.keras', format: 'keras', producer: 'Keras 3.6.0', sha256: createHash('sha256').update(bytes).digest('hex'), weightFiles: [], graphFrom: 'layers' });

    // The CLI reads the same archive.
    const file = join(dir, 'mnist_convnet.keras');
    writeFileSync(file, bytes);
    const cli = await runCli(['import', file, '--out', join(dir, 'convnet-graph.json')]);
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toContain(`8 nodes, ${model.countParams().toLocaleString('en-US')} parameters`);
    model.dispose();
  });

  it('a Keras 3 Functional model: embedding + LSTM and a dense branch merged (class counters dense, dense_1, dense_2)', async () => {
    const tokens = tfl.input({ shape: [6], dtype: 'int32', name: 'tokens' });
    const extra = tfl.input({ shape: [4], name: 'extra' });
    const emb = tfl.layers.embedding({ inputDim: 20, outputDim: 8 });
    const lstm = tfl.layers.lstm({ units: 5, recurrentActivation: 'sigmoid' });
    const d0 = tfl.layers.dense({ units: 3, activation: 'tanh' });
    const d1 = tfl.layers.dense({ units: 4, activation: 'relu' });
    const d2 = tfl.layers.dense({ units: 2 });
    const merged = tfl.layers.concatenate().apply([lstm.apply(emb.apply(tokens)) as tfl.SymbolicTensor, d1.apply(d0.apply(extra)) as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [tokens, extra], outputs: d2.apply(merged) as tfl.SymbolicTensor });
    patternWeights(model);
    const layer = (spec: object, inbound: unknown) => ({ ...spec, inbound_nodes: inbound === null ? [] : [inbound] });
    const config = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: [
          layer(k3Input('tokens', [null, 6], 'int32'), null),
          layer(k3('Embedding', { name: 'embedding', input_dim: 20, output_dim: 8, embeddings_initializer: init('RandomUniform', { minval: -0.05, maxval: 0.05, seed: null }), ...regs('embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint', 'lora_rank'), mask_zero: false }), k3Call(['tokens', [6]])),
          layer(k3('LSTM', { name: 'lstm', return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, zero_output_for_mask: false, units: 5, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, kernel_initializer: init('GlorotUniform'), recurrent_initializer: init('Orthogonal', { gain: 1, seed: null }), bias_initializer: init('Zeros', {}), unit_forget_bias: true, ...regs('kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint'), dropout: 0, recurrent_dropout: 0, seed: null, use_cudnn: 'auto' }), { args: [tensorOf(['embedding', [6, 8]])], kwargs: { training: false, mask: null } }),
          layer(k3Input('extra', [null, 4]), null),
          layer(k3Dense('dense', 3, 'tanh'), k3Call(['extra', [4]])),
          layer(k3Dense('dense_1', 4, 'relu'), k3Call(['dense', [3]])),
          layer(k3('Concatenate', { name: 'concatenate', axis: -1 }), k3Call(['lstm', [5]], ['dense_1', [4]])),
          layer(k3Dense('dense_2', 2, 'linear'), k3Call(['concatenate', [9]])),
        ],
        input_layers: [['tokens', 0, 0], ['extra', 0, 0]],
        output_layers: ['dense_2', 0, 0],
      },
      registered_name: 'Functional',
      build_config: { input_shape: null },
    };
    const weights = writeH5('functional.weights.h5', kerasThreeWeights([['Embedding', emb], ['LSTM', lstm], ['Dense', d0], ['Dense', d1], ['Dense', d2]]), {});
    const imported = await expectSame(model, { name: 'functional.keras', bytes: kerasArchive(config, weights) });
    expect(imported.graph.nodes.map((n) => n.type)).toEqual(['Input', 'Embedding', 'LSTM', 'Input', 'Dense', 'Dense', 'Concatenate', 'Dense']);
    model.dispose();
  });

  /** The same convnet saved by Keras 2 (model.save('model.h5')): Keras 2's config, weights under model_weights. */
  function legacyH5(model: tfl.Sequential, layerNames: string[], config: unknown): Uint8Array {
    const withWeights = (model.layers as tfl.layers.Layer[]).map((l, i) => [layerNames[i] as string, l] as const);
    const datasets: Dataset[] = [];
    const attrs: Record<string, Record<string, string | string[]>> = { '/': { model_config: JSON.stringify(config), keras_version: '2.13.1', backend: 'tensorflow' }, model_weights: { layer_names: layerNames } };
    for (const [name, layer] of withWeights) {
      const weights = layer.getWeights();
      const names = layer.weights.map((w) => `${name}/${w.name.split('/').pop() as string}:0`);
      attrs[`model_weights/${name}`] = { weight_names: names };
      weights.forEach((w, i) => datasets.push({ path: `model_weights/${name}/${names[i] as string}`, shape: w.shape, values: Array.from(w.dataSync()) }));
    }
    return writeH5(`${layerNames.join('-').slice(0, 40)}.h5`, datasets, attrs);
  }

  const k2 = (className: string, config: Record<string, unknown>) => ({ class_name: className, config: { trainable: true, dtype: 'float32', ...config } });

  it('a legacy Keras 2 .h5 convnet: same parameters and outputs', async () => {
    const model = convnet();
    const names = ['conv2d', 'max_pooling2d', 'conv2d_1', 'batch_normalization', 'flatten', 'dropout', 'dense'];
    const config = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 12, 12, 1], dtype: 'float32', sparse: false, ragged: false, name: 'conv2d_input' } },
          k2('Conv2D', { name: 'conv2d', filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} }, ...regs('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint') }),
          k2('MaxPooling2D', { name: 'max_pooling2d', pool_size: [2, 2], padding: 'valid', strides: [2, 2], data_format: 'channels_last' }),
          k2('Conv2D', { name: 'conv2d_1', filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true }),
          k2('BatchNormalization', { name: 'batch_normalization', axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true }),
          k2('Flatten', { name: 'flatten', data_format: 'channels_last' }),
          k2('Dropout', { name: 'dropout', rate: 0.5, noise_shape: null, seed: null }),
          k2('Dense', { name: 'dense', units: 5, activation: 'softmax', use_bias: true }),
        ],
      },
    };
    const bytes = legacyH5(model, names, config);
    const imported = await expectSame(model, { name: 'convnet.h5', bytes });
    expect(imported.graph.runs[0]?.manifest.origin).toEqual({ file: 'convnet.h5', format: 'keras-h5', producer: 'Keras 2.13.1', sha256: createHash('sha256').update(bytes).digest('hex'), weightFiles: [], graphFrom: 'layers' });
    model.dispose();
  });

  it("refuses a Keras 2 GRU (reset_after = true) by position and name, in the library and the CLI", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 20, outputDim: 4, inputLength: 6 }), tfl.layers.dense({ units: 2 })] });
    const config = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 6], dtype: 'int32', sparse: false, ragged: false, name: 'embedding_input' } },
          k2('Embedding', { name: 'embedding', input_dim: 20, output_dim: 4, mask_zero: false }),
          k2('GRU', { name: 'gru', units: 3, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, time_major: false, dropout: 0, recurrent_dropout: 0, implementation: 2, reset_after: true }),
        ],
      },
    };
    const bytes = legacyH5(model as tfl.Sequential, ['embedding', 'dense'], config);
    const expected = "layer 3 'gru' (GRU): reset_after = true (Keras 2's default GRU) has no equivalent";
    await expect(importModelFiles([{ name: 'gru.h5', bytes }], { name: 'gru', backend: 'cpu' })).rejects.toThrow(expected);
    const file = join(dir, 'gru.h5');
    writeFileSync(file, bytes);
    const cli = await runCli(['import', file, '--out', join(dir, 'gru-graph.json')]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(expected);
    model.dispose();
  });

  it('hostile Keras files get clear errors', async () => {
    const fail = (name: string, bytes: Uint8Array) => importModelFiles([{ name, bytes }], { name: 'x', backend: 'cpu' });
    await expect(fail('x.h5', new TextEncoder().encode('not hdf5 at all'))).rejects.toThrow(/the \.h5 file is not a readable HDF5 file/);
    await expect(fail('x.keras', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]))).rejects.toThrow(/the \.keras file is not a readable zip archive/);
    await expect(fail('x.keras', zipSync({ 'metadata.json': new Uint8Array([123, 125]) }))).rejects.toThrow('the .keras archive has no config.json');
    const weightsOnly = writeH5('weights-only.h5', [{ path: 'dense/dense/kernel:0', shape: [2, 2], values: [1, 2, 3, 4] }], {});
    await expect(fail('w.h5', weightsOnly)).rejects.toThrow(/holds weights only \(model\.save_weights\)/);
    const model = convnet();
    const truncated = legacyH5(model, ['conv2d', 'max_pooling2d', 'conv2d_1', 'batch_normalization', 'flatten', 'dropout', 'dense'], { class_name: 'Sequential', config: { layers: [] } });
    await expect(fail('t.h5', truncated.slice(0, Math.floor(truncated.byteLength / 2)))).rejects.toBeInstanceOf(ImportError);
    model.dispose();
  });
});
