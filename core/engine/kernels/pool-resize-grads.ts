/**
 * Replacements for gradient kernels that tfjs 4.22's backends HAVE but compute wrongly:
 *  - MaxPoolGrad drops the gradient of every window whose values are all negative (its running
 *    maximum starts above them), so a network with max pooling over negative activations trains
 *    on wrong gradients;
 *  - ResizeNearestNeighborGrad and ResizeBilinearGrad on wasm, with halfPixelCenters, send
 *    gradients to other pixels than the forward pass read (2 -> 1 pixels, nearest: the forward
 *    reads pixel 1, the gradient goes to pixel 0); the cpu ResizeNearestNeighborGrad has the same
 *    error and also reads the wrong sample when batch > 1, and the cpu ResizeBilinearGrad swaps
 *    height and width in its output shape.
 * They are rewritten with ops whose kernels are right, and checked against oracles.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseInputGradient } from './conv-backprop';
import { input, padOrCrop, pairOf } from './util';

/** float32's lowest value: pads that never win a maximum (-Infinity would give 0 · -Inf = NaN below). */
const LOWEST_FLOAT32 = -3.4028234663852886e38;

/**
 * MaxPoolGrad: each output's gradient goes to the first maximum of its window in row-major window
 * order (the cpu backend's rule, which also decides ties such as windows of ReLU zeros).
 * The K = fh·fw values of every window are extracted by one depthwise convolution with one-hot
 * filters (XNNPACK; strided slices, 6-D slices, stack or scatter are 10-100x slower on wasm),
 * the first maximum is marked by subtracting the count of earlier maxima (a K x K matrix product),
 * and the marked gradients go back through the transpose of the extraction (the depthwise input
 * gradient). About 60 ms for a 64x26x26x32 batch on wasm here (the stock kernel: about 40 ms).
 * Not exact for inputs holding ±Infinity (0 · Inf = NaN in the extraction); training stops on
 * non-finite values anyway.
 */
export const maxPoolGrad: tf.KernelFunc = ({ inputs, attrs }) =>
  tf.tidy(() => {
    const a = attrs as unknown as tf.MaxPoolGradAttrs;
    const dy = tf.cast(input(inputs, 'dy', 'MaxPoolGrad'), 'float32') as tf.Tensor4D;
    const x = tf.cast(input(inputs, 'input', 'MaxPoolGrad'), 'float32') as tf.Tensor4D;
    const [n, , , c] = x.shape;
    const info = tf.backend_util.computePool2DInfo(x.shape, pairOf(a.filterSize), pairOf(a.strides), 1, a.pad, a.dimRoundingMode);
    const { top, bottom, left, right } = info.padInfo;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const k = fh * fw;
    const padded = padOrCrop(x, [[0, 0], [top, bottom], [left, right], [0, 0]], LOWEST_FLOAT32);
    // extract[:, :, ch, o] = 1 where o = i·fw + j is the offset (i, j): output channel ch·K + o.
    const oneHot = Array.from({ length: k * c * k }, (_, at) => (Math.floor(at / (c * k)) === at % k ? 1 : 0)); // [(i, j), ch, o]
    const extract = tf.tensor4d(oneHot, [fh, fw, c, k]);
    const windows = tf.reshape(tf.depthwiseConv2d(padded, extract, [sh, sw], 'valid'), [n * oh * ow * c, k]);
    // 1 where a window value equals its window's maximum (comparisons that broadcast are ~10x
    // slower than arithmetic on wasm): 1 - step(max - value), as max - value >= 0.
    const isMax = tf.sub(1, tf.step(tf.sub(tf.max(windows, 1, true), windows)));
    // The first maximum: isMax[b] minus the number of maxima at earlier offsets a < b, clipped at 0,
    // i.e. relu(isMax · (I - U)) with U[a, b] = 1 for a < b.
    const firstOnlyValues = Array.from({ length: k * k }, (_, at) => {
      const [earlier, later] = [Math.floor(at / k), at % k];
      return earlier === later ? 1 : earlier < later ? -1 : 0;
    });
    const firstOnly = tf.tensor2d(firstOnlyValues, [k, k]);
    const first = tf.relu(tf.matMul(isMax, firstOnly));
    const routed = tf.reshape(tf.mul(first, tf.reshape(dy, [n * oh * ow * c, 1])), [n, oh, ow, c * k]) as tf.Tensor4D;
    const dPadded = depthwiseInputGradient(routed, extract, padded.shape, [sh, sw], 1, 'valid');
    return padOrCrop(dPadded, [[0, 0], [-top, -bottom], [-left, -right], [0, 0]]);
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
