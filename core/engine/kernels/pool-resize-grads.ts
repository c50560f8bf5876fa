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
 * The resize gradients are rewritten with ops whose kernels are right, MaxPoolGrad in heap.ts;
 * all are checked against oracles.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input } from './util';

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
