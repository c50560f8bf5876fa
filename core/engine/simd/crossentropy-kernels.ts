/**
 * tfjs kernels (wasm backend only) over the cross-entropy functions of Netwright's SIMD module
 * (crossentropy.c), and the gradient of the forward kernel. The op that dispatches them is
 * core/catalogue/layers/losses/fused-crossentropy.ts.
 *
 * Kernel names, inputs -> output (logits [rows, classes] float32, labels [rows] int32 or float32):
 *  - NetwrightSparseXent {logits, labels} -> loss [rows] = logsumexp(logits) - logits[label]
 *  - NetwrightSparseXentGrad {logits, labels, dy} -> dlogits [rows, classes] = dy·(softmax - onehot)
 * A label outside [0, classes) gives 0 and a zero gradient, as tfjs' one-hot product does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdFor } from './index';

export const SPARSE_XENT = 'NetwrightSparseXent';
export const SPARSE_XENT_GRAD = 'NetwrightSparseXentGrad';

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

function operands(kernel: string, inputs: tf.NamedTensorInfoMap, backend: unknown) {
  const simd = simdFor(backend);
  if (!simd) throw new Error(`${kernel}: Netwright's SIMD module is not loaded on this backend (wasm only; see simdStatus())`);
  const logits = inputs['logits'];
  const labels = inputs['labels'];
  if (!logits || !labels) throw new Error(`${kernel}: inputs logits and labels are required`);
  if (logits.dtype !== 'float32' || logits.shape.length !== 2) throw new Error(`${kernel}: logits must be float32 [rows, classes], got ${logits.dtype} [${logits.shape.join(', ')}]`);
  const [rows, classes] = logits.shape as [number, number];
  if (labels.shape.length !== 1 || labels.shape[0] !== rows || (labels.dtype !== 'int32' && labels.dtype !== 'float32')) {
    throw new Error(`${kernel}: labels must be int32 or float32 [${rows}], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  return { simd, heap: backend as HeapBackend, rows, classes, logits: at(logits), labels: at(labels), labelsInt: labels.dtype === 'int32' ? 1 : 0, at };
}

const sparseXent: tf.KernelFunc = ({ inputs, backend }) => {
  const o = operands(SPARSE_XENT, inputs, backend);
  const loss = o.heap.makeOutput([o.rows], 'float32');
  o.simd.sparse_xent_forward(o.logits, o.labels, o.labelsInt, o.at(loss), o.rows, o.classes);
  return loss;
};

const sparseXentGrad: tf.KernelFunc = ({ inputs, backend }) => {
  const o = operands(SPARSE_XENT_GRAD, inputs, backend);
  const dy = inputs['dy'];
  if (!dy || dy.dtype !== 'float32' || dy.shape.length !== 1 || dy.shape[0] !== o.rows) throw new Error(`${SPARSE_XENT_GRAD}: dy must be float32 [${o.rows}]`);
  const dlogits = o.heap.makeOutput([o.rows, o.classes], 'float32');
  o.simd.sparse_xent_backward(o.logits, o.labels, o.labelsInt, o.at(dy), o.at(dlogits), o.rows, o.classes);
  return dlogits;
};

/** The gradient w.r.t. the logits (one kernel); the labels get zeros (class ids are not differentiable). */
export const SPARSE_XENT_GRADIENT: tf.GradConfig = {
  kernelName: SPARSE_XENT,
  inputsToSave: ['logits', 'labels'],
  gradFunc: (dy, saved) => {
    const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
    return {
      logits: () => tf.engine().runKernel(SPARSE_XENT_GRAD, { logits, labels, dy: dy as tf.Tensor }) as tf.Tensor,
      labels: () => tf.zeros(labels.shape),
    };
  },
};

export const CROSSENTROPY_SIMD_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  [SPARSE_XENT, sparseXent],
  [SPARSE_XENT_GRAD, sparseXentGrad],
]);

/** Registers the gradient of NetwrightSparseXent (idempotent; gradients are not per backend). */
export function registerCrossentropyGradient(): void {
  if (tf.getGradient(SPARSE_XENT) !== SPARSE_XENT_GRADIENT) tf.registerGradient(SPARSE_XENT_GRADIENT);
}
