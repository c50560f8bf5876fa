/**
 * Every layer of the catalogue trains on the wasm backend exactly as on cpu: for each node type of
 * kind 'layer' (taken from the registry, so a new type fails here until it has a case), the
 * gradients of sum(output · fixed random) w.r.t. every trainable weight and every float input are
 * computed on both backends from identical weights and inputs and must agree. The wasm backend of
 * tfjs 4.22 lacks some of the kernels those gradients need; `registerWasmKernelGaps` adds them.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIVATIONS } from '../../../core/catalogue/activations';
import type { LayerDecl, SymbolicTensor } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { allDecls, getDecl } from '../../../core/catalogue/registry';
import { registerCpuKernelFixes, registerWasmKernelGaps } from '../../../core/engine/kernels';

const require = createRequire(import.meta.url);
// In Node the wasm backend loads its .wasm from a folder path (with a trailing separator).
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

interface InputSpec {
  /** One sample's shape (no batch axis). */
  shape: number[];
  /** int32 ids in [0, intMax) (Embedding), or a 0/1 padding mask (not differentiated). */
  kind?: 'float' | 'ids' | 'mask';
  intMax?: number;
}

interface GradientCase {
  params: Record<string, unknown>;
  inputs: Record<string, InputSpec[]>;
  /**
   * A gap of tfjs 4.22 itself, the same on every backend: the case must fail with this error on
   * both (so the test notices when the layer is changed to avoid it, and the case can move).
   */
  tfjsGap?: RegExp;
}

const BATCH = 3;
const one = (shape: number[]): InputSpec[] => [{ shape }];

/**
 * One or two small valid configurations per node type, chosen to exercise the gradient paths that
 * differ: strides, 'same' padding, dilation, depth multipliers, masks, dropout, initial states.
 */
const CASES: Record<string, GradientCase[]> = {
  Dense: [
    { params: { units: 3, activation: 'tanh' }, inputs: { in: one([4]) } },
    { params: { units: 2, activation: 'leakyRelu', useBias: false }, inputs: { in: one([3, 4]) } },
  ],
  Flatten: [{ params: {}, inputs: { in: one([2, 3, 2]) } }],
  OneHot: [{ params: { depth: 4 }, inputs: { in: [{ shape: [3], kind: 'ids', intMax: 4 }] } }],
  // Every activation: each has its own gradient kernels (erf for gelu, softplus, selu...).
  Activation: ACTIVATIONS.map((activation) => ({ params: { activation, alpha: 0.2 }, inputs: { in: one([5]) } })),
  Dropout: [{ params: { rate: 0.4 }, inputs: { in: one([6]) } }],
  Reshape: [{ params: { targetShape: [3, -1] }, inputs: { in: one([2, 3]) } }],
  Permute: [{ params: { dims: [2, 1] }, inputs: { in: one([3, 4]) } }],
  RepeatVector: [{ params: { n: 3 }, inputs: { in: one([4]) } }],
  Split: [
    { params: { parts: 2 }, inputs: { in: one([6]) } },
    { params: { sizes: [1, 3] }, inputs: { in: one([2, 4]) } },
  ],
  Concatenate: [{ params: { axis: -1 }, inputs: { in: [{ shape: [2, 3] }, { shape: [2, 2] }] } }],
  Add: [{ params: {}, inputs: { in: [{ shape: [4] }, { shape: [4] }, { shape: [4] }] } }],
  Subtract: [{ params: {}, inputs: { a: one([4]), b: one([4]) } }],
  Multiply: [{ params: {}, inputs: { in: [{ shape: [4] }, { shape: [4] }] } }],
  Average: [{ params: {}, inputs: { in: [{ shape: [2, 3] }, { shape: [2, 3] }] } }],
  Conv1D: [
    { params: { filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }, inputs: { in: one([7, 3]) } },
    // Dilation > 1 runs through Netwright's subclass (tfjs 4.22 cannot differentiate it): must train as dilation 1 does.
    { params: { filters: 3, kernelSize: 2, dilationRate: 2, padding: 'valid' }, inputs: { in: one([6, 2]) } },
    { params: { filters: 2, kernelSize: 3, dilationRate: 3, padding: 'same', activation: 'tanh' }, inputs: { in: one([7, 2]) } },
  ],
  Conv2D: [
    { params: { filters: 2, kernelSize: [3], strides: [2, 3], padding: 'same', activation: 'elu' }, inputs: { in: one([5, 7, 2]) } },
    { params: { filters: 3, kernelSize: [2, 3], dilationRate: [2, 1], padding: 'valid' }, inputs: { in: one([6, 5, 2]) } },
    { params: { filters: 2, kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', activation: 'relu' }, inputs: { in: one([5, 6, 2]) } },
  ],
  Conv2DTranspose: [
    { params: { filters: 2, kernelSize: [3], strides: [2], padding: 'same' }, inputs: { in: one([3, 4, 2]) } },
    { params: { filters: 1, kernelSize: [2, 3], strides: [1, 2], padding: 'valid', activation: 'sigmoid' }, inputs: { in: one([3, 3, 3]) } },
  ],
  SeparableConv2D: [
    { params: { filters: 2, kernelSize: [3], strides: [2], padding: 'same', depthMultiplier: 2 }, inputs: { in: one([5, 6, 2]) } },
    { params: { filters: 3, kernelSize: [2], dilationRate: [2], padding: 'valid', depthMultiplier: 1 }, inputs: { in: one([5, 5, 3]) } },
    { params: { filters: 2, kernelSize: [2, 3], dilationRate: [1, 2], padding: 'same', depthMultiplier: 2, activation: 'leakyRelu', useBias: false }, inputs: { in: one([4, 6, 2]) } },
    { params: { filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 'valid', depthMultiplier: 3, activation: 'relu' }, inputs: { in: one([4, 7, 2]) } },
  ],
  MaxPool1D: [{ params: { poolSize: 2, padding: 'same' }, inputs: { in: one([5, 2]) } }],
  MaxPool2D: [{ params: { poolSize: [2], strides: [1, 2], padding: 'valid' }, inputs: { in: one([4, 5, 2]) } }],
  AvgPool1D: [{ params: { poolSize: 3, strides: [2], padding: 'valid' }, inputs: { in: one([7, 2]) } }],
  AvgPool2D: [{ params: { poolSize: [2, 3], padding: 'same' }, inputs: { in: one([4, 5, 2]) } }],
  GlobalMaxPool1D: [{ params: {}, inputs: { in: one([4, 3]) } }],
  GlobalMaxPool2D: [{ params: {}, inputs: { in: one([3, 4, 2]) } }],
  GlobalAvgPool1D: [{ params: {}, inputs: { in: one([4, 3]) } }],
  GlobalAvgPool2D: [{ params: {}, inputs: { in: one([3, 4, 2]) } }],
  UpSampling2D: [
    { params: { size: [2], interpolation: 'nearest' }, inputs: { in: one([2, 3, 2]) } },
    { params: { size: [2, 3], interpolation: 'bilinear' }, inputs: { in: one([2, 3, 2]) } },
  ],
  ZeroPadding2D: [{ params: { padding: [1, 2] }, inputs: { in: one([2, 3, 2]) } }],
  Cropping2D: [{ params: { cropping: [1] }, inputs: { in: one([4, 4, 2]) } }],
  BatchNorm: [{ params: {}, inputs: { in: one([3, 4]) } }],
  LayerNorm: [{ params: {}, inputs: { in: one([3, 4]) } }],
  Embedding: [
    { params: { inputDim: 7, outputDim: 3 }, inputs: { in: [{ shape: [4], kind: 'ids', intMax: 7 }] } },
    { params: { inputDim: 5, outputDim: 2, maskZero: true }, inputs: { in: [{ shape: [2, 3], kind: 'ids', intMax: 5 }] } },
  ],
  SimpleRNN: [
    { params: { units: 3, returnSequences: true, dropout: 0.25 }, inputs: { in: one([3, 2]) } },
    { params: { units: 2, goBackwards: true }, inputs: { in: one([3, 2]), initialH: one([2]) } },
  ],
  LSTM: [
    { params: { units: 3, returnSequences: true, recurrentDropout: 0.25 }, inputs: { in: one([3, 2]) } },
    { params: { units: 2, returnState: true }, inputs: { in: one([3, 2]), initialH: one([2]), initialC: one([2]) } },
  ],
  GRU: [
    { params: { units: 3, returnSequences: true, recurrentActivation: 'hardSigmoid' }, inputs: { in: one([3, 2]) } },
    { params: { units: 2, returnState: true }, inputs: { in: one([3, 2]), initialH: one([2]) } },
  ],
  Bidirectional: [
    { params: { layer: 'GRU', units: 2, returnSequences: true, mergeMode: 'concat' }, inputs: { in: one([3, 2]) } },
    { params: { layer: 'LSTM', units: 2, mergeMode: 'mul' }, inputs: { in: one([3, 2]) } },
  ],
  Attention: [
    {
      params: { score: 'general', causal: true },
      inputs: { query: one([3, 3]), values: one([4, 3]), mask: [{ shape: [4], kind: 'mask' }] },
    },
    { params: { score: 'additive', units: 3 }, inputs: { query: one([3, 2]), values: one([4, 3]) } },
  ],
  MultiHeadAttention: [
    {
      params: { numHeads: 2, keyDim: 2, valueDim: 3, causal: true },
      inputs: { query: one([3, 4]), value: one([4, 2]), key: one([4, 3]), mask: [{ shape: [4], kind: 'mask' }] },
    },
  ],
  PositionalEncoding: [{ params: {}, inputs: { in: one([4, 6]) } }],
  PositionEmbedding: [{ params: { maxLength: 5 }, inputs: { in: one([4, 3]) } }],
  TransformerEncoderBlock: [
    {
      params: { numHeads: 2, keyDim: 2, ffDim: 5, dropout: 0.2, normPlacement: 'pre', activation: 'gelu' },
      inputs: { in: one([4, 6]), mask: [{ shape: [4], kind: 'mask' }] },
    },
    { params: { numHeads: 1, keyDim: 3, ffDim: 4, dropout: 0, causal: true }, inputs: { in: one([3, 4]) } },
  ],
  Sampling: [{ params: {}, inputs: { mu: one([3]), logvar: one([3]) } }],
  AffineCoupling: [{ params: { hiddenUnits: 4, hiddenActivation: 'tanh' }, inputs: { in: one([5]) } }],
};

/** Deterministic uniform values in [0, 1) (a linear congruential generator). */
function lcg(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function fixedValues(size: number, seed: number, low: number, high: number): number[] {
  const r = lcg(seed);
  return Array.from({ length: size }, () => low + (high - low) * r());
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function feedFor(spec: InputSpec, seed: number): tf.Tensor {
  const shape = [BATCH, ...spec.shape];
  const n = sizeOf(shape);
  if (spec.kind === 'ids') return tf.tensor(fixedValues(n, seed, 0, spec.intMax ?? 2).map(Math.floor), shape, 'int32');
  // A padding mask: the first position is always real, the rest are 0/1.
  if (spec.kind === 'mask') return tf.tensor(fixedValues(n, seed, 0, 1).map((v, i) => (i % (spec.shape[0] ?? 1) === 0 || v < 0.7 ? 1 : 0)), shape);
  return tf.tensor(fixedValues(n, seed, -1, 1), shape);
}

interface BackendResult {
  /** Outputs, then gradients w.r.t. each trainable weight, then w.r.t. each float input. */
  arrays: { name: string; values: Float32Array }[];
}

/**
 * Builds the case on the active backend, gives it fixed weights and inputs, and returns its outputs
 * and gradients. Training mode, so dropout and batch statistics are on; their random draws come
 * from tfjs' unseeded generators, which seed themselves from Math.random: stubbing Math.random
 * with a fixed sequence makes the noise identical on both backends.
 */
function outputsAndGradients(decl: LayerDecl, testCase: GradientCase, caseId: string, noiseSeed = 7, differentiate = true): BackendResult {
  const params = paramsObjectSchema(decl.params).parse(testCase.params);
  expect(decl.validateParams?.(params) ?? [], 'the case must be valid').toEqual([]);
  const before = tf.memory().numTensors;

  const symbolic: Record<string, SymbolicTensor[]> = {};
  const modelInputs: SymbolicTensor[] = [];
  const specs: InputSpec[] = [];
  for (const [port, portSpecs] of Object.entries(testCase.inputs)) {
    symbolic[port] = portSpecs.map((s) => {
      const t = tfl.input({ shape: s.shape, dtype: s.kind === 'ids' ? 'int32' : 'float32' });
      modelInputs.push(t);
      specs.push(s);
      return t;
    });
  }
  const built = decl.build({ params, name: `grad_${caseId}`, inputs: symbolic });
  const ports = Object.keys(built).sort();
  const model = tfl.model({ inputs: modelInputs, outputs: ports.map((p) => built[p] as SymbolicTensor) });
  const arrays: BackendResult['arrays'] = [];
  try {
    // Trainable weights in [-0.5, 0.5]; non-trainable ones (moving statistics) positive.
    const weights = model.weights.map((w, i) =>
      tf.tensor(w.trainable ? fixedValues(sizeOf(w.shape as number[]), 100 + i, -0.5, 0.5) : fixedValues(sizeOf(w.shape as number[]), 100 + i, 0.5, 1.5), w.shape as number[]),
    );
    model.setWeights(weights);
    tf.dispose(weights);

    const feeds = specs.map((s, i) => feedFor(s, 10 + i));
    const floatInputs = feeds.map((f, i) => (specs[i]?.kind === undefined || specs[i]?.kind === 'float' ? tf.variable(f, true, `${caseId}_input${i}`) : undefined));
    const weightVariables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const inputVariables = floatInputs.filter((v): v is tf.Variable => v !== undefined);

    const random = vi.spyOn(Math, 'random').mockImplementation(lcg(noiseSeed));
    let outputs: tf.Tensor[] = [];
    const loss = () => {
      const result = model.apply(feeds.map((f, i) => floatInputs[i] ?? f), { training: true }) as tf.Tensor | tf.Tensor[];
      const outs = Array.isArray(result) ? result : [result];
      outputs = outs.map((o) => tf.keep(o.clone()));
      const projected = outs.map((o, i) => tf.sum(tf.mul(o, tf.tensor(fixedValues(o.size, 200 + i, -1, 1), o.shape))));
      return tf.addN(projected) as tf.Scalar;
    };
    let grads: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      const variables = differentiate ? [...weightVariables, ...inputVariables] : [];
      // Nothing to differentiate (e.g. OneHot of ids): the outputs are still compared.
      grads = variables.length > 0 ? tf.variableGrads(loss, variables) : { value: tf.tidy(loss), grads: {} };
    } catch (err) {
      tf.dispose([...outputs, ...feeds, ...inputVariables]);
      throw err;
    } finally {
      random.mockRestore();
    }
    outputs.forEach((o, i) => arrays.push({ name: `output ${ports[i]}`, values: o.dataSync() as Float32Array }));
    if (differentiate) weightVariables.forEach((v, i) => {
      const g = grads.grads[v.name];
      arrays.push({ name: `d/d ${model.trainableWeights[i]?.originalName}`, values: g ? (g.dataSync() as Float32Array) : new Float32Array() });
    });
    if (differentiate) inputVariables.forEach((v, i) => {
      const g = grads.grads[v.name];
      arrays.push({ name: `d/d input ${i}`, values: g ? (g.dataSync() as Float32Array) : new Float32Array() });
    });
    tf.dispose([grads.value, ...Object.values(grads.grads), ...outputs, ...feeds, ...inputVariables]);
  } finally {
    model.dispose();
  }
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return { arrays };
}

/**
 * Tolerance: |wasm - cpu| <= 1e-4 · (|cpu| + 0.01 · max(1, max|cpu array|)). Relative 1e-4 for
 * entries of ordinary size; an entry near zero is usually the result of cancellation in a float32
 * sum, whose rounding error scales with the terms summed (here of order 1 or the array's largest
 * entry), not with the result: such entries get an absolute floor of 1e-6 · max(1, largest entry).
 * Example: MultiHeadAttention's key bias has an exactly zero gradient (softmax ignores a constant
 * shift of all scores); both backends return float32 noise of about 1e-8 there.
 */
function expectClose(cpu: BackendResult, wasm: BackendResult, label: string): void {
  expect(wasm.arrays.map((a) => a.name)).toEqual(cpu.arrays.map((a) => a.name));
  cpu.arrays.forEach((a, k) => {
    const b = wasm.arrays[k]?.values ?? new Float32Array();
    expect(b.length, `${label} ${a.name}: length`).toBe(a.values.length);
    const scale = a.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    let worst = 0;
    let worstAt = -1;
    a.values.forEach((x, j) => {
      const ratio = Math.abs(x - (b[j] ?? NaN)) / (Math.abs(x) + 0.01 * Math.max(1, scale));
      if (!(ratio <= worst)) {
        worst = ratio;
        worstAt = j;
      }
    });
    expect(worst, `${label} ${a.name}[${worstAt}]: cpu ${a.values[worstAt]} wasm ${b[worstAt]}`).toBeLessThanOrEqual(1e-4);
    expect(a.values.every(Number.isFinite), `${label} ${a.name}: finite`).toBe(true);
  });
}

async function onBackend<T>(backend: string, run: () => T): Promise<T> {
  expect(await tf.setBackend(backend)).toBe(true);
  return run();
}

beforeAll(async () => {
  registerWasmKernelGaps();
  registerCpuKernelFixes();
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const layerDecls = allDecls().filter((d): d is LayerDecl => d.kind === 'layer');

describe('gradients of every catalogue layer agree between the wasm and cpu backends', () => {
  it('every layer type has a gradient case', () => {
    const missing = layerDecls.map((d) => d.type).filter((type) => !CASES[type]?.length);
    expect(missing, 'add a small valid configuration to CASES for these types').toEqual([]);
  });

  for (const decl of layerDecls) {
    const cases = CASES[decl.type] ?? [];
    cases.forEach((testCase, i) => {
      const id = `${decl.type}_${i}`;
      const gap = testCase.tfjsGap;
      if (gap) {
        it(`${decl.type} ${JSON.stringify(testCase.params)}: a tfjs gap on every backend (${gap.source}); forward passes agree`, async () => {
          for (const backend of ['cpu', 'wasm']) {
            await expect(onBackend(backend, () => outputsAndGradients(decl, testCase, id)), backend).rejects.toThrow(gap);
          }
          const cpu = await onBackend('cpu', () => outputsAndGradients(decl, testCase, id, 7, false));
          const wasm = await onBackend('wasm', () => outputsAndGradients(decl, testCase, id, 7, false));
          expectClose(cpu, wasm, decl.type);
        });
        return;
      }
      it(`${decl.type} ${JSON.stringify(testCase.params)}`, async () => {
        const cpu = await onBackend('cpu', () => outputsAndGradients(decl, testCase, id));
        const wasm = await onBackend('wasm', () => outputsAndGradients(decl, testCase, id));
        expectClose(cpu, wasm, decl.type);
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
  const outputOf = (type: string, seed: number) => {
    const decl = layerDecls.find((d) => d.type === type);
    const testCase = CASES[type]?.[0];
    if (!decl || !testCase) throw new Error(`no case for ${type}`);
    return Array.from(outputsAndGradients(decl, testCase, `noise_${type}_${seed}`, seed).arrays[0]?.values ?? []);
  };
  it.each(['Dropout', 'Sampling', 'TransformerEncoderBlock'])('%s: same seed, same output; another seed, another output', async (type) => {
    expect(await tf.setBackend('cpu')).toBe(true);
    expect(outputOf(type, 7)).toEqual(outputOf(type, 7));
    expect(outputOf(type, 7)).not.toEqual(outputOf(type, 8));
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
