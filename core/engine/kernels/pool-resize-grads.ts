/**
 * Replacements for gradient kernels that tfjs 4.22's backends HAVE but compute wrongly:
 *  - MaxPoolGrad drops the gradient of every window whose values are all negative (its running
 *    maximum starts above them), so a network with max pooling over negative activations trains
 *    on wrong gradients;
 *  - ResizeNearestNeighborGrad and ResizeBilinearGrad, with halfPixelCenters, send gradients to
 *    other pixels than the forward pass read (2 -> 1 pixels, nearest: the forward reads pixel 1,
 *    the gradient goes to pixel 0);
 *    the cpu backend's kernel has the same error and also reads the wrong sample when batch > 1,
 *    and its ResizeBilinearGrad swaps height and width in the output shape.
 * They are rewritten with ops whose kernels are right, and checked against oracles.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, padOrCrop, pairOf, spreadByStrides } from './util';

/**
 * MaxPoolGrad: each output's gradient goes to the first maximum of its window in row-major window
 * order (the cpu backend's rule, which also decides ties such as windows of ReLU zeros). For each
 * window offset (i, j), the values at that offset of every window form one strided slice.
 */
export const maxPoolGrad: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const a = attrs as unknown as tf.MaxPoolGradAttrs;
    const dy = input(inputs, 'dy', 'MaxPoolGrad') as tf.Tensor4D;
    const x = input(inputs, 'input', 'MaxPoolGrad') as tf.Tensor4D;
    const [n, h, w, c] = x.shape;
    const info = tf.backend_util.computePool2DInfo(x.shape, pairOf(a.filterSize), pairOf(a.strides), 1, a.pad, a.dimRoundingMode);
    const { top, bottom, left, right } = info.padInfo;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    // Padding never wins a maximum.
    const padded = padOrCrop(x, [[0, 0], [top, bottom], [left, right], [0, 0]], Number.NEGATIVE_INFINITY);
    const windowSlice = (i: number, j: number) =>
      tf.stridedSlice(padded, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c], [1, sh, sw, 1]) as tf.Tensor4D;
    const offsets: [number, number][] = [];
    for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) offsets.push([i, j]);
    const slices = offsets.map(([i, j]) => windowSlice(i, j));
    const maximum = slices.reduce((m, s) => tf.maximum(m, s));
    let taken = tf.zeros(maximum.shape, 'bool');
    const zeros = tf.zerosLike(dy);
    const parts = offsets.map(([i, j], k) => {
      const slice = slices[k] as tf.Tensor4D;
      const wins = tf.logicalAnd(tf.equal(slice, maximum), tf.logicalNot(taken));
      taken = tf.logicalOr(taken, wins);
      const routed = spreadByStrides(tf.where(wins, dy, zeros), [sh, sw]);
      // Window offset (i, j) of output (oh, ow) is input (oh·sh + i - top, ow·sw + j - left).
      const rowsBefore = i - top;
      const colsBefore = j - left;
      return padOrCrop(routed, [
        [0, 0],
        [rowsBefore, h - rowsBefore - routed.shape[1]],
        [colsBefore, w - colsBefore - routed.shape[2]],
        [0, 0],
      ]);
    });
    return parts.length === 1 ? (parts[0] as tf.Tensor4D) : tf.addN(parts);
  });

/**
 * The [inputLength, outputLength] matrix of a 1-D resize along one axis, read off the backend's
 * own forward kernel applied to the identity (row b of the identity is input position b): the
 * gradient is then exactly the transpose of the forward pass, whatever its sampling rule.
 */
function resizeMatrix(
  method: 'nearest' | 'bilinear',
  inLength: number,
  outLength: number,
  alongHeight: boolean,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): tf.Tensor2D {
  const eye = tf.eye(inLength);
  const images = tf.reshape(eye, alongHeight ? [inLength, inLength, 1, 1] : [inLength, 1, inLength, 1]) as tf.Tensor4D;
  const size: [number, number] = alongHeight ? [outLength, 1] : [1, outLength];
  const resized =
    method === 'nearest'
      ? tf.image.resizeNearestNeighbor(images, size, alignCorners, halfPixelCenters)
      : tf.image.resizeBilinear(images, size, alignCorners, halfPixelCenters);
  return tf.reshape(resized, [inLength, outLength]);
}

/** dx[n, h, w, c] = Σ_{y, x} Mh[h, y] · Mw[w, x] · dy[n, y, x, c], as two matrix products. */
function resizeGradient(method: 'nearest' | 'bilinear', kernel: string): tf.KernelFunc {
  return ({ inputs, attrs }) =>
    tf.tidy(() => {
      const { alignCorners, halfPixelCenters } = attrs as unknown as tf.ResizeBilinearGradAttrs;
      const images = input(inputs, 'images', kernel) as tf.Tensor4D;
      const dy = tf.cast(input(inputs, 'dy', kernel), 'float32') as tf.Tensor4D;
      const [n, h, w, c] = images.shape;
      const [, oh, ow] = dy.shape;
      const mh = resizeMatrix(method, h, oh, true, alignCorners, halfPixelCenters);
      const mw = resizeMatrix(method, w, ow, false, alignCorners, halfPixelCenters);
      const rowsLast = tf.reshape(tf.transpose(dy, [0, 2, 3, 1]), [n * ow * c, oh]);
      const alongH = tf.reshape(tf.matMul(rowsLast, mh, false, true), [n, ow, c, h]);
      const colsLast = tf.reshape(tf.transpose(alongH, [0, 3, 2, 1]), [n * h * c, ow]);
      const alongW = tf.reshape(tf.matMul(colsLast, mw, false, true), [n, h, c, w]);
      return tf.transpose(alongW, [0, 1, 3, 2]);
    });
}

export const resizeNearestNeighborGrad = resizeGradient('nearest', 'ResizeNearestNeighborGrad');
export const resizeBilinearGrad = resizeGradient('bilinear', 'ResizeBilinearGrad');
