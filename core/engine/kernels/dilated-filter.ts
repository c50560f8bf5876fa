/**
 * Not a kernel: a differentiable way around tfjs 4.22's refusal to differentiate dilated
 * convolutions (its conv2D, fused conv2D and depthwise gradients assert dilation 1, on every
 * backend). A convolution with dilation d equals a convolution with dilation 1 whose filter has
 * d - 1 zeros between its taps; spreading the filter that way uses only pad, reshape and slice,
 * whose gradients every backend has. For the convolution layers to call when a dilation rate is
 * above 1 (cost: the zero taps are multiplied too, about d² times the work of the taps).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Spreads axis `axis` of `filter` (a leading spatial axis) `rate` apart, zeros between. */
function spreadAxis(filter: tf.Tensor, axis: number, rate: number): tf.Tensor {
  const length = filter.shape[axis] as number;
  if (rate === 1 || length === 1) return filter;
  const outer = filter.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = filter.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  // Folded to [outer, k, 1, inner] (rank 4 whatever the filter's rank: webgl's packed pad has no
  // rank-5 shader), zeros after each tap -> [outer, k·rate, inner] -> drop the trailing zeros.
  const withSlot = tf.reshape(filter, [outer, length, 1, inner]);
  const spread = tf.reshape(tf.pad(withSlot, [[0, 0], [0, 0], [0, rate - 1], [0, 0]]), [outer, length * rate, inner]);
  const spanned = (length - 1) * rate + 1;
  const trimmed = tf.slice(spread, [0, 0, 0], [outer, spanned, inner]);
  return tf.reshape(trimmed, [...filter.shape.slice(0, axis), spanned, ...filter.shape.slice(axis + 1)]);
}

/**
 * The filter of a dilated convolution as an ordinary one: [kh, kw, ..] with dilations [dh, dw]
 * -> [(kh - 1)·dh + 1, (kw - 1)·dw + 1, ..]; `conv2d(x, dilateFilter(w, d), strides, pad)` equals
 * `conv2d(x, w, strides, pad, 'NHWC', d)` and can be differentiated. Works for depthwise filters
 * [kh, kw, c, m] and, with one rate, for conv1d filters [k, cin, cout].
 */
export function dilateFilter<T extends tf.Tensor>(filter: T, dilations: number | readonly number[]): T {
  const rates = typeof dilations === 'number' ? [dilations] : [...dilations];
  return tf.tidy(() => rates.reduce<tf.Tensor>((f, rate, axis) => spreadAxis(f, axis, rate), filter)) as T;
}
