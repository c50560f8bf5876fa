/**
 * tfjs 4.22's webgpu Transpose shader declares a float output whatever the input's dtype, so
 * transposing an int32 or bool tensor of rank >= 3 fails to compile ("type mismatch ... expected
 * 'f32', got 'i32'") and leaves garbage. RNN masks are such tensors: a masked LSTM trained on
 * webgpu learned from a wrong mask. Integers and booleans are transposed as float32 instead (exact
 * for |values| < 2^24: masks, token ids, labels).
 */
import * as tf from '@tensorflow/tfjs-core';
import { input } from './util';

const WRAPPED = new WeakSet<tf.KernelFunc>();

export function floatOnlyTranspose(original: tf.KernelFunc): tf.KernelFunc {
  const kernel: tf.KernelFunc = (args) => {
    const x = args.inputs['x'];
    if (!x || x.dtype === 'float32') return original(args);
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    return tf.tidy(() => tf.cast(tf.transpose(tf.cast(input(args.inputs, 'x', 'Transpose'), 'float32'), [...perm]), x.dtype));
  };
  WRAPPED.add(kernel);
  return kernel;
}

/** Replaces webgpu's Transpose where it is registered (idempotent; a no-op without webgpu). */
export function registerWebGpuKernelFixes(): void {
  const current = tf.getKernel(tf.Transpose, 'webgpu');
  if (!current || WRAPPED.has(current.kernelFunc)) return;
  tf.unregisterKernel(tf.Transpose, 'webgpu');
  tf.registerKernel({ kernelName: tf.Transpose, backendName: 'webgpu', kernelFunc: floatOnlyTranspose(current.kernelFunc) });
}
