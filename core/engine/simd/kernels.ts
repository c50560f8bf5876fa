/**
 * tfjs kernels (wasm backend only) over Netwright's SIMD module (kernels.c). Each allocates its
 * outputs and scratch in tfjs' heap (BackendWasm.makeOutput) and passes the offsets to the module;
 * scratch is freed before returning. The ops that dispatch them (additive-scores.ts,
 * fused-recurrence.ts) check `simdReady()` first; the kernels refuse to run without the module.
 *
 * Kernel names, inputs -> outputs:
 *  - NetwrightAdditiveScores {queries [B, Tq, U], keys [B, Tv, U], v [U]} -> [scores [B, Tq, Tv], tanh values [B, Tq, Tv, U]]
 *  - NetwrightAdditiveScoresGrad {dy, hidden, v} -> [dqueries, dkeys, dv]
 *  - NetwrightLstmSequence {x [B, T, F], kernel [F, 4U], recurrentKernel [U, 4U], bias?, h0?, c0?, keep? (int32 [B·T])}
 *    attrs {goBackwards} -> [packed [B, T + 1, U], gates, cellOut, prevC, prevH]
 *  - NetwrightLstmSequenceGrad {dy [B, T + 1, U], x, kernel, recurrentKernel, gates, cellOut, prevC, prevH, keep?}
 *    attrs {goBackwards, hasBias} -> [dx, dKernel, dRecurrentKernel, (dBias), dh0, dc0]
 * U must be a multiple of 4: the module works in whole 128-bit vectors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_SIMD_KERNELS } from './conv-kernels';
import { CROSSENTROPY_SIMD_KERNELS, registerCrossentropyGradient } from './crossentropy-kernels';
import { DENSE_SIMD_KERNELS, registerDenseGradient } from './dense-kernels';
import { heapOffset, simdFor, type SimdExports } from './index';

export const ADDITIVE_SCORES = 'NetwrightAdditiveScores';
export const ADDITIVE_SCORES_GRAD = 'NetwrightAdditiveScoresGrad';
export const LSTM_SEQUENCE = 'NetwrightLstmSequence';
export const LSTM_SEQUENCE_GRAD = 'NetwrightLstmSequenceGrad';

/** The part of BackendWasm the kernels use. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** true when the active backend is wasm and the SIMD module runs on it. */
export function simdReady(): boolean {
  return tf.getBackend() === 'wasm' && simdFor(tf.backend()) !== null;
}

interface Call {
  simd: SimdExports;
  backend: HeapBackend;
  /** Offset of an input (0 when absent and `optional`). */
  at(name: string, optional?: boolean): number;
  input(name: string): tf.TensorInfo;
  output(shape: number[]): tf.TensorInfo;
  /** A float32 scratch buffer, freed by `done`. */
  scratch(size: number): number;
  done(): void;
}

function call(kernel: string, inputs: tf.NamedTensorInfoMap, backend: unknown): Call {
  const simd = simdFor(backend);
  if (!simd) throw new Error(`${kernel}: Netwright's SIMD module is not loaded on this backend (wasm only; see simdStatus())`);
  const heap = backend as HeapBackend;
  const scratch: tf.TensorInfo[] = [];
  const input = (name: string): tf.TensorInfo => {
    const t = inputs[name];
    if (!t) throw new Error(`${kernel}: missing input "${name}"`);
    return t;
  };
  return {
    simd,
    backend: heap,
    input,
    at: (name, optional = false) => {
      const t = inputs[name];
      if (!t && optional) return 0;
      return heapOffset(backend, input(name));
    },
    output: (shape) => heap.makeOutput(shape, 'float32'),
    scratch: (size) => {
      const t = heap.makeOutput([Math.max(size, 4)], 'float32');
      scratch.push(t);
      return heapOffset(backend, t);
    },
    done: () => scratch.forEach((t) => heap.disposeData(t.dataId, true)),
  };
}

function unitsOf(kernel: string, units: number): number {
  if (units % 4 !== 0) throw new Error(`${kernel}: units must be a multiple of 4 (whole SIMD vectors), got ${units}`);
  return units;
}

const additiveScores: tf.KernelFunc = ({ inputs, backend }) => {
  const c = call(ADDITIVE_SCORES, inputs, backend);
  const q = c.input('queries');
  const [batch, tq, units] = q.shape as [number, number, number];
  const tv = c.input('keys').shape[1] as number;
  unitsOf(ADDITIVE_SCORES, units);
  const scores = c.output([batch, tq, tv]);
  const hidden = c.output([batch, tq, tv, units]);
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  c.simd.additive_scores_forward(c.at('queries'), c.at('keys'), c.at('v'), at(scores), at(hidden), batch, tq, tv, units);
  c.done();
  return [scores, hidden];
};

const additiveScoresGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const c = call(ADDITIVE_SCORES_GRAD, inputs, backend);
  const [batch, tq, tv, units] = c.input('hidden').shape as [number, number, number, number];
  unitsOf(ADDITIVE_SCORES_GRAD, units);
  const dq = c.output([batch, tq, units]);
  const dk = c.output([batch, tv, units]);
  const dv = c.output([units]);
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  // dvPart (units floats), then units doubles (16-byte aligned: units is a multiple of 4).
  const scratch = c.scratch(3 * units);
  c.simd.additive_scores_backward(c.at('dy'), c.at('hidden'), c.at('v'), at(dq), at(dk), at(dv), scratch, scratch + 4 * units, batch, tq, tv, units);
  c.done();
  return [dq, dk, dv];
};

const lstmSequence: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = call(LSTM_SEQUENCE, inputs, backend);
  const units = unitsOf(LSTM_SEQUENCE, c.input('recurrentKernel').shape[0] as number);
  const [batch, time, features] = c.input('x').shape as [number, number, number];
  const rows = batch * time;
  const goBackwards = (attrs as { goBackwards?: boolean }).goBackwards ? 1 : 0;
  const out = c.output([batch, time + 1, units]);
  const gates = c.output([rows, 4 * units]);
  const cellOut = c.output([rows, units]);
  const prevC = c.output([rows, units]);
  const prevH = c.output([rows, units]);
  const z = c.scratch(batch * 6 * units);
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  c.simd.lstm_forward(
    c.at('x'),
    c.at('kernel'),
    c.at('bias', true),
    c.at('recurrentKernel'),
    c.at('h0', true),
    c.at('c0', true),
    c.at('keep', true),
    at(out),
    at(gates),
    at(cellOut),
    at(prevC),
    at(prevH),
    z,
    z + 4 * batch * 4 * units,
    z + 4 * batch * 5 * units,
    batch,
    time,
    features,
    units,
    goBackwards,
  );
  c.done();
  return [out, gates, cellOut, prevC, prevH];
};

const lstmSequenceGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = call(LSTM_SEQUENCE_GRAD, inputs, backend);
  const [batch, timePlusOne, units] = c.input('dy').shape as [number, number, number];
  unitsOf(LSTM_SEQUENCE_GRAD, units);
  const time = timePlusOne - 1;
  const features = c.input('x').shape[2] as number;
  const rows = batch * time;
  const width = 4 * units;
  const { goBackwards, hasBias } = attrs as { goBackwards?: boolean; hasBias?: boolean };
  const dx = c.output([batch, time, features]);
  const dKernel = c.output([features, width]);
  const dRecurrent = c.output([units, width]);
  const dBias = hasBias ? c.output([width]) : null;
  const dh = c.output([batch, units]);
  const dc = c.output([batch, units]);
  // dPre, recurrentᵀ, kernelᵀ, dhNext, pass, then width doubles (16-byte aligned: width is a multiple of 16).
  const sizes = [rows * width, width * units, width * features, batch * units, batch * units];
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += Math.ceil(size / 4) * 4;
  }
  const scratch = c.scratch(total + 2 * width);
  const [dPre, recurrentT, kernelT, dhNext, pass] = offsets.map((o) => scratch + 4 * o) as [number, number, number, number, number];
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  c.simd.lstm_backward(
    c.at('dy'),
    c.at('x'),
    c.at('kernel'),
    c.at('recurrentKernel'),
    c.at('keep', true),
    c.at('gates'),
    c.at('cellOut'),
    c.at('prevC'),
    c.at('prevH'),
    at(dx),
    at(dKernel),
    at(dRecurrent),
    dBias ? at(dBias) : 0,
    at(dh),
    at(dc),
    dPre,
    recurrentT,
    kernelT,
    dhNext,
    pass,
    scratch + 4 * total,
    batch,
    time,
    features,
    units,
    goBackwards ? 1 : 0,
  );
  c.done();
  return dBias ? [dx, dKernel, dRecurrent, dBias, dh, dc] : [dx, dKernel, dRecurrent, dh, dc];
};

export const SIMD_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  [ADDITIVE_SCORES, additiveScores],
  [ADDITIVE_SCORES_GRAD, additiveScoresGrad],
  [LSTM_SEQUENCE, lstmSequence],
  [LSTM_SEQUENCE_GRAD, lstmSequenceGrad],
]);

/** Registers the kernels above, conv-kernels.ts', dense-kernels.ts' and crossentropy-kernels.ts' for wasm (idempotent). They run only once the module is compiled. */
export function registerSimdKernels(): void {
  for (const [kernelName, kernelFunc] of [...SIMD_KERNELS, ...CONV_SIMD_KERNELS, ...DENSE_SIMD_KERNELS, ...CROSSENTROPY_SIMD_KERNELS]) {
    if (tf.getKernel(kernelName, 'wasm')?.kernelFunc === kernelFunc) continue;
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  registerDenseGradient();
  registerCrossentropyGradient();
}
