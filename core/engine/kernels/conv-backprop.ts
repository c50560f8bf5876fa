/**
 * Convolution gradients the wasm backend lacks, written as forward convolutions (which it has, on
 * XNNPACK). For a forward convolution out[o] = Σ_k x[o·s + k·d - padBefore] · w[k] (per axis):
 *  - the filter gradient dW[k] = Σ_o x[o·s + k·d - padBefore] · dy[o] is itself a correlation of
 *    the padded input with dy, in which k steps by d (stride d) and o by s (dilation s);
 *  - the input gradient is a correlation of dy, spread s apart, with the flipped filter.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, padOrCrop, pairOf, spreadByStrides, toChannelsLast, type Pair } from './util';

type PadAttr = tf.Conv2DBackpropFilterAttrs['pad'];
type Rounding = tf.Conv2DBackpropFilterAttrs['dimRoundingMode'];

interface Geometry {
  kernel: Pair;
  strides: Pair;
  dilations: Pair;
  /** Implicit zero padding of the forward pass: [top, bottom], [left, right]. */
  padH: Pair;
  padW: Pair;
}

function geometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  stridesAttr: number | readonly number[],
  dilationsAttr: number | readonly number[],
  pad: PadAttr,
  rounding: Rounding,
  depthwise: boolean,
): Geometry {
  const strides = pairOf(stridesAttr);
  const dilations = pairOf(dilationsAttr);
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, rounding, depthwise);
  const p = info.padInfo;
  return { kernel: [filterShape[0], filterShape[1]], strides, dilations, padH: [p.top, p.bottom], padW: [p.left, p.right] };
}

/**
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} xPadded[n, oh·sh + kh·dh, ow·sw + kw·dw, ci] · dy[n, oh, ow, co]:
 * channels of x become the batch, the batch becomes the channels, dy becomes the filter.
 */
function conv2dFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, g: Geometry): tf.Tensor4D {
  const xPadded = padOrCrop(x, [[0, 0], g.padH, g.padW, [0, 0]]);
  const xAsBatch = tf.transpose(xPadded, [3, 1, 2, 0]); // [Cin, Hp, Wp, N]
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Cout]
  const full = tf.conv2d(xAsBatch, dyAsFilter, g.dilations, 'valid', 'NHWC', g.strides); // [Cin, >=KH, >=KW, Cout]
  const [kh, kw] = g.kernel;
  const cropped = tf.slice(full, [0, 0, 0, 0], [full.shape[0], kh, kw, full.shape[3]]);
  return tf.transpose(cropped, [1, 2, 0, 3]);
}

/** Conv2DBackpropFilter: inputs x, dy; attrs strides, pad, dataFormat, dimRoundingMode, filterShape. */
export const conv2dBackpropFilter: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    let x = input(inputs, 'x', 'Conv2DBackpropFilter') as tf.Tensor4D;
    let dy = input(inputs, 'dy', 'Conv2DBackpropFilter') as tf.Tensor4D;
    let pad = a.pad;
    if (a.dataFormat === 'NCHW') {
      x = toChannelsLast(x);
      dy = toChannelsLast(dy);
      // Explicit paddings come in the layout's axis order.
      if (Array.isArray(pad)) pad = [pad[0], pad[2], pad[3], pad[1]] as typeof pad;
    }
    const g = geometry(x.shape, a.filterShape, a.strides, 1, pad, a.dimRoundingMode, false);
    return conv2dFilterGradient(x, dy, g);
  });

/**
 * DepthwiseConv2dNativeBackpropFilter: dW[kh, kw, c, m] = Σ_{n, oh, ow} xPadded[n, .., .., c] ·
 * dy[n, oh, ow, c·M + m]. One depthwise convolution over a single "image" whose channels are the
 * (channel, sample) pairs, with dy as the per-pair filter; the samples are summed afterwards.
 */
export const depthwiseConv2dNativeBackpropFilter: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const x = input(inputs, 'x', 'DepthwiseConv2dNativeBackpropFilter') as tf.Tensor4D;
    const dy = input(inputs, 'dy', 'DepthwiseConv2dNativeBackpropFilter') as tf.Tensor4D;
    const g = geometry(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
    const [n, , , c] = x.shape;
    const [, oh, ow] = dy.shape;
    const m = a.filterShape[3];
    const xPadded = padOrCrop(x, [[0, 0], g.padH, g.padW, [0, 0]]);
    const [, hp, wp] = xPadded.shape;
    const image = tf.reshape(tf.transpose(xPadded, [1, 2, 3, 0]), [1, hp, wp, c * n]) as tf.Tensor4D; // channel c·N + n
    const perPairFilter = tf.reshape(tf.transpose(tf.reshape(dy, [n, oh, ow, c, m]), [1, 2, 3, 0, 4]), [oh, ow, c * n, m]) as tf.Tensor4D;
    const full = tf.depthwiseConv2d(image, perPairFilter, g.dilations, 'valid', 'NHWC', g.strides); // [1, >=KH, >=KW, C·N·M]
    const [kh, kw] = g.kernel;
    const [, fh, fw] = full.shape;
    const summed = tf.sum(tf.reshape(full, [fh, fw, c, n, m]), 3);
    return tf.slice(summed, [0, 0, 0, 0], [kh, kw, c, m]);
  });

/**
 * The input gradient of a convolution (dilation 1): dx = correlation of dy, spread by the strides
 * and framed, with the flipped filter whose in and out channels are swapped. A forward conv2d,
 * which wasm runs on XNNPACK; tfjs 4.22's wasm Conv2DBackpropInput is a scalar loop.
 */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: number | readonly number[],
  pad: PadAttr,
  rounding?: Rounding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = inputShape;
    const [kh, kw] = filter.shape;
    const g = geometry(inputShape, filter.shape, strides, 1, pad, rounding, false);
    const spread = spreadByStrides(dy, g.strides);
    const before: Pair = [kh - 1 - g.padH[0], kw - 1 - g.padW[0]];
    const after: Pair = [h - 1 + g.padH[0] - (spread.shape[1] - 1), w - 1 + g.padW[0] - (spread.shape[2] - 1)];
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Cout, Cin]
    // A frame of zeros only: the convolution's own padding (XNNPACK's implicit zeros) instead of
    // a padded copy of dy (LeNet's second layer: a PadV2 of [64, 10, 10, 16] to 18x18, 0.6 ms).
    if (before[0] >= 0 && before[1] >= 0 && after[0] >= 0 && after[1] >= 0 && before[0] < kh && after[0] < kh && before[1] < kw && after[1] < kw) {
      return tf.conv2d(spread, flipped, 1, [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]]);
    }
    const dyFramed = padOrCrop(spread, [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]]);
    return tf.conv2d(dyFramed, flipped, 1, 'valid');
  });
}

/** Conv2DBackpropInput: inputs dy, filter; attrs strides, pad, dataFormat, dimRoundingMode, inputShape. */
export const conv2dBackpropInput: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    let dy = input(inputs, 'dy', 'Conv2DBackpropInput') as tf.Tensor4D;
    const filter = input(inputs, 'filter', 'Conv2DBackpropInput') as tf.Tensor4D;
    let inputShape = a.inputShape;
    let pad = a.pad;
    const channelsFirst = a.dataFormat === 'NCHW';
    if (channelsFirst) {
      dy = toChannelsLast(dy);
      const [n, c, h, w] = inputShape;
      inputShape = [n, h, w, c];
      if (Array.isArray(pad)) pad = [pad[0], pad[2], pad[3], pad[1]] as typeof pad;
    }
    const dx = conv2dInputGradient(dy, filter, inputShape, a.strides, pad, a.dimRoundingMode);
    return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });

/**
 * The input gradient of a depthwise convolution: dx[n, i, c] = Σ_m Σ_k dySpread[n, i + .., c·M + m]
 * · flip(w)[k, c, m]. Each of the C·M dy channels is correlated with its flipped filter slice (a
 * depthwise convolution with multiplier 1), then the M multiples of each channel are summed.
 */
export function depthwiseInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: number | readonly number[],
  dilations: number | readonly number[],
  pad: PadAttr,
  rounding?: Rounding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = inputShape;
    const [kh, kw, , m] = filter.shape;
    const g = geometry(inputShape, filter.shape, strides, dilations, pad, rounding, true);
    const spread = spreadByStrides(dy, g.strides);
    // The flipped filter's window must start (span - 1 - padBefore) before the spread dy and end
    // so that exactly h (w) positions come out.
    const span = (k: number, d: number) => (k - 1) * d + 1;
    const before: Pair = [span(kh, g.dilations[0]) - 1 - g.padH[0], span(kw, g.dilations[1]) - 1 - g.padW[0]];
    const after: Pair = [h - 1 + g.padH[0] - (spread.shape[1] - 1), w - 1 + g.padW[0] - (spread.shape[2] - 1)];
    const dyFramed = padOrCrop(spread, [[0, 0], [before[0], after[0]], [before[1], after[1]], [0, 0]]);
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]) as tf.Tensor4D;
    const perMultiple = tf.depthwiseConv2d(dyFramed, flipped, 1, 'valid', 'NHWC', g.dilations); // [N, H, W, C·M]
    return tf.sum(tf.reshape(perMultiple, [n, h, w, c, m]), 4);
  });
}

/** DepthwiseConv2dNativeBackpropInput: inputs dy, filter; attrs strides, dilations, pad, dimRoundingMode, inputShape. */
export const depthwiseConv2dNativeBackpropInput: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return tf.tidy(() =>
    depthwiseInputGradient(
      input(inputs, 'dy', 'DepthwiseConv2dNativeBackpropInput') as tf.Tensor4D,
      input(inputs, 'filter', 'DepthwiseConv2dNativeBackpropInput') as tf.Tensor4D,
      a.inputShape,
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
    ),
  );
};
