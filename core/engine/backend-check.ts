/**
 * Do two tfjs backends train every catalogue layer alike? For each node type of kind 'layer' (from
 * the registry), one or more small configurations are built, given identical weights and inputs on
 * both backends, and their outputs and the gradients of sum(output · fixed random) w.r.t. every
 * trainable weight and every float input are compared. Pure: used by the Node tests (wasm vs cpu)
 * and by the engine worker (webgl/webgpu vs cpu, in the browser).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ACTIVATIONS } from '../catalogue/activations';
import type { LayerDecl, SymbolicTensor } from '../catalogue/decl';
import { paramsObjectSchema } from '../catalogue/params';
import { allDecls } from '../catalogue/registry';

export interface InputSpec {
  /** One sample's shape (no batch axis). */
  shape: number[];
  /** int32 ids in [0, intMax) (Embedding), or a 0/1 padding mask (not differentiated). */
  kind?: 'float' | 'ids' | 'mask';
  intMax?: number;
}

export interface GradientCase {
  params: Record<string, unknown>;
  inputs: Record<string, InputSpec[]>;
  /**
   * A gap of tfjs 4.22 itself, the same on every backend: the case must fail with this error on
   * both (so the test notices when the layer is changed to avoid it, and the case can move).
   */
  tfjsGap?: RegExp;
  /** The output does not depend on the inputs' values (Noise): only the outputs are compared. */
  noGradient?: true;
}

const BATCH = 3;
const one = (shape: number[]): InputSpec[] => [{ shape }];

/**
 * One or two small valid configurations per node type, chosen to exercise the gradient paths that
 * differ: strides, 'same' padding, dilation, depth multipliers, masks, dropout, initial states.
 */
export const BACKEND_CHECK_CASES: Record<string, GradientCase[]> = {
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
  Dot: [
    { params: { axes: [2] }, inputs: { a: one([3, 4]), b: one([5, 4]) } },
    { params: { axes: [2, 1], normalize: true }, inputs: { a: one([3, 5]), b: one([5, 4]) } },
    { params: { axes: [-1], normalize: true }, inputs: { a: one([4]), b: one([4]) } },
  ],
  ReverseTime: [{ params: {}, inputs: { in: one([4, 3]) } }],
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
    { params: { filters: 2, kernelSize: [2, 2], strides: [2, 1], activation: 'tanh', timeDistributed: true }, inputs: { in: one([3, 5, 4, 2]) } },
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
  Noise: [
    { params: { size: 3, distribution: 'normal' }, inputs: { batch: one([2]) }, noGradient: true },
    { params: { size: 2, distribution: 'uniform' }, inputs: { batch: one([4, 3]) }, noGradient: true },
  ],
};

/** Deterministic uniform values in [0, 1) (a linear congruential generator). */
export function lcg(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function fixedValues(size: number, seed: number, low: number, high: number): number[] {
  const r = lcg(seed);
  return Array.from({ length: size }, () => low + (high - low) * r());
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function feedFor(spec: InputSpec, seed: number): tf.Tensor {
  const shape = [BATCH, ...spec.shape];
  const n = sizeOf(shape);
  if (spec.kind === 'ids') return tf.tensor(fixedValues(n, seed, 0, spec.intMax ?? 2).map(Math.floor), shape, 'int32');
  // A padding mask: the first position is always real, the rest are 0/1.
  if (spec.kind === 'mask') return tf.tensor(fixedValues(n, seed, 0, 1).map((v, i) => (i % (spec.shape[0] ?? 1) === 0 || v < 0.7 ? 1 : 0)), shape);
  return tf.tensor(fixedValues(n, seed, -1, 1), shape);
}

export interface BackendResult {
  /** Outputs, then gradients w.r.t. each trainable weight, then w.r.t. each float input. */
  arrays: { name: string; values: Float32Array }[];
}

/**
 * Builds the case on the active backend, gives it fixed weights and inputs, and returns its outputs
 * and gradients. Training mode, so dropout and batch statistics are on; their random draws come
 * from tfjs' unseeded generators, which seed themselves from Math.random: replacing Math.random
 * with a fixed sequence for the computation makes the noise identical on both backends.
 */
export async function outputsAndGradients(decl: LayerDecl, testCase: GradientCase, caseId: string, noiseSeed = 7, differentiate = true): Promise<BackendResult> {
  const params = paramsObjectSchema(decl.params).parse(testCase.params);
  const problems = decl.validateParams?.(params) ?? [];
  if (problems.length > 0) throw new Error(`${caseId}: the case must be valid: ${JSON.stringify(problems)}`);
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

    const realRandom = Math.random;
    Math.random = lcg(noiseSeed);
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
      const variables = differentiate && !testCase.noGradient ? [...weightVariables, ...inputVariables] : [];
      // Nothing to differentiate (e.g. OneHot of ids): the outputs are still compared.
      grads = variables.length > 0 ? tf.variableGrads(loss, variables) : { value: tf.tidy(loss), grads: {} };
    } catch (err) {
      tf.dispose([...outputs, ...feeds, ...inputVariables]);
      throw err;
    } finally {
      Math.random = realRandom;
    }
    // Read asynchronously: webgpu's synchronous read needs an OffscreenCanvas (none in Node) and
    // goes through a canvas texture, a path of its own, not the one training reads losses by.
    const read = async (t: tf.Tensor | undefined) => (t ? ((await t.data()) as Float32Array) : new Float32Array());
    try {
      for (const [i, o] of outputs.entries()) arrays.push({ name: `output ${ports[i]}`, values: await read(o) });
      if (differentiate && !testCase.noGradient) {
        for (const [i, v] of weightVariables.entries()) arrays.push({ name: `d/d ${model.trainableWeights[i]?.originalName}`, values: await read(grads.grads[v.name]) });
        for (const [i, v] of inputVariables.entries()) arrays.push({ name: `d/d input ${i}`, values: await read(grads.grads[v.name]) });
      }
    } finally {
      tf.dispose([grads.value, ...Object.values(grads.grads), ...outputs, ...feeds, ...inputVariables]);
    }
  } finally {
    model.dispose();
  }
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${caseId}: ${after - before} tensors leaked`);
  return { arrays };
}

/**
 * Tolerance: |candidate - reference| <= 1e-4 · (|reference| + 0.01 · max(1, max|reference array|)).
 * Relative 1e-4 for entries of ordinary size; an entry near zero is usually the result of
 * cancellation in a float32 sum, whose rounding error scales with the terms summed (here of order
 * 1 or the array's largest entry), not with the result: such entries get an absolute floor of
 * 1e-6 · max(1, largest entry). Example: MultiHeadAttention's key bias has an exactly zero gradient
 * (softmax ignores a constant shift of all scores); both backends return float32 noise of about
 * 1e-8 there.
 */
export const BACKEND_TOLERANCE = 1e-4;

export interface ArrayComparison {
  /** The largest |candidate - reference| / (|reference| + 0.01 · max(1, scale)) over all arrays; Infinity on a shape or name mismatch, NaN entries. */
  worstRelative: number;
  /** Where the worst entry is, and both values; or what does not match. */
  detail: string;
}

export function compareResults(reference: BackendResult, candidate: BackendResult, label: string): ArrayComparison {
  const names = reference.arrays.map((a) => a.name).join(', ');
  const candidateNames = candidate.arrays.map((a) => a.name).join(', ');
  if (names !== candidateNames) return { worstRelative: Infinity, detail: `${label}: arrays differ: [${names}] vs [${candidateNames}]` };
  let worstRelative = 0;
  let detail = `${label}: no arrays`;
  for (const [k, a] of reference.arrays.entries()) {
    const b = candidate.arrays[k]?.values ?? new Float32Array();
    if (b.length !== a.values.length) return { worstRelative: Infinity, detail: `${label} ${a.name}: length ${b.length}, expected ${a.values.length}` };
    if (!a.values.every(Number.isFinite)) return { worstRelative: Infinity, detail: `${label} ${a.name}: reference not finite` };
    const scale = a.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    a.values.forEach((x, j) => {
      const ratio = Math.abs(x - (b[j] ?? NaN)) / (Math.abs(x) + 0.01 * Math.max(1, scale));
      // `!(ratio <= worst)` also catches NaN.
      if (!(ratio <= worstRelative) || detail.endsWith('no arrays')) {
        if (!(ratio <= worstRelative)) worstRelative = Number.isNaN(ratio) ? Infinity : ratio;
        detail = `${label} ${a.name}[${j}]: reference ${x} candidate ${b[j]}`;
      }
    });
  }
  return { worstRelative, detail };
}

export interface BackendCheckResult {
  type: string;
  caseName: string;
  ok: boolean;
  worstRelative: number;
  detail?: string;
}

async function onBackend<T>(backend: string, run: () => Promise<T>): Promise<T> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} is not available`);
  return run();
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * One case on both backends. A case marked as a tfjs gap must throw that gap on both, and its
 * forward passes must agree.
 */
export async function compareCase(decl: LayerDecl, testCase: GradientCase, caseId: string, reference: string, candidate: string): Promise<BackendCheckResult> {
  const caseName = JSON.stringify(testCase.params);
  const result = (comparison: ArrayComparison, extra = ''): BackendCheckResult => ({
    type: decl.type,
    caseName,
    ok: comparison.worstRelative <= BACKEND_TOLERANCE,
    worstRelative: comparison.worstRelative,
    detail: extra + comparison.detail,
  });
  try {
    const gap = testCase.tfjsGap;
    if (gap) {
      for (const backend of [reference, candidate]) {
        let thrown = '';
        try {
          await onBackend(backend, () => outputsAndGradients(decl, testCase, caseId));
        } catch (err) {
          thrown = messageOf(err);
        }
        if (!gap.test(thrown)) return { type: decl.type, caseName, ok: false, worstRelative: Infinity, detail: `${backend}: expected the tfjs gap ${gap.source}, got ${thrown || 'no error'}` };
      }
      const a = await onBackend(reference, () => outputsAndGradients(decl, testCase, caseId, 7, false));
      const b = await onBackend(candidate, () => outputsAndGradients(decl, testCase, caseId, 7, false));
      return result(compareResults(a, b, decl.type), `tfjs gap ${gap.source}, forward only: `);
    }
    const a = await onBackend(reference, () => outputsAndGradients(decl, testCase, caseId));
    const b = await onBackend(candidate, () => outputsAndGradients(decl, testCase, caseId));
    return result(compareResults(a, b, decl.type));
  } catch (err) {
    return { type: decl.type, caseName, ok: false, worstRelative: Infinity, detail: messageOf(err) };
  }
}

/** Every layer type of the catalogue without a case (a new type must get one). */
export function typesWithoutCase(): string[] {
  return layerDecls().filter((d) => !BACKEND_CHECK_CASES[d.type]?.length).map((d) => d.type);
}

export const layerDecls = (): LayerDecl[] => allDecls().filter((d): d is LayerDecl => d.kind === 'layer');

/**
 * Every case of every catalogue layer type on `reference` and on `candidate` (switching the
 * active tfjs backend around each computation; the caller restores its backend). A type without
 * a case is reported as failing.
 */
export async function compareBackends(reference: string, candidate: string): Promise<BackendCheckResult[]> {
  const results: BackendCheckResult[] = typesWithoutCase().map((type) => ({ type, caseName: '(none)', ok: false, worstRelative: Infinity, detail: 'no case in BACKEND_CHECK_CASES' }));
  for (const decl of layerDecls()) {
    const cases = BACKEND_CHECK_CASES[decl.type] ?? [];
    for (const [i, testCase] of cases.entries()) results.push(await compareCase(decl, testCase, `${decl.type}_${i}`, reference, candidate));
  }
  return results;
}
