/**
 * Every layer of the catalogue trains on the wasm backend exactly as on cpu: for each node type of
 * kind 'layer' (from the registry), on the examples its declaration lists (a type without one
 * fails), the gradients of sum(output · fixed random) w.r.t. every trainable weight and every float input are
 * computed on both backends from identical weights and inputs and must agree. The wasm backend of
 * tfjs 4.22 lacks some of the kernels those gradients need; `registerWasmKernelGaps` adds them.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDecl } from '../../../core/catalogue/registry';
import type { SymbolicTensor } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import {
  BACKEND_TOLERANCE,
  type BackendResult,
  compareCase,
  compareResults,
  fixedValues,
  layerDecls as allLayerDecls,
  outputsAndGradients,
  sizeOf,
  typesWithoutExamples,
} from '../../../core/engine/backend-check';
import { registerCpuKernelFixes, registerWasmKernelGaps } from '../../../core/engine/kernels';
import { loadNodeSimdKernels } from '../../../cli/node-backend';

const require = createRequire(import.meta.url);
// In Node the wasm backend loads its .wasm from a folder path (with a trailing separator).
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

/** The comparison of backend-check, as assertions (with the worst entry in the message). */
function expectClose(cpu: BackendResult, wasm: BackendResult, label: string): void {
  const { worstRelative, detail } = compareResults(cpu, wasm, label);
  expect(worstRelative, detail).toBeLessThanOrEqual(BACKEND_TOLERANCE);
}

beforeAll(async () => {
  registerWasmKernelGaps();
  registerCpuKernelFixes();
  // Netwright's SIMD kernels too (the LSTM and additive attention examples with 4 units use them).
  expect(await loadNodeSimdKernels()).toBe(true);
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const layerDecls = allLayerDecls();

describe('gradients of every catalogue layer agree between the wasm and cpu backends', () => {
  it('every layer type lists backend examples in its declaration', () => {
    expect(typesWithoutExamples(), 'add backendExamples to these declarations').toEqual([]);
  });

  for (const decl of layerDecls) {
    (decl.backendExamples ?? []).forEach((testCase, i) => {
      const gap = testCase.tfjsGap ? ` (a tfjs gap on every backend: ${testCase.tfjsGap.source}; forward passes agree)` : '';
      it(`${decl.type} ${JSON.stringify(testCase.params)}${gap}`, async () => {
        const result = await compareCase(decl, testCase, `${decl.type}_${i}`, 'cpu', 'wasm');
        expect(result.worstRelative, result.detail).toBeLessThanOrEqual(BACKEND_TOLERANCE);
        expect(result.ok, result.detail).toBe(true);
      });
    });
  }
});

/** Applies a catalogue node type to symbolic inputs by port, returning its output ports. */
function applyType(type: string, params: Record<string, unknown>, name: string, inputs: Record<string, SymbolicTensor[]>): Record<string, SymbolicTensor> {
  const decl = getDecl(type);
  if (!decl || decl.kind === 'loss') throw new Error(`${type} is not a layer type`);
  return decl.build({ params: paramsObjectSchema(decl.params).parse(params), name, inputs });
}

describe('the noise of training mode is real, and fixed only by the Math.random stub', () => {
  // Otherwise the comparisons above could pass because dropout or sampling were off.
  const outputOf = async (type: string, seed: number) => {
    const decl = layerDecls.find((d) => d.type === type);
    const testCase = decl?.backendExamples?.[0];
    if (!decl || !testCase) throw new Error(`no case for ${type}`);
    return Array.from((await outputsAndGradients(decl, testCase, `noise_${type}_${seed}`, seed)).arrays[0]?.values ?? []);
  };
  it.each(['Dropout', 'Sampling', 'TransformerEncoderBlock', 'Noise'])('%s: same seed, same output; another seed, another output', async (type) => {
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(await outputOf(type, 7)).toEqual(await outputOf(type, 7));
    expect(await outputOf(type, 7)).not.toEqual(await outputOf(type, 8));
  });
});

describe('a small Conv2D + Embedding model trains on wasm as on cpu', () => {
  /**
   * image [6, 6, 1] -> Conv2D(3, 3x3, stride 1, same, relu) -> MaxPool2D -> Conv2D(2, 2x2, stride 2) -> Flatten
   * ids [5] -> Embedding(8, 3) -> Flatten; both -> Concatenate -> Dense(3) -> softmax cross-entropy.
   * Three Adam steps from identical weights and data; returns the loss before each step.
   */
  async function train(backend: string): Promise<{ losses: number[]; weights: Float32Array[] }> {
    expect(await tf.setBackend(backend)).toBe(true);
    const image = tfl.input({ shape: [6, 6, 1] });
    const ids = tfl.input({ shape: [5], dtype: 'int32' });
    const c1 = applyType('Conv2D', { filters: 3, kernelSize: [3], padding: 'same', activation: 'relu' }, 'train_c1', { in: [image] })['out'] as SymbolicTensor;
    const p1 = applyType('MaxPool2D', { poolSize: [2] }, 'train_p1', { in: [c1] })['out'] as SymbolicTensor;
    const c2 = applyType('Conv2D', { filters: 2, kernelSize: [2], strides: [2] }, 'train_c2', { in: [p1] })['out'] as SymbolicTensor;
    const f1 = applyType('Flatten', {}, 'train_f1', { in: [c2] })['out'] as SymbolicTensor;
    const e1 = applyType('Embedding', { inputDim: 8, outputDim: 3 }, 'train_e1', { in: [ids] })['out'] as SymbolicTensor;
    const f2 = applyType('Flatten', {}, 'train_f2', { in: [e1] })['out'] as SymbolicTensor;
    const joined = applyType('Concatenate', {}, 'train_cat', { in: [f1, f2] })['out'] as SymbolicTensor;
    const logits = applyType('Dense', { units: 3 }, 'train_dense', { in: [joined] })['out'] as SymbolicTensor;
    const model = tfl.model({ inputs: [image, ids], outputs: logits });
    const weights = model.weights.map((w, i) => tf.tensor(fixedValues(sizeOf(w.shape as number[]), 300 + i, -0.5, 0.5), w.shape as number[]));
    model.setWeights(weights);
    tf.dispose(weights);

    const x = tf.tensor(fixedValues(8 * 36, 1, -1, 1), [8, 6, 6, 1]);
    const tokens = tf.tensor(fixedValues(8 * 5, 2, 0, 8).map(Math.floor), [8, 5], 'int32');
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 2, 1], 'int32'), 3);
    const optimizer = tf.train.adam(0.05);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const losses: number[] = [];
    let afterFirstStep = 0;
    for (let step = 0; step < 3; step++) {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.apply([x, tokens], { training: true }) as tf.Tensor) as tf.Scalar,
        true,
        variables,
      );
      if (!loss) throw new Error('minimize returned no loss');
      losses.push(loss.dataSync()[0] as number);
      loss.dispose();
      // The first step creates Adam's slots; after that a step must not add tensors.
      if (step === 0) afterFirstStep = tf.memory().numTensors;
      else expect(tf.memory().numTensors, `tensors leaked by step ${step}`).toBe(afterFirstStep);
    }
    const trained = model.trainableWeights.map((w) => (w.read() as tf.Tensor).dataSync() as Float32Array);
    optimizer.dispose();
    tf.dispose([x, tokens, labels]);
    model.dispose();
    return { losses, weights: trained };
  }

  it('three Adam steps: same losses and weights within 1e-4 relative', async () => {
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    // The steps changed the loss, so the comparison compares training, not initial values.
    expect(cpu.losses[2]).toBeLessThan(cpu.losses[0] as number);
    wasm.losses.forEach((l, i) => expect(Math.abs(l - (cpu.losses[i] as number)), `loss ${i}`).toBeLessThanOrEqual(1e-4 * Math.abs(cpu.losses[i] as number)));
    expectClose(
      { arrays: cpu.weights.map((values, i) => ({ name: `weight ${i}`, values })) },
      { arrays: wasm.weights.map((values, i) => ({ name: `weight ${i}`, values })) },
      'trained',
    );
  });
});

describe('a small dilated convolution model trains on wasm as on cpu', () => {
  /**
   * image [7, 7, 2] -> Conv2D(3, 3x3, dilation 2, same, relu) -> SeparableConv2D(2, 2x2, dilation [1, 2])
   * -> Flatten -> Reshape [steps, channels] -> Conv1D(2, 2, dilation 2) -> Flatten -> Dense(3) ->
   * softmax cross-entropy. Three Adam steps from identical weights and data; every dilated layer
   * is in the gradient path, which stock tfjs 4.22 refuses to differentiate.
   */
  async function train(backend: string): Promise<{ losses: number[]; weights: Float32Array[] }> {
    expect(await tf.setBackend(backend)).toBe(true);
    const image = tfl.input({ shape: [7, 7, 2] });
    const out = (type: string, params: Record<string, unknown>, name: string, x: SymbolicTensor) =>
      applyType(type, params, name, { in: [x] })['out'] as SymbolicTensor;
    const c1 = out('Conv2D', { filters: 3, kernelSize: [3], dilationRate: [2], padding: 'same', activation: 'relu' }, 'dil_c1', image);
    const s1 = out('SeparableConv2D', { filters: 2, kernelSize: [2], dilationRate: [1, 2], padding: 'valid' }, 'dil_s1', c1);
    // [6, 5, 2] -> 30 steps of 2 channels.
    const seq = out('Reshape', { targetShape: [30, 2] }, 'dil_r1', s1);
    const c2 = out('Conv1D', { filters: 2, kernelSize: 2, dilationRate: 2 }, 'dil_c2', seq);
    const logits = out('Dense', { units: 3 }, 'dil_dense', out('Flatten', {}, 'dil_f1', c2));
    const model = tfl.model({ inputs: image, outputs: logits });
    const weights = model.weights.map((w, i) => tf.tensor(fixedValues(sizeOf(w.shape as number[]), 400 + i, -0.5, 0.5), w.shape as number[]));
    model.setWeights(weights);
    tf.dispose(weights);

    const x = tf.tensor(fixedValues(6 * 98, 3, -1, 1), [6, 7, 7, 2]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 2, 1, 0], 'int32'), 3);
    const optimizer = tf.train.adam(0.05);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const losses: number[] = [];
    let afterFirstStep = 0;
    for (let step = 0; step < 3; step++) {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
        variables,
      );
      if (!loss) throw new Error('minimize returned no loss');
      losses.push(loss.dataSync()[0] as number);
      loss.dispose();
      if (step === 0) afterFirstStep = tf.memory().numTensors;
      else expect(tf.memory().numTensors, `tensors leaked by step ${step}`).toBe(afterFirstStep);
    }
    const trained = model.trainableWeights.map((w) => (w.read() as tf.Tensor).dataSync() as Float32Array);
    optimizer.dispose();
    tf.dispose([x, labels]);
    model.dispose();
    return { losses, weights: trained };
  }

  it('three Adam steps: the loss falls, same losses and weights within 1e-4 relative', async () => {
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    expect(cpu.losses[2]).toBeLessThan(cpu.losses[0] as number);
    expect(wasm.losses[2]).toBeLessThan(wasm.losses[0] as number);
    wasm.losses.forEach((l, i) => expect(Math.abs(l - (cpu.losses[i] as number)), `loss ${i}`).toBeLessThanOrEqual(1e-4 * Math.abs(cpu.losses[i] as number)));
    expectClose(
      { arrays: cpu.weights.map((values, i) => ({ name: `weight ${i}`, values })) },
      { arrays: wasm.weights.map((values, i) => ({ name: `weight ${i}`, values })) },
      'trained',
    );
  });
});
