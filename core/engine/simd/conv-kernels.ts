/**
 * tfjs kernels (wasm backend only) over the convolution functions of Netwright's SIMD module
 * (conv.c): a Conv2D with bias and ReLU in one call, its three gradients, and MaxPoolGrad.
 * Outputs and scratch are allocated on tfjs' heap (BackendWasm.makeOutput); scratch is freed
 * before returning. The op that dispatches them is core/catalogue/layers/convolution/fused-conv2d.ts.
 *
 * Kernel names, inputs -> output (NHWC; filter [kh, kw, cin, cout]; attrs {strides, pad, dilations, relu}):
 *  - NetwrightConv2D {x, filter, bias?} -> y (relu(conv + bias) when attrs.relu)
 *  - NetwrightConv2DBackpropInput {x, dy, y, filter} -> dx (x for its shape only)
 *  - NetwrightConv2DBackpropFilter {x, dy, y, filter} -> dfilter (filter for its shape only)
 *  - NetwrightConv2DBiasGrad {dy, y} -> dbias
 * where dy is multiplied by (y > 0) first when attrs.relu (the gradient through the ReLU).
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdFor, type SimdExports } from './index';

export const CONV2D = 'NetwrightConv2D';
export const CONV2D_BACKPROP_INPUT = 'NetwrightConv2DBackpropInput';
export const CONV2D_BACKPROP_FILTER = 'NetwrightConv2DBackpropFilter';
export const CONV2D_BIAS_GRAD = 'NetwrightConv2DBiasGrad';

let convKernelsOn = true;

/**
 * false: the fused convolution op and the SIMD MaxPoolGrad step aside (tfjs' ops and the JavaScript
 * MaxPoolGrad run), for side-by-side measurements (`npm run bench`'s "no fused conv" column).
 */
export function useConvSimdKernels(use: boolean): void {
  convKernelsOn = use;
}

/** The SIMD module on this backend when the convolution kernels are in use, else null. */
export function convSimdFor(backend: unknown): SimdExports | null {
  return convKernelsOn ? simdFor(backend) : null;
}

export interface FusedConv2DAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
  relu: boolean;
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface ConvCall {
  simd: SimdExports;
  heap: HeapBackend;
  info: tf.backend_util.Conv2DInfo;
  /** Byte offset of the geometry (conv.c's ConvGeo) on the heap. */
  geometry: number;
  relu: number;
  at(t: tf.TensorInfo): number;
  input(name: string): tf.TensorInfo;
  output(shape: number[]): tf.TensorInfo;
  /** Float32 scratch buffers of the given sizes (freed by `done`), as byte offsets. */
  scratch(...sizes: number[]): number[];
  done(): void;
}

const round4 = (n: number) => Math.ceil(n / 4) * 4;

/** conv.c's block_rows: output pixels per block, so a block's patch rows stay in cache. */
function blockRows(k: number): number {
  return Math.min(256, Math.max(16, Math.floor(16384 / Math.max(k, 1)))) & ~3;
}

/** Output pixels per block (conv.c: block_rows, or whole output rows of transposed patches below 4 input channels). */
function blockPixels(info: tf.backend_util.Conv2DInfo): number {
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  if (info.inChannels >= 4) return blockRows(k);
  return Math.max(1, Math.floor(Math.floor(16384 / Math.max(k, 1)) / info.outWidth)) * info.outWidth;
}

function convCall(kernel: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined, backend: unknown): ConvCall {
  const simd = simdFor(backend);
  if (!simd) throw new Error(`${kernel}: Netwright's SIMD module is not loaded on this backend (wasm only; see simdStatus())`);
  const heap = backend as HeapBackend;
  const a = attrs as unknown as FusedConv2DAttrs;
  const input = (name: string): tf.TensorInfo => {
    const t = inputs[name];
    if (!t) throw new Error(`${kernel}: missing input "${name}"`);
    return t;
  };
  const x = input('x');
  const filterShape = input('filter').shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, a.strides, a.dilations, a.pad);
  const held: tf.TensorInfo[] = [];
  const geo = heap.makeOutput([15], 'int32');
  held.push(geo);
  // conv.c's ConvGeo field order; written now (a later allocation may grow the heap and detach this view, not the bytes).
  (heap.typedArrayFromHeap(geo) as Int32Array).set([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.outChannels,
  ]);
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  return {
    simd,
    heap,
    info,
    geometry: at(geo),
    relu: a.relu ? 1 : 0,
    at,
    input,
    output: (s) => heap.makeOutput(s, 'float32'),
    scratch: (...sizes) => {
      const t = heap.makeOutput([Math.max(4, sizes.reduce((sum, n) => sum + round4(n), 0))], 'float32');
      held.push(t);
      const base = at(t);
      const offsets: number[] = [];
      let used = 0;
      for (const n of sizes) {
        offsets.push(base + 4 * used);
        used += round4(n);
      }
      return offsets;
    },
    done: () => held.forEach((t) => heap.disposeData(t.dataId, true)),
  };
}

function patchSize(info: tf.backend_util.Conv2DInfo): number {
  return info.filterHeight * info.filterWidth * info.inChannels;
}

const conv2d: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = convCall(CONV2D, inputs, attrs, backend);
  const { info } = c;
  const k = patchSize(info);
  const cp = round4(info.outChannels);
  const block = blockPixels(info);
  const y = c.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  const [wp, patches, yBlock] = c.scratch((k + 1) * cp, block * k, block * cp) as [number, number, number];
  const bias = inputs['bias'];
  c.simd.conv2d_forward(c.at(c.input('x')), c.at(c.input('filter')), bias ? c.at(bias) : 0, c.at(y), c.geometry, c.relu, wp, patches, yBlock);
  c.done();
  return y;
};

const conv2dBackpropInput: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = convCall(CONV2D_BACKPROP_INPUT, inputs, attrs, backend);
  const { info } = c;
  const kp = round4(patchSize(info));
  const cp = round4(info.outChannels);
  const block = blockRows(kp);
  const dx = c.output(c.input('x').shape);
  const [wt, dyBlock, patches] = c.scratch(info.outChannels * kp, block * cp, block * kp) as [number, number, number];
  c.simd.conv2d_backprop_input(c.at(c.input('dy')), c.at(c.input('y')), c.at(c.input('filter')), c.at(dx), c.geometry, c.relu, wt, dyBlock, patches);
  c.done();
  return dx;
};

const conv2dBackpropFilter: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = convCall(CONV2D_BACKPROP_FILTER, inputs, attrs, backend);
  const { info } = c;
  const k = patchSize(info);
  const cp = round4(info.outChannels);
  const block = blockPixels(info);
  const dw = c.output([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
  const [acc, patches, dyBlock] = c.scratch(k * cp, block * k, block * cp) as [number, number, number];
  c.simd.conv2d_backprop_filter(c.at(c.input('x')), c.at(c.input('dy')), c.at(c.input('y')), c.at(dw), c.geometry, c.relu, acc, patches, dyBlock);
  c.done();
  return dw;
};

const conv2dBiasGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const simd = simdFor(backend);
  if (!simd) throw new Error(`${CONV2D_BIAS_GRAD}: Netwright's SIMD module is not loaded on this backend (wasm only; see simdStatus())`);
  const heap = backend as HeapBackend;
  const dy = inputs['dy'];
  const y = inputs['y'];
  if (!dy || !y) throw new Error(`${CONV2D_BIAS_GRAD}: needs inputs dy and y`);
  const cout = dy.shape[dy.shape.length - 1] as number;
  const rows = tf.util.sizeFromShape(dy.shape) / cout;
  const db = heap.makeOutput([cout], 'float32');
  // conv.c's partial sums (lcm(cout, 4) ≤ 4·cout floats), then cout doubles (8-aligned: makeOutput's buffers are, and 4·cout floats are 16·cout bytes).
  const sums = heap.makeOutput([6 * cout], 'float32');
  const at = heapOffset(backend, sums);
  simd.conv2d_bias_grad(heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, db), at, at + 16 * cout, rows, cout, (attrs as unknown as FusedConv2DAttrs).relu ? 1 : 0);
  heap.disposeData(sums.dataId, true);
  return db;
};

export const CONV_SIMD_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  [CONV2D, conv2d],
  [CONV2D_BACKPROP_INPUT, conv2dBackpropInput],
  [CONV2D_BACKPROP_FILTER, conv2dBackpropFilter],
  [CONV2D_BIAS_GRAD, conv2dBiasGrad],
]);
