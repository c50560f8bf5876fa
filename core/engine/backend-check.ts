/**
 * Do two tfjs backends train every catalogue layer alike? For each node type of kind 'layer' (from
 * the registry), the small configurations its declaration lists (`backendExamples`) are built,
 * given identical weights and inputs on both backends, and their outputs and the gradients of sum(output · fixed random) w.r.t. every
 * trainable weight and every float input are compared. Pure: used by the Node tests (wasm vs cpu)
 * and by the engine worker (webgl/webgpu vs cpu, in the browser).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BackendExample, ExampleInput, LayerDecl, SymbolicTensor } from '../catalogue/decl';
import { paramsObjectSchema } from '../catalogue/params';
import { allDecls } from '../catalogue/registry';

const BATCH = 3;
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

function feedFor(spec: ExampleInput, seed: number): tf.Tensor {
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
export async function outputsAndGradients(decl: LayerDecl, testCase: BackendExample, caseId: string, noiseSeed = 7, differentiate = true): Promise<BackendResult> {
  const params = paramsObjectSchema(decl.params).parse(testCase.params);
  const problems = decl.validateParams?.(params) ?? [];
  if (problems.length > 0) throw new Error(`${caseId}: the case must be valid: ${JSON.stringify(problems)}`);
  const before = tf.memory().numTensors;

  const symbolic: Record<string, SymbolicTensor[]> = {};
  const modelInputs: SymbolicTensor[] = [];
  const specs: ExampleInput[] = [];
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
export async function compareCase(decl: LayerDecl, testCase: BackendExample, caseId: string, reference: string, candidate: string): Promise<BackendCheckResult> {
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

/** Every layer type of the catalogue whose declaration lists no backend example (a new type must list one). */
export function typesWithoutExamples(): string[] {
  return layerDecls().filter((d) => !d.backendExamples?.length).map((d) => d.type);
}

export const layerDecls = (): LayerDecl[] => allDecls().filter((d): d is LayerDecl => d.kind === 'layer');

/**
 * Every backend example of every catalogue layer type on `reference` and on `candidate` (switching
 * the active tfjs backend around each computation; the caller restores its backend). A type
 * without an example is reported as failing.
 */
export async function compareBackends(reference: string, candidate: string): Promise<BackendCheckResult[]> {
  const results: BackendCheckResult[] = typesWithoutExamples().map((type) => ({ type, caseName: '(none)', ok: false, worstRelative: Infinity, detail: 'its declaration lists no backendExamples' }));
  for (const decl of layerDecls()) {
    for (const [i, example] of (decl.backendExamples ?? []).entries()) results.push(await compareCase(decl, example, `${decl.type}_${i}`, reference, candidate));
  }
  return results;
}
