/**
 * tfjs kernels (wasm backend only) over the Dense functions of Netwright's SIMD module (dense.c),
 * and the gradient of the forward kernel. The op that dispatches them is
 * core/catalogue/layers/core/fused-dense.ts.
 *
 * Kernel names, inputs -> output (x [m, k], kernel [k, n], bias [n]; attrs {activation}):
 *  - NetwrightDense {x, kernel, bias?} -> y [m, n] = act(x·kernel + bias)
 *  - NetwrightDenseGradInput {dy, y, kernel} -> dx [m, k]
 *  - NetwrightDenseGradKernel {x, dy, y} -> dkernel [k, n]
 *  - NetwrightDenseGradBias {dy, y} -> dbias [n]
 * The gradients multiply dy by act' (read from y) themselves. Three gradient kernels rather than
 * one: tfjs calls an input's gradient only when that input needs one, so the first layer (whose
 * input is data) never computes dx, its largest product.
 */
import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, simdFor } from './index';

export const DENSE = 'NetwrightDense';
export const DENSE_GRAD_INPUT = 'NetwrightDenseGradInput';
export const DENSE_GRAD_KERNEL = 'NetwrightDenseGradKernel';
export const DENSE_GRAD_BIAS = 'NetwrightDenseGradBias';

/** Activations the kernels apply (with their codes in dense.c); others run after a linear one. */
export const DENSE_ACTIVATIONS = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 } as const;
export type DenseActivation = keyof typeof DENSE_ACTIVATIONS;

export function isDenseActivation(name: string): name is DenseActivation {
  return Object.prototype.hasOwnProperty.call(DENSE_ACTIVATIONS, name);
}

export interface DenseAttrs {
  activation: DenseActivation;
}

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

function setup(kernel: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined, backend: unknown) {
  const simd = simdFor(backend);
  if (!simd) throw new Error(`${kernel}: Netwright's SIMD module is not loaded on this backend (wasm only; see simdStatus())`);
  const heap = backend as HeapBackend;
  const activation = (attrs as unknown as Partial<DenseAttrs> | undefined)?.activation ?? 'linear';
  if (!isDenseActivation(activation)) throw new Error(`${kernel}: unsupported activation "${String(activation)}" (${Object.keys(DENSE_ACTIVATIONS).join(', ')})`);
  const input = (name: string): tf.TensorInfo => {
    const t = inputs[name];
    if (!t) throw new Error(`${kernel}: missing input "${name}"`);
    if (t.dtype !== 'float32') throw new Error(`${kernel}: input "${name}" must be float32, got ${t.dtype}`);
    return t;
  };
  const scratch: tf.TensorInfo[] = [];
  return {
    simd,
    act: DENSE_ACTIVATIONS[activation],
    input,
    at: (t: tf.TensorInfo) => heapOffset(backend, t),
    output: (shape: number[]) => heap.makeOutput(shape, 'float32'),
    /** A float32 scratch buffer (freed by `done`), as a byte offset. */
    scratch(size: number): number {
      const t = heap.makeOutput([size], 'float32');
      scratch.push(t);
      return heapOffset(backend, t);
    },
    done: () => scratch.forEach((t) => heap.disposeData(t.dataId, true)),
  };
}

/** dy·act' needs a buffer unless the activation is linear; 0 then. */
function dzScratch(c: ReturnType<typeof setup>, size: number): number {
  return c.act === DENSE_ACTIVATIONS.linear ? 0 : c.scratch(size);
}

/** Floats of a [rows, cols] right operand packed in panels of 8 columns (dense.c's pack_panels). */
const panels = (rows: number, cols: number): number => rows * Math.ceil(cols / 8) * 8;

/** [m, k] of a rank-2 x, checked against the kernel [k, n]. */
function dims(kernel: string, x: tf.TensorInfo, w: tf.TensorInfo): [number, number, number] {
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[0]) {
    throw new Error(`${kernel}: x [m, k] and kernel [k, n] expected, got [${x.shape.join(', ')}] and [${w.shape.join(', ')}]`);
  }
  return [x.shape[0] as number, x.shape[1] as number, w.shape[1] as number];
}

const dense: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = setup(DENSE, inputs, attrs, backend);
  const x = c.input('x');
  const w = c.input('kernel');
  const [m, k, n] = dims(DENSE, x, w);
  const bias = inputs['bias'] ? c.input('bias') : null;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== n)) throw new Error(`${DENSE}: bias must be [${n}], got [${bias.shape.join(', ')}]`);
  const y = c.output([m, n]);
  c.simd.dense_forward(c.at(x), c.at(w), bias ? c.at(bias) : 0, c.at(y), c.scratch(panels(k, n)), m, k, n, c.act);
  c.done();
  return y;
};

const denseGradInput: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = setup(DENSE_GRAD_INPUT, inputs, attrs, backend);
  const dy = c.input('dy');
  const w = c.input('kernel');
  const [m, n] = dy.shape as [number, number];
  const k = w.shape[0] as number;
  const dx = c.output([m, k]);
  c.simd.dense_grad_input(c.at(dy), c.at(c.input('y')), c.at(w), dzScratch(c, m * n), c.scratch(panels(n, k)), c.at(dx), m, k, n, c.act);
  c.done();
  return dx;
};

const denseGradKernel: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = setup(DENSE_GRAD_KERNEL, inputs, attrs, backend);
  const x = c.input('x');
  const dy = c.input('dy');
  const [m, k] = x.shape as [number, number];
  const n = dy.shape[1] as number;
  const dw = c.output([k, n]);
  c.simd.dense_grad_kernel(c.at(x), c.at(dy), c.at(c.input('y')), c.scratch(panels(m, n)), c.at(dw), m, k, n, c.act);
  c.done();
  return dw;
};

const denseGradBias: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const c = setup(DENSE_GRAD_BIAS, inputs, attrs, backend);
  const dy = c.input('dy');
  const [m, n] = dy.shape as [number, number];
  const db = c.output([n]);
  c.simd.dense_grad_bias(c.at(dy), c.at(c.input('y')), c.at(db), m, n, c.act);
  return db;
};

/** The forward kernel's gradient: each input's own kernel, run only for the inputs that need one. */
export const DENSE_GRADIENT: tf.GradConfig = {
  kernelName: DENSE,
  inputsToSave: ['x', 'kernel'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, kernel, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const g = dy as tf.Tensor;
    const run = (name: string, inputs: tf.NamedTensorMap) => tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
    return {
      x: () => run(DENSE_GRAD_INPUT, { dy: g, y, kernel }),
      kernel: () => run(DENSE_GRAD_KERNEL, { x, dy: g, y }),
      bias: () => run(DENSE_GRAD_BIAS, { dy: g, y }),
    };
  },
};

export const DENSE_SIMD_KERNELS: ReadonlyMap<string, tf.KernelFunc> = new Map([
  [DENSE, dense],
  [DENSE_GRAD_INPUT, denseGradInput],
  [DENSE_GRAD_KERNEL, denseGradKernel],
  [DENSE_GRAD_BIAS, denseGradBias],
]);

/** Registers the gradient of NetwrightDense (idempotent; gradients are not per backend). */
export function registerDenseGradient(): void {
  if (tf.getGradient(DENSE) !== DENSE_GRADIENT) tf.registerGradient(DENSE_GRADIENT);
}
