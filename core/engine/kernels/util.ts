/**
 * Helpers for kernels written with public tfjs ops. Inside a kernel function, ops dispatch to the
 * active backend (the one the kernel is registered for) and are not recorded on the gradient tape.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Pair = [number, number];

/**
 * A kernel input as a Tensor. The engine passes Tensors; a bare TensorInfo gets a tracked view
 * that holds its own reference to the data (makeTensorFromTensorInfo does not take one), so
 * disposing the view at the end of the kernel's tidy leaves the caller's data alive.
 */
export function asTensor(info: tf.TensorInfo): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  const view = tf.engine().makeTensorFromTensorInfo(info);
  tf.engine().backend.incRef(info.dataId);
  return view;
}

export function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.Tensor {
  const info = inputs[name];
  if (!info) throw new Error(`${kernel}: missing input "${name}"`);
  return asTensor(info);
}

/** tfjs' `number | [h, w]` attributes as [h, w]. */
export function pairOf(value: number | readonly number[] | undefined, fallback = 1): Pair {
  if (value === undefined) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  const first = value[0] ?? fallback;
  return [first, value[1] ?? first];
}

/**
 * Pads (positive amounts) or crops (negative amounts) each axis: `amounts[i] = [before, after]`.
 * Transposed-convolution geometry needs both, depending on padding and strides.
 */
export function padOrCrop<T extends tf.Tensor>(x: T, amounts: readonly Pair[], fill = 0): T {
  const pads = amounts.map(([b, a]) => [Math.max(b, 0), Math.max(a, 0)] as Pair);
  const padded = pads.some(([b, a]) => b > 0 || a > 0) ? tf.pad(x, pads, fill) : x;
  if (amounts.every(([b, a]) => b >= 0 && a >= 0)) return padded as T;
  const begin = amounts.map(([b]) => Math.max(-b, 0));
  const size = amounts.map(([b, a], i) => (padded.shape[i] as number) - Math.max(-b, 0) - Math.max(-a, 0));
  return tf.slice(padded, begin, size) as T;
}

/**
 * Spreads the rows and columns of an NHWC tensor `strides` apart (zeros between them):
 * [n, h, w, c] -> [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]. The transpose of a strided read.
 */
export function spreadByStrides(x: tf.Tensor4D, [sh, sw]: Pair): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const holes = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const spread = tf.reshape(holes, [n, h * sh, w * sw, c]) as tf.Tensor4D;
  return tf.slice(spread, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/** NCHW -> NHWC, for kernels whose attributes allow either layout. */
export const toChannelsLast = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 2, 3, 1]);
