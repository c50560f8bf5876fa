/**
 * Conv2DBackpropFilter as one matrix product on XNNPACK: dW[(kh, kw, ci), co] =
 * Σ_{(n, oh, ow)} patch[(kh, kw, ci), (n, oh, ow)] · dy[(n, oh, ow), co], where the patch matrix
 * (im2col, built here in JavaScript on the wasm heap, transposed so the product needs no
 * transpose) holds x[n, oh·sh + kh·dh - top, ow·sw + kw·dw - left, ci], zero in the padding.
 * The patch matrix has kh·kw·cin rows of n·oh·ow values: cheap to build when kh·kw·cin is
 * small (LeNet's first layer: 25), and then the product is one long GEMM. See
 * IM2COL_MAX_PATCH for where the convolution-based kernel (conv-backprop.ts) wins instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter as conv2dBackpropFilterAsConvolution } from './conv-backprop';
import { input, pairOf, toChannelsLast } from './util';
import { heapOffset, simdFor } from '../simd/index';

/**
 * Largest kh·kw·cin for which the im2col product is used. Measured against the
 * convolution-based kernel (`npx tsx scripts/bench-conv-filter.ts`, CPU time, batch 64): faster
 * by 1.1-5x up to 63, even at 72, slower from 75 (0.6-0.8x at 100-150); see docs/performance.md.
 */
export const IM2COL_MAX_PATCH = 64;

/**
 * The same where Netwright's SIMD module builds the patch matrix: measured against the convolution
 * route (CPU time, batch 64, load 16): kh·kw·cin 72 2.11 vs 4.30 ms, 144 4.52 vs 5.65, 150
 * (LeNet's second layer) 2.21 vs 2.77, 288 3.28 vs 4.00; larger patches were not measured.
 */
export const IM2COL_MAX_PATCH_SIMD = 288;

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The transposed patch matrix [kh·kw·cin, n·oh·ow] of an NHWC input, on the wasm heap. */
export function patchesTransposed(x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo, backend: WasmHeapBackend): tf.Tensor2D {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const columns = n * oh * ow;
  const out = backend.makeOutput([kh * kw * c, columns], 'float32');
  // Views after the allocation (growing the heap detaches earlier ones).
  const padded = top > 0 || left > 0 || info.padInfo.bottom > 0 || info.padInfo.right > 0;
  const simd = simdFor(backend);
  if (simd) {
    // The same loops in Netwright's SIMD module (simd/kernels.c), on tfjs' heap.
    simd.im2col_transposed(heapOffset(backend, x), heapOffset(backend, out), n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, padded ? 1 : 0);
    return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
  }
  const patches = backend.typedArrayFromHeap(out) as Float32Array;
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  // Zero once (a memset) rather than per padded run: most runs are short.
  if (padded) patches.fill(0);
  const step = sw * c;
  // With one channel and stride 1 a run is contiguous in x too: copied by copyWithin on the heap
  // (a memmove), 2.3x the element loop on LeNet's first layer (1.2 vs 2.7 ms, CPU time).
  const contiguous = step === 1;
  const heap = new Float32Array(patches.buffer);
  const patchesAt = patches.byteOffset / 4;
  const xsAt = xs.byteOffset / 4;
  let row = 0;
  for (let i = 0; i < kh; i++) {
    // Output rows whose input row r·sh + i·dh - top falls inside [0, h).
    const rowOffset = i * dh - top;
    const rFrom = Math.max(0, Math.ceil(-rowOffset / sh));
    const rTo = Math.min(oh, Math.floor((h - 1 - rowOffset) / sh) + 1);
    for (let j = 0; j < kw; j++) {
      const colOffset = j * dw - left;
      const qFrom = Math.max(0, Math.ceil(-colOffset / sw));
      const qTo = Math.min(ow, Math.floor((w - 1 - colOffset) / sw) + 1);
      for (let ch = 0; ch < c; ch++, row++) {
        for (let b = 0; b < n; b++) {
          for (let r = rFrom; r < rTo; r++) {
            const at = row * columns + (b * oh + r) * ow;
            let src = ((b * h + r * sh + rowOffset) * w + qFrom * sw + colOffset) * c + ch;
            if (contiguous) heap.copyWithin(patchesAt + at + qFrom, xsAt + src, xsAt + src + (qTo - qFrom));
            else for (let q = qFrom; q < qTo; q++, src += step) patches[at + q] = xs[src] as number;
          }
        }
      }
    }
  }
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/** Conv2DBackpropFilter: inputs x, dy; attrs strides, pad, dataFormat, dimRoundingMode, filterShape. */
export const conv2dBackpropFilterIm2col: tf.KernelFunc = (args) => {
  const a = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const [kh, kw, cin] = a.filterShape;
  const limit = simdFor(args.backend) ? IM2COL_MAX_PATCH_SIMD : IM2COL_MAX_PATCH;
  if (kh * kw * cin > limit) return conv2dBackpropFilterAsConvolution(args);
  return tf.tidy(() => {
    let x = input(args.inputs, 'x', 'Conv2DBackpropFilter') as tf.Tensor4D;
    let dy = input(args.inputs, 'dy', 'Conv2DBackpropFilter') as tf.Tensor4D;
    let pad = a.pad;
    if (a.dataFormat === 'NCHW') {
      x = toChannelsLast(x);
      dy = toChannelsLast(dy);
      if (Array.isArray(pad)) pad = [pad[0], pad[2], pad[3], pad[1]] as typeof pad;
    }
    const info = tf.backend_util.computeConv2DInfo(x.shape, a.filterShape, pairOf(a.strides), 1, pad, a.dimRoundingMode);
    const patches = patchesTransposed(x, info, args.backend as unknown as WasmHeapBackend);
    const cout = a.filterShape[3];
    const dW = tf.matMul(patches, tf.reshape(dy, [-1, cout]));
    return tf.reshape(dW, a.filterShape);
  });
};
