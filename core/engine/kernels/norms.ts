/**
 * Euclidean norms of many tensors in one kernel, for the trainer's per-step statistics
 * (gradient norms every step; weight and update norms on statistics steps). Composed of ops, a
 * norm costs three dispatches per tensor (square, sum, sqrt) and a stack: on the MLP example that
 * was a sixth of a training step's kernels. On wasm and cpu, where a tensor's values sit in
 * JavaScript-reachable memory, NetwrightL2Norms reads them in place and sums in float64; on other
 * backends (webgl, webgpu) the ops run as before.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdFor } from '../simd/index';

export const L2_NORMS_KERNEL = 'NetwrightL2Norms';

interface L2NormsAttrs {
  /** Number of tensors x0..x(count-1). */
  count: number;
  /** When true, inputs y0..y(count-1) too, and the norms are ||xi - yi||. */
  difference: boolean;
}

type Values = ArrayLike<number>;

const FLOAT32_MAX = 3.4028234663852886e38;

/** The backend methods used to reach a tensor's values without a copy. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

// Four running sums: one float64 sum is a chain of dependent adds (latency-bound); four
// independent ones let them overlap, about twice as fast on a 100k-weight layer.
function sumOfSquares(x: Values): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = x.length - (x.length % 4);
  let k = 0;
  for (; k < end4; k += 4) {
    const a = x[k] as number;
    const b = x[k + 1] as number;
    const c = x[k + 2] as number;
    const d = x[k + 3] as number;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; k < x.length; k++) s0 += (x[k] as number) * (x[k] as number);
  return s0 + s1 + s2 + s3;
}

function sumOfSquaredDifferences(x: Values, y: Values): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = x.length - (x.length % 4);
  let k = 0;
  for (; k < end4; k += 4) {
    const a = (x[k] as number) - (y[k] as number);
    const b = (x[k + 1] as number) - (y[k + 1] as number);
    const c = (x[k + 2] as number) - (y[k + 2] as number);
    const d = (x[k + 3] as number) - (y[k + 3] as number);
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; k < x.length; k++) {
    const a = (x[k] as number) - (y[k] as number);
    s0 += a * a;
  }
  return s0 + s1 + s2 + s3;
}

function normsOf(attrs: L2NormsAttrs, read: (name: string) => Values): Float32Array {
  const out = new Float32Array(attrs.count);
  for (let i = 0; i < attrs.count; i++) {
    const x = read(`x${i}`);
    let sum: number;
    if (attrs.difference) {
      const y = read(`y${i}`);
      if (y.length !== x.length) throw new Error(`${L2_NORMS_KERNEL}: x${i} has ${x.length} values, y${i} ${y.length}`);
      sum = sumOfSquaredDifferences(x, y);
    } else {
      sum = sumOfSquares(x);
    }
    // As the float32 ops: a sum of squares beyond float32's range is Infinity (the trainer's
    // non-finite guard relies on it for weights that blew up without overflowing).
    out[i] = sum > FLOAT32_MAX ? Infinity : Math.sqrt(sum);
  }
  return out;
}

function inputOf(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${L2_NORMS_KERNEL}: missing input "${name}"`);
  return t;
}

const wasmL2Norms: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const heap = backend as unknown as HeapBackend;
  const a = attrs as unknown as L2NormsAttrs;
  const out = heap.makeOutput([a.count], 'float32');
  const simd = simdFor(backend);
  if (simd) {
    // The same sums in Netwright's SIMD module, in place on tfjs' heap (3-5x the JavaScript loop).
    const norms = new Float32Array(a.count);
    for (let i = 0; i < a.count; i++) {
      const x = inputOf(inputs, `x${i}`);
      const size = x.shape.reduce((p, d) => p * d, 1);
      const y = a.difference ? inputOf(inputs, `y${i}`) : null;
      const ySize = y ? y.shape.reduce((p, d) => p * d, 1) : size;
      if (ySize !== size) throw new Error(`${L2_NORMS_KERNEL}: x${i} has ${size} values, y${i} ${ySize}`);
      const sum = simd.sum_squares_f64(heapOffset(backend, x), y ? heapOffset(backend, y) : 0, size);
      norms[i] = sum > FLOAT32_MAX ? Infinity : Math.sqrt(sum);
    }
    (heap.typedArrayFromHeap(out) as Float32Array).set(norms);
    return out;
  }
  // Views after the allocation (growing the heap detaches earlier ones).
  const norms = normsOf(a, (name) => heap.typedArrayFromHeap(inputOf(inputs, name)));
  (heap.typedArrayFromHeap(out) as Float32Array).set(norms);
  return out;
};

const cpuL2Norms: tf.KernelFunc = ({ inputs, attrs, backend: b }) => {
  const backend = b as tf.KernelBackend;
  const a = attrs as unknown as L2NormsAttrs;
  const norms = normsOf(a, (name) => backend.readSync(inputOf(inputs, name).dataId) as Values);
  const dataId = backend.write(norms, [a.count], 'float32');
  return { dataId, shape: [a.count], dtype: 'float32' };
};

/** Registers NetwrightL2Norms for wasm and cpu (idempotent). */
export function registerL2NormsKernels(): void {
  for (const [backendName, kernelFunc] of [
    ['wasm', wasmL2Norms],
    ['cpu', cpuL2Norms],
  ] as const) {
    if (tf.getKernel(L2_NORMS_KERNEL, backendName) === undefined) tf.registerKernel({ kernelName: L2_NORMS_KERNEL, backendName, kernelFunc });
  }
}

/**
 * [||x0||, ||x1||, ...] (or ||xi - yi|| with `minus`) as one float32 tensor. Not differentiable
 * (statistics only). Tensors must be float32 (weights and gradients are).
 */
export function l2Norms(xs: readonly tf.Tensor[], minus?: readonly tf.Tensor[]): tf.Tensor1D {
  if (minus && minus.length !== xs.length) throw new Error(`l2Norms: ${xs.length} tensors but ${minus.length} to subtract`);
  if (xs.length === 0) return tf.zeros([0]);
  const direct = tf.getKernel(L2_NORMS_KERNEL, tf.getBackend()) !== undefined && xs.every((x) => x.dtype === 'float32');
  if (!direct) {
    return tf.tidy(() =>
      tf.sqrt(tf.stack(xs.map((x, i) => tf.sum(tf.square(minus ? tf.sub(x, minus[i] as tf.Tensor) : x))))),
    ) as tf.Tensor1D;
  }
  const inputs: tf.NamedTensorMap = {};
  xs.forEach((x, i) => (inputs[`x${i}`] = x));
  minus?.forEach((y, i) => (inputs[`y${i}`] = y));
  const attrs: L2NormsAttrs = { count: xs.length, difference: minus !== undefined };
  return tf.engine().runKernel(L2_NORMS_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor1D;
}

registerL2NormsKernels();
