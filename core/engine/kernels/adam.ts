/**
 * Adam's update of one variable as one kernel on wasm and cpu. tfjs' AdamOptimizer composes it of
 * 14 elementwise kernels per variable (each a dispatch, an allocation and a full pass over the
 * variable); on the MLP example those were a quarter of a training step's kernel time. Here the
 * values are read where they live (the wasm heap, the cpu backend's typed arrays) and the update
 * is one pass over them (see adamUpdate for the arithmetic).
 * Other backends (webgl, webgpu) keep tfjs' ops: the kernel is registered for wasm and cpu only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdFor } from '../simd/index';

export const ADAM_UPDATE_KERNEL = 'NetwrightAdamUpdate';

/** Scalars of one update, as tfjs' AdamOptimizer.applyGradients uses them. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * New value, first and second moment of every element. `accBeta1` and `accBeta2` are beta1^t and
 * beta2^t (float32), read from the optimizer's variables. tfjs' formula, with its constants as
 * tfjs makes them (float32 scalars; 1 - beta in float64 first, 1 - beta^t by a float32 Sub):
 *   m' = m·beta1 + g·(1 - beta1),  v' = v·beta2 + g²·(1 - beta2)
 *   value' = value + (m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon) · -lr
 * computed in float64 with the divisions by the bias corrections folded into constants (one
 * division and one square root per element: rounding each intermediate to float32 as tfjs' ops do
 * cost twice the time). The moments are float32 as tfjs' (their arithmetic rounds once, in
 * float64); the update differs from tfjs' by float32 rounding (relative ~1e-7 of the step).
 */
function adamUpdate(
  a: AdamUpdateAttrs,
  accBeta1: number,
  accBeta2: number,
  value: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  outValue: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
): void {
  const f = Math.fround;
  const b1 = f(a.beta1);
  const b2 = f(a.beta2);
  const c1 = f(1 - a.beta1);
  const c2 = f(1 - a.beta2);
  const eps = f(a.epsilon);
  // -lr / (1 - beta1^t) and 1 / sqrt(1 - beta2^t).
  const stepScale = f(-a.learningRate) / f(1 - accBeta1);
  const rootScale = 1 / Math.sqrt(f(1 - accBeta2));
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i] as number;
    const mi = (m[i] as number) * b1 + gi * c1;
    const vi = (v[i] as number) * b2 + gi * gi * c2;
    outM[i] = mi;
    outV[i] = vi;
    // The moments as stored (float32), as tfjs' next ops read them.
    outValue[i] = (value[i] as number) + ((outM[i] as number) * stepScale) / (Math.sqrt(outV[i] as number) * rootScale + eps);
  }
}

function inputOf(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${ADAM_UPDATE_KERNEL}: missing input "${name}"`);
  if (t.dtype !== 'float32') throw new Error(`${ADAM_UPDATE_KERNEL}: input "${name}" is ${t.dtype}, not float32`);
  return t;
}

function checkSizes(inputs: tf.NamedTensorInfoMap): number {
  const size = tf.util.sizeFromShape(inputOf(inputs, 'value').shape);
  for (const name of ['m', 'v', 'gradient']) {
    const other = tf.util.sizeFromShape(inputOf(inputs, name).shape);
    if (other !== size) throw new Error(`${ADAM_UPDATE_KERNEL}: "${name}" has ${other} values, the variable ${size}`);
  }
  return size;
}

const wasmAdamUpdate: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const heap = backend as unknown as HeapBackend;
  const size = checkSizes(inputs);
  const shape = inputOf(inputs, 'value').shape;
  // Allocate first: growing the heap detaches earlier views.
  const outs = [heap.makeOutput(shape, 'float32'), heap.makeOutput(shape, 'float32'), heap.makeOutput(shape, 'float32')];
  const view = (name: string) => heap.typedArrayFromHeap(inputOf(inputs, name)) as Float32Array;
  const simd = simdFor(backend);
  if (simd) {
    // Netwright's SIMD module (simd/kernels.c): tfjs' float32 ops in tfjs' order, 4 lanes at a time.
    const a = attrs as unknown as AdamUpdateAttrs;
    const at = (info: tf.TensorInfo) => heapOffset(backend, info);
    const f = Math.fround;
    simd.adam_f32(
      at(inputOf(inputs, 'value')),
      at(inputOf(inputs, 'm')),
      at(inputOf(inputs, 'v')),
      at(inputOf(inputs, 'gradient')),
      at(outs[0] as tf.TensorInfo),
      at(outs[1] as tf.TensorInfo),
      at(outs[2] as tf.TensorInfo),
      size,
      f(a.beta1),
      f(a.beta2),
      f(1 - a.beta1),
      f(1 - a.beta2),
      f(1 - (view('accBeta1')[0] as number)),
      f(1 - (view('accBeta2')[0] as number)),
      f(a.epsilon),
      f(-a.learningRate),
    );
    return outs;
  }
  const [newValue, newM, newV] = outs.map((o) => heap.typedArrayFromHeap(o) as Float32Array) as [Float32Array, Float32Array, Float32Array];
  adamUpdate(
    attrs as unknown as AdamUpdateAttrs,
    view('accBeta1')[0] as number,
    view('accBeta2')[0] as number,
    view('value'),
    view('m'),
    view('v'),
    view('gradient'),
    newValue,
    newM,
    newV,
  );
  return outs;
};

const cpuAdamUpdate: tf.KernelFunc = ({ inputs, attrs, backend: b }) => {
  const backend = b as tf.KernelBackend;
  const size = checkSizes(inputs);
  const shape = inputOf(inputs, 'value').shape;
  const read = (name: string) => backend.readSync(inputOf(inputs, name).dataId) as Float32Array;
  const outs = [new Float32Array(size), new Float32Array(size), new Float32Array(size)] as const;
  adamUpdate(attrs as unknown as AdamUpdateAttrs, read('accBeta1')[0] as number, read('accBeta2')[0] as number, read('value'), read('m'), read('v'), read('gradient'), ...outs);
  return outs.map((values) => ({ dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' as const }));
};

/** Registers the kernel for wasm and cpu (idempotent). */
export function registerAdamUpdateKernels(): void {
  for (const [backendName, kernelFunc] of [
    ['wasm', wasmAdamUpdate],
    ['cpu', cpuAdamUpdate],
  ] as const) {
    if (tf.getKernel(ADAM_UPDATE_KERNEL, backendName) === undefined) tf.registerKernel({ kernelName: ADAM_UPDATE_KERNEL, backendName, kernelFunc });
  }
}

/** Whether the active backend has the fused update. */
export function hasAdamUpdateKernel(): boolean {
  return tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * [new value, new m, new v] of one variable. `accBeta1`/`accBeta2` are the optimizer's scalar
 * variables beta^t. Not differentiable.
 */
export function adamUpdateOp(
  value: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  gradient: tf.Tensor,
  accBeta1: tf.Tensor,
  accBeta2: tf.Tensor,
  attrs: AdamUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const out = tf.engine().runKernel(ADAM_UPDATE_KERNEL, { value, m, v, gradient, accBeta1, accBeta2 }, attrs as unknown as tf.NamedAttrMap);
  return out as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

registerAdamUpdateKernels();
