/**
 * Closes the gaps of the tfjs 4.22 wasm backend that stop Netwright's layers from training on it
 * (found by test/unit/engine/backend-gradients.test.ts, which differentiates every catalogue layer
 * on wasm and cpu):
 *  - missing kernels: Conv2DBackpropFilter (the weight gradient of Conv1D, Conv2D,
 *    Conv2DTranspose and SeparableConv2D's pointwise step), DepthwiseConv2dNativeBackpropFilter
 *    and ...BackpropInput (SeparableConv2D), UnsortedSegmentSum (the gather gradient: Embedding);
 *  - wrong kernels: MaxPoolGrad (loses the gradient of every all-negative window),
 *    ResizeNearestNeighborGrad and ResizeBilinearGrad (with halfPixelCenters, not the transpose
 *    of the forward pass).
 * Each is written with public ops whose wasm kernels exist and are right (see the files here),
 * and tested against cpu kernels and adjoint identities in test/unit/engine/kernels.test.ts.
 * (wasm also lacks Einsum, FFT, complex, ragged and string kernels: no catalogue layer needs them.)
 *
 * The cpu backend, the reference and the fallback, has two wrong gradient kernels of its own,
 * replaced by `registerCpuKernelFixes`: ResizeNearestNeighborGrad (reads the wrong sample when
 * batch > 1; the halfPixelCenters error above) and ResizeBilinearGrad (swaps height and width in
 * its output shape, so UpSampling2D 'bilinear' on a non-square input cannot train).
 *
 * Speed, not gaps: BatchMatMul and _FusedMatMul on wasm are replaced by kernels that put every
 * transposed and batched product on XNNPACK's fast path (matmul.ts), registered with the gaps
 * so Node and the worker get them alike.
 *
 * webgpu: Transpose of int32/bool tensors does not compile (see webgpu-transpose.ts); replaced by
 * `registerWebGpuKernelFixes` once the webgpu backend is imported.
 *
 * Not a kernel gap, so not closed by registering kernels: tfjs-core's conv2D, fused conv2D and
 * depthwise gradients refuse dilation rates above 1 on every backend (Conv1D, Conv2D and
 * SeparableConv2D with dilation cannot train). `dilateFilter` gives the convolution layers a
 * differentiable equivalent to use instead.
 */
import * as tf from '@tensorflow/tfjs-core';
// The stock kernels must be registered before they are replaced here, not after.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropInput, depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './conv-backprop';
import { conv2dBackpropFilterIm2col } from './conv-filter-im2col';
import { identitySharingBuffer, maxPoolGradOnHeap, maxPoolOnHeap } from './heap';
import { resizeBilinearGrad, resizeNearestNeighborGrad } from './pool-resize-grads';
import { registerWasmFastMatMul } from './matmul';
import { unsortedSegmentSumOnHeap } from './segment-sum';
import { registerFastGradients } from './tile-grad';
import { registerSimdKernels } from '../simd/kernels';

export { dilateFilter } from './dilated-filter';
export { unregisterWasmFastMatMul } from './matmul';
export { registerWebGpuKernelFixes } from './webgpu-transpose';
export { registerFastGradients } from './tile-grad';

const WASM = 'wasm';
const CPU = 'cpu';

/** Kernels wasm does not have: registered only while it still lacks them (a later tfjs may add them). */
export const MISSING_WASM_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  // im2col + one XNNPACK product for small kh·kw·cin, else a forward convolution (conv-backprop.ts).
  [tf.Conv2DBackpropFilter, conv2dBackpropFilterIm2col],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropFilter],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseConv2dNativeBackpropInput],
  // In JavaScript on the heap (one pass; the composition of public ops dispatched ten kernels).
  [tf.UnsortedSegmentSum, unsortedSegmentSumOnHeap],
]);

/** Kernels wasm has but computes wrongly in tfjs 4.22: replaced. */
export const REPLACED_WASM_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  // Computed in JavaScript on the wasm heap (heap.ts): exact, and faster than the stock kernel.
  [tf.MaxPoolGrad, maxPoolGradOnHeap],
  [tf.ResizeNearestNeighborGrad, resizeNearestNeighborGrad],
  [tf.ResizeBilinearGrad, resizeBilinearGrad],
]);

/**
 * Kernels wasm has right but slow: replaced by compositions on its fast kernels (scalar loops
 * before), or by one that shares its input's buffer instead of copying it (Identity).
 */
export const FASTER_WASM_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  [tf.Conv2DBackpropInput, conv2dBackpropInput],
  [tf.Identity, identitySharingBuffer],
]);

/** Kernels the cpu backend computes wrongly in tfjs 4.22: replaced. */
export const REPLACED_CPU_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  [tf.ResizeNearestNeighborGrad, resizeNearestNeighborGrad],
  [tf.ResizeBilinearGrad, resizeBilinearGrad],
]);

function replaceKernels(backendName: string, kernels: ReadonlyMap<string, tf.KernelFunc>): void {
  for (const [kernelName, kernelFunc] of kernels) {
    const current = tf.getKernel(kernelName, backendName);
    if (current?.kernelFunc === kernelFunc) continue;
    // Unregister first: registering over a kernel logs a warning.
    if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
}

/** tfjs' own wasm MaxPool, kept for when Netwright's SIMD module is not in use. */
let stockWasmMaxPool: tf.KernelConfig | null = null;

/** MaxPool on wasm: the SIMD kernel where the module is loaded, else tfjs' (`maxPoolOnHeap`). */
function wrapWasmMaxPool(): void {
  const current = tf.getKernel(tf.MaxPool, WASM);
  if (!current || stockWasmMaxPool !== null) return;
  stockWasmMaxPool = current;
  tf.unregisterKernel(tf.MaxPool, WASM);
  // tfjs' setup (binding its wasm function) stays, so the stock path works whenever the backend starts.
  tf.registerKernel({ kernelName: tf.MaxPool, backendName: WASM, kernelFunc: maxPoolOnHeap(current.kernelFunc), setupFunc: current.setupFunc });
}

/**
 * Registers the kernels above for the wasm backend. Idempotent, and safe before or after
 * `tf.setBackend('wasm')`: kernels are looked up at every call, not when the backend starts.
 */
export function registerWasmKernelGaps(): void {
  for (const [kernelName, kernelFunc] of MISSING_WASM_KERNELS) {
    if (tf.getKernel(kernelName, WASM) === undefined) tf.registerKernel({ kernelName, backendName: WASM, kernelFunc });
  }
  replaceKernels(WASM, REPLACED_WASM_KERNELS);
  replaceKernels(WASM, FASTER_WASM_KERNELS);
  wrapWasmMaxPool();
  registerWasmFastMatMul();
  // Netwright's own SIMD kernels (../simd): they run once compileSimdKernels() has loaded the module.
  registerSimdKernels();
  // Backend-independent, registered here and below because every entry point calls one of them.
  registerFastGradients();
}

/**
 * Replaces the cpu backend's wrong gradient kernels (idempotent). Call it once at start-up
 * wherever the cpu backend may be used: as the fallback, or as the reference in tests.
 */
export function registerCpuKernelFixes(): void {
  replaceKernels(CPU, REPLACED_CPU_KERNELS);
  registerFastGradients();
}
