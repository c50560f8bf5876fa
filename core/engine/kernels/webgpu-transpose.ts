/**
 * tfjs 4.22's webgpu Transpose shader passes an i32 buffer element where its output setter takes
 * an f32: for int32 and bool tensors, and for float32 ones whose buffer is still i32 (its Cast to
 * float32 only relabels int32/bool data), the shader fails to compile ("type mismatch ... expected
 * 'f32', got 'i32'") and the result is zeros. RNN masks are such tensors (bool cast to float32,
 * then transposed): a masked LSTM output zeros on webgpu. Such data is first copied into a real
 * f32 buffer by an elementwise op (whose shader converts), transposed there and cast back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, registerKernel, Transpose, unregisterKernel } from '@tensorflow/tfjs-core';
import { input } from './util';

interface WebGpuTensorMap {
  tensorMap: { get(dataId: object): { dtype: tf.DataType } | undefined };
}

const WRAPPED = new WeakSet<tf.KernelFunc>();

export function floatBufferTranspose(original: tf.KernelFunc): tf.KernelFunc {
  const kernel: tf.KernelFunc = (args) => {
    const x = args.inputs['x'];
    if (!x) return original(args);
    const buffer = (args.backend as unknown as WebGpuTensorMap).tensorMap.get(x.dataId)?.dtype ?? x.dtype;
    if (buffer === 'float32') return original(args);
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    return tf.tidy(() => {
      const floats = tf.add(tf.cast(input(args.inputs, 'x', Transpose), 'float32'), tf.scalar(0));
      const transposed = tf.transpose(floats, [...perm]);
      return x.dtype === 'float32' ? transposed : tf.cast(transposed, x.dtype);
    });
  };
  WRAPPED.add(kernel);
  return kernel;
}

/** Replaces webgpu's Transpose where it is registered (idempotent; a no-op without webgpu). */
export function registerWebGpuKernelFixes(): void {
  const current = getKernel(Transpose, 'webgpu');
  if (!current || WRAPPED.has(current.kernelFunc)) return;
  unregisterKernel(Transpose, 'webgpu');
  registerKernel({ kernelName: Transpose, backendName: 'webgpu', kernelFunc: floatBufferTranspose(current.kernelFunc) });
}
