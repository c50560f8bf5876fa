/**
 * Kernels that compute in JavaScript directly on the wasm backend's memory, for work that is
 * all indexing and no arithmetic (where a composition of tensor ops pays one dispatch and one
 * full pass per op). The backend's public methods are used: makeOutput allocates in the wasm
 * heap, typedArrayFromHeap views a tensor's bytes there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pairOf } from './util';
import { heapOffset } from '../simd/index';
import { convSimdFor } from '../simd/conv-kernels';

type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The part of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
}

function heapBackend(backend: unknown, kernel: string): WasmHeapBackend {
  const b = backend as Partial<WasmHeapBackend>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new Error(`${kernel}: this kernel runs on the wasm backend only`);
  }
  return b as WasmHeapBackend;
}

function info(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${kernel}: missing input "${name}"`);
  return t;
}

/**
 * MaxPool (input x; attrs filterSize, strides, pad, dimRoundingMode) in Netwright's SIMD module
 * (simd/conv.c) where it is loaded, else `stock` (tfjs' XNNPACK kernel). The module follows the
 * cpu backend's rule, whose first maximum MaxPoolGrad routes the gradient to: NaN never wins
 * (XNNPACK's max lets it through). [64, 28, 28, 6] 2x2: 0.14 vs 0.26 ms (scripts/bench-fused-conv.ts,
 * CPU time, load 18).
 */
export function maxPoolOnHeap(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = info(args.inputs, 'x', 'MaxPool');
    const simd = convSimdFor(args.backend);
    if (!simd || x.dtype !== 'float32' || x.shape.length !== 4) return stock(args);
    const a = args.attrs as unknown as tf.MaxPoolAttrs;
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const pool = tf.backend_util.computePool2DInfo([n, h, w, c], pairOf(a.filterSize), pairOf(a.strides), 1, a.pad, a.dimRoundingMode);
    const wasm = heapBackend(args.backend, 'MaxPool');
    const out = wasm.makeOutput([n, pool.outHeight, pool.outWidth, c], 'float32');
    const at = (t: tf.TensorInfo) => heapOffset(args.backend, t);
    simd.maxpool_forward(at(x), at(out), n, h, w, c, pool.outHeight, pool.outWidth, pool.filterHeight, pool.filterWidth, pool.strideHeight, pool.strideWidth, pool.padInfo.top, pool.padInfo.left);
    return out;
  };
}

/**
 * MaxPoolGrad (inputs dy, input, output; attrs filterSize, strides, pad, dimRoundingMode): each
 * output's gradient goes to the first maximum of its window in row-major window order, the cpu
 * backend's rule (which also decides ties such as windows of ReLU zeros). Padding never wins; a
 * window with no value above -Infinity (all -Infinity or NaN) sends its gradient to its first
 * in-bounds position. Replaces tfjs 4.22's wasm kernel, which drops the gradient of every
 * all-negative window.
 */
export const maxPoolGradOnHeap: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const kernel = 'MaxPoolGrad';
  const wasm = heapBackend(backend, kernel);
  const a = attrs as unknown as tf.MaxPoolGradAttrs;
  const dy = info(inputs, 'dy', kernel);
  const x = info(inputs, 'input', kernel);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const pool = tf.backend_util.computePool2DInfo([n, h, w, c], pairOf(a.filterSize), pairOf(a.strides), 1, a.pad, a.dimRoundingMode);
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = pool;
  const { top, left } = pool.padInfo;
  // Allocate first: growing the heap detaches earlier views.
  const out = wasm.makeOutput([n, h, w, c], 'float32');
  const simd = convSimdFor(backend);
  if (simd) {
    // The same rule in Netwright's SIMD module (simd/conv.c).
    simd.maxpool_grad(heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out), n, h, w, c, oh, ow, fh, fw, sh, sw, top, left);
    return out;
  }
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  const xs = wasm.typedArrayFromHeap(x);
  const dys = wasm.typedArrayFromHeap(dy);
  dx.fill(0);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const r0 = r * sh - top;
      const rFrom = Math.max(r0, 0);
      const rTo = Math.min(r0 + fh, h);
      for (let q = 0; q < ow; q++) {
        const q0 = q * sw - left;
        const qFrom = Math.max(q0, 0);
        const qTo = Math.min(q0 + fw, w);
        if (rFrom >= rTo || qFrom >= qTo) continue;
        const dyBase = ((b * oh + r) * ow + q) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = ((b * h + rFrom) * w + qFrom) * c + ch;
          for (let i = rFrom; i < rTo; i++) {
            for (let j = qFrom; j < qTo; j++) {
              const index = ((b * h + i) * w + j) * c + ch;
              const v = xs[index] as number;
              if (v > best) {
                best = v;
                at = index;
              }
            }
          }
          dx[at] = (dx[at] as number) + (dys[dyBase + ch] as number);
        }
      }
    }
  }
  return out;
};

/** The part of BackendWasm that shares a buffer between tensors (its reference count). */
interface WasmRefCountBackend {
  incRef(dataId: tf.DataId): void;
}

/**
 * Identity (tf.clone, and the gradient of every op that passes its input through) without a copy:
 * the output shares the input's buffer and takes a reference on it, as the cpu backend's Identity
 * and wasm's own Reshape do. Safe because no tfjs kernel writes into its inputs: a variable's
 * update replaces its buffer (assign), so a clone taken before the update keeps the old values.
 * tfjs 4.22's wasm Identity allocates and copies, which the trainer paid for every weight every
 * step (the copy it keeps to undo a non-finite update).
 */
export const identitySharingBuffer: tf.KernelFunc = ({ inputs, backend }) => {
  const x = info(inputs, 'x', 'Identity');
  (backend as unknown as WasmRefCountBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * A product where one of m, k, n is 1 (a matrix times a vector, or an outer product), computed in
 * JavaScript on the heap: XNNPACK packs the whole right operand for each new buffer, which for
 * the additive attention's hidden [22528, 64] times its score vector (and the two gradients) cost
 * more than the arithmetic. Sums accumulate in float64. Returns null when no dimension is 1.
 * `a` is [..., ar, ac] and `b` [..., br, bc] with every leading dimension 1.
 */
export function vectorProductOnHeap(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  outShape: number[],
  backend: unknown,
): tf.TensorInfo | null {
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  if (m !== 1 && k !== 1 && n !== 1) return null;
  const wasm = heapBackend(backend, 'BatchMatMul');
  const out = wasm.makeOutput(outShape, 'float32');
  const result = wasm.typedArrayFromHeap(out) as Float32Array;
  const as = wasm.typedArrayFromHeap(a) as Float32Array;
  const bs = wasm.typedArrayFromHeap(b) as Float32Array;
  if (k === 1) {
    // Outer product: both operands are contiguous vectors whatever their transposition.
    for (let i = 0; i < m; i++) {
      const ai = as[i]!;
      for (let j = 0, o = i * n; j < n; j++) result[o + j] = ai * bs[j]!;
    }
  } else if (n === 1) {
    // op(a)·b with b a vector of length k: dots of a's rows, or a's columns accumulated.
    if (!transposeA) {
      for (let i = 0; i < m; i++) {
        let sum = 0;
        for (let q = 0, base = i * k; q < k; q++) sum += as[base + q]! * bs[q]!;
        result[i] = sum;
      }
    } else {
      const sums = new Float64Array(m);
      for (let q = 0; q < k; q++) {
        const bq = bs[q]!;
        for (let i = 0, base = q * m; i < m; i++) sums[i]! += as[base + i]! * bq;
      }
      result.set(sums);
    }
  } else if (transposeB) {
    // a (a vector of length k) times bᵀ, b stored [n, k]: dots of b's rows.
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let q = 0, base = j * k; q < k; q++) sum += as[q]! * bs[base + q]!;
      result[j] = sum;
    }
  } else {
    const sums = new Float64Array(n);
    for (let q = 0; q < k; q++) {
      const aq = as[q]!;
      for (let j = 0, base = q * n; j < n; j++) sums[j]! += aq * bs[base + j]!;
    }
    result.set(sums);
  }
  return out;
}
