/**
 * Matrix products on wasm's fast path. tfjs 4.22's wasm BatchMatMul and _FusedMatMul hand a
 * product to XNNPACK only when neither operand is transposed and the batch is 1; every other
 * call (backprop's dA = dy·Bᵀ and dB = Aᵀ·dy, every batched product) runs a scalar triple loop,
 * several times slower. These kernels rewrite such calls into the fast form before calling the
 * stock kernel:
 *  - a transposed operand is transposed physically (O(n²) copy for an O(n³) product);
 *  - a batch sharing one right operand is folded into the rows: [b, m, k]·[k, n] = ([b·m, k]·[k, n]);
 *  - a batched right operand with one left operand is folded the other way (through the
 *    transposed product Bᵢᵀ·Aᵀ stacked over the batch);
 *  - both operands batched (attention): one fast product per batch item when the items are large
 *    enough to pay for the extra dispatches, else the stock loop (see BATCHED_MIN_FLOPS).
 */
import * as tf from '@tensorflow/tfjs-core';
import { vectorProductOnHeap } from './heap';
import { asTensor, input } from './util';

/** The stock wasm kernels these wrap, captured once before they are replaced. */
interface StockKernels {
  batchMatMul: tf.KernelConfig;
  fusedMatMul: tf.KernelConfig;
}

let stock: StockKernels | null = null;

function stockKernels(): StockKernels {
  if (stock) return stock;
  const batchMatMul = tf.getKernel(tf.BatchMatMul, 'wasm');
  const fusedMatMul = tf.getKernel(tf._FusedMatMul, 'wasm');
  if (!batchMatMul || !fusedMatMul) throw new Error('wasm matmul kernels: the wasm backend is not registered');
  stock = { batchMatMul, fusedMatMul };
  return stock;
}

/**
 * Multiply-adds per batch item below which a batched product stays on the stock loop: a fast
 * product per item costs a slice, a dispatch and a concat, which small items do not repay.
 */
export const BATCHED_MIN_FLOPS = 32 * 32 * 32;

const batchOf = (shape: readonly number[]): number => shape.slice(0, -2).reduce((p, d) => p * d, 1);

/** [..., r, c] as a 2-D [r, c] matrix (only valid when the leading dims multiply to 1). */
function as2d(x: tf.Tensor, transpose: boolean): tf.Tensor2D {
  const r = x.shape[x.rank - 2] as number;
  const c = x.shape[x.rank - 1] as number;
  if (!transpose) return tf.reshape(x, [r, c]) as tf.Tensor2D;
  // A vector's transpose is a reshape (no copy).
  return (r === 1 || c === 1 ? tf.reshape(x, [c, r]) : tf.transpose(tf.reshape(x, [r, c]))) as tf.Tensor2D;
}

/** Elements a physical transpose of an r x c matrix copies (none for a vector: a reshape). */
const transposeCost = (r: number, c: number): number => (r === 1 || c === 1 ? 0 : r * c);

/**
 * A 2-D a·b (transposes applied) on the fast path, by the cheaper of two routes: transpose the
 * transposed operands, or compute (bᵀ·aᵀ)ᵀ, where an operand stored transposed needs no copy and
 * only the result is transposed. dV = hiddenᵀ·dScores of the additive attention ([22528, 64]ᵀ by
 * [22528, 1]) copied 1.4M elements the first way and none the second.
 */
function product2d(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean, backend: tf.KernelBackend): tf.Tensor2D {
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const m = transposeA ? ac : ar;
  const n = transposeB ? br : bc;
  const direct = (transposeA ? transposeCost(ar, ac) : 0) + (transposeB ? transposeCost(br, bc) : 0);
  const swapped = (transposeA ? 0 : transposeCost(ar, ac)) + (transposeB ? 0 : transposeCost(br, bc)) + transposeCost(n, m);
  if (direct <= swapped) return fastProduct(as2d(a, transposeA), as2d(b, transposeB), backend);
  return as2d(fastProduct(as2d(b, !transposeB), as2d(a, !transposeA), backend), true);
}

/** [..., r, c] -> [batch, r, c], the last two axes swapped when `transpose`. */
function as3d(x: tf.Tensor, transpose: boolean): tf.Tensor3D {
  const r = x.shape[x.rank - 2] as number;
  const c = x.shape[x.rank - 1] as number;
  const m = tf.reshape(x, [batchOf(x.shape), r, c]) as tf.Tensor3D;
  return transpose ? tf.transpose(m, [0, 2, 1]) : m;
}

/**
 * The [rows, cols] each buffer was last multiplied as, as the right operand of an XNNPACK product.
 * tfjs 4.22's wasm BatchMatMul caches XNNPACK's packed right operand by tensor id, not by shape:
 * a reshape shares its input's id, so y [1, 2] used as b, then reshape(y, [2, 1]) used as b,
 * reads the cached [1, 2] packing and gives a wrong product (it does on the stock kernel).
 */
const rightOperandShapes = new WeakMap<object, string>();

/** b itself, or a copy of it (a new id) when its buffer was packed for another shape. */
function rightOperand<T extends tf.TensorInfo>(b: T): T | tf.Tensor {
  const key = b.shape.slice(-2).join(',');
  const seen = rightOperandShapes.get(b.dataId);
  if (seen === undefined || seen === key) {
    rightOperandShapes.set(b.dataId, key);
    return b;
  }
  // A multiply by one makes a new buffer (Identity shares it, heap.ts).
  const copy = tf.mul(asTensor(b), 1);
  rightOperandShapes.set(copy.dataId, key);
  return copy;
}

/** The stock kernel on a 2-D, untransposed product: XNNPACK. */
function fastProduct(a: tf.Tensor2D, b: tf.Tensor2D, backend: tf.KernelBackend): tf.Tensor2D {
  const out = stockKernels().batchMatMul.kernelFunc({
    inputs: { a, b: rightOperand(b) },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/** Whether `fastMatMul` rewrites this product (else the stock kernel runs it unchanged). */
export function takesFastPath(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): boolean {
  const batchA = batchOf(aShape);
  const batchB = batchOf(bShape);
  if (batchA === 1 && batchB === 1) return transposeA || transposeB;
  if (batchA === 1 || batchB === 1) return true;
  // Broadcast batches (e.g. [2, 1, m, k]·[1, 3, k, n]) stay on the stock kernel.
  const sameBatch = aShape.length === bShape.length && aShape.slice(0, -2).every((d, i) => d === bShape[i]);
  if (!sameBatch) return false;
  const m = aShape[aShape.length - (transposeA ? 1 : 2)] as number;
  const k = aShape[aShape.length - (transposeA ? 2 : 1)] as number;
  const n = bShape[bShape.length - (transposeB ? 2 : 1)] as number;
  return m * k * n >= BATCHED_MIN_FLOPS;
}

/** a·b with the transpositions applied, shaped [...broadcast batch, m, n]; tidy-scoped by the caller. */
function product(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean, backend: tf.KernelBackend): tf.Tensor {
  const batchA = batchOf(a.shape);
  const batchB = batchOf(b.shape);
  const m = a.shape[a.rank - (transposeA ? 1 : 2)] as number;
  const n = b.shape[b.rank - (transposeB ? 2 : 1)] as number;
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...outBatch, m, n];
  if (batchA === 1 && batchB === 1) return tf.reshape(product2d(a, b, transposeA, transposeB, backend), outShape);
  if (batchB === 1) {
    // Rows of every batch item through the one right operand.
    const rows = tf.reshape(as3d(a, transposeA), [batchA * m, -1]) as tf.Tensor2D;
    return tf.reshape(fastProduct(rows, as2d(b, transposeB), backend), outShape);
  }
  if (batchA === 1) {
    // (A·Bᵢ)ᵀ = Bᵢᵀ·Aᵀ: the rows of every Bᵢᵀ through Aᵀ, then each item transposed back.
    const bt = tf.reshape(as3d(b, !transposeB), [batchB * n, -1]) as tf.Tensor2D;
    const stacked = tf.reshape(fastProduct(bt, as2d(a, !transposeA), backend), [batchB, n, m]);
    return tf.reshape(tf.transpose(stacked, [0, 2, 1]), outShape);
  }
  const a3 = as3d(a, transposeA);
  const b3 = as3d(b, transposeB);
  const k = a3.shape[2];
  const items: tf.Tensor2D[] = [];
  for (let i = 0; i < batchA; i++) {
    const ai = tf.reshape(tf.slice(a3, [i, 0, 0], [1, -1, -1]), [m, k]) as tf.Tensor2D;
    const bi = tf.reshape(tf.slice(b3, [i, 0, 0], [1, -1, -1]), [k, n]) as tf.Tensor2D;
    items.push(fastProduct(ai, bi, backend));
  }
  return tf.reshape(tf.stack(items), outShape);
}

/** BatchMatMul for wasm: inputs a, b; attrs transposeA, transposeB. */
export const fastBatchMatMul: tf.KernelFunc = (args) => {
  const { inputs, attrs, backend } = args;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const aInfo = inputs['a'] as tf.TensorInfo;
  const bInfo = inputs['b'] as tf.TensorInfo;
  if (aInfo.dtype === 'float32' && bInfo.dtype === 'float32' && batchOf(aInfo.shape) === 1 && batchOf(bInfo.shape) === 1) {
    const outShape = [
      ...tf.backend_util.assertAndGetBroadcastShape(aInfo.shape.slice(0, -2), bInfo.shape.slice(0, -2)),
      aInfo.shape[aInfo.shape.length - (transposeA ? 1 : 2)] as number,
      bInfo.shape[bInfo.shape.length - (transposeB ? 2 : 1)] as number,
    ];
    const vectorProduct = vectorProductOnHeap(aInfo, bInfo, transposeA, transposeB, outShape, backend);
    if (vectorProduct) return vectorProduct;
  }
  if (aInfo.dtype !== 'float32' || bInfo.dtype !== 'float32' || !takesFastPath(aInfo.shape, bInfo.shape, transposeA, transposeB)) {
    // Batch 1 untransposed goes to XNNPACK there: the right operand needs the same shape guard.
    if (batchOf(aInfo.shape) !== 1 || batchOf(bInfo.shape) !== 1 || transposeA || transposeB) return stockKernels().batchMatMul.kernelFunc(args);
    return tf.tidy(() => {
      const out = stockKernels().batchMatMul.kernelFunc({ ...args, inputs: { a: aInfo, b: rightOperand(bInfo) } }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(out);
    });
  }
  return tf.tidy(() =>
    product(input(inputs, 'a', 'BatchMatMul'), input(inputs, 'b', 'BatchMatMul'), transposeA, transposeB, backend as tf.KernelBackend),
  );
};

/**
 * _FusedMatMul for wasm (Dense forward: product + bias + activation): a transposed operand is
 * transposed physically so the stock fused kernel takes XNNPACK; batched calls keep the stock
 * kernel (the layers flatten their inputs to 2-D first).
 */
export const fastFusedMatMul: tf.KernelFunc = (args) => {
  const { inputs, attrs, backend } = args;
  const fusedAttrs = attrs as unknown as tf._FusedMatMulAttrs;
  const aInfo = inputs['a'] as tf.TensorInfo;
  const bInfo = inputs['b'] as tf.TensorInfo;
  const transposed = fusedAttrs.transposeA || fusedAttrs.transposeB;
  if (batchOf(aInfo.shape) !== 1 || batchOf(bInfo.shape) !== 1) return stockKernels().fusedMatMul.kernelFunc(args);
  if (!transposed) {
    return tf.tidy(() => {
      const out = stockKernels().fusedMatMul.kernelFunc({ ...args, inputs: { ...inputs, b: rightOperand(bInfo) } }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(out);
    });
  }
  return tf.tidy(() => {
    const a = input(inputs, 'a', '_FusedMatMul');
    const b = input(inputs, 'b', '_FusedMatMul');
    // The stock kernel reads rank-3 operands.
    const a3 = tf.expandDims(as2d(a, fusedAttrs.transposeA), 0);
    const b3 = rightOperand(tf.expandDims(as2d(b, fusedAttrs.transposeB), 0));
    const out = stockKernels().fusedMatMul.kernelFunc({
      inputs: { ...inputs, a: a3, b: b3 },
      backend,
      attrs: { ...fusedAttrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(out);
  });
};

/** Registers the fast matmul kernels for wasm (idempotent; keeps the stock kernels' setup). */
export function registerWasmFastMatMul(): void {
  const { batchMatMul, fusedMatMul } = stockKernels();
  for (const [config, kernelFunc] of [
    [batchMatMul, fastBatchMatMul],
    [fusedMatMul, fastFusedMatMul],
  ] as const) {
    if (tf.getKernel(config.kernelName, 'wasm')?.kernelFunc === kernelFunc) continue;
    tf.unregisterKernel(config.kernelName, 'wasm');
    // The stock setup binds the wasm function the stock kernel calls: it must still run when
    // the backend initialises after this registration.
    tf.registerKernel({ ...config, kernelFunc });
  }
}

/** Puts the stock kernels back (for side-by-side measurement and tests). */
export function unregisterWasmFastMatMul(): void {
  if (!stock) return;
  for (const config of [stock.batchMatMul, stock.fusedMatMul]) {
    if (tf.getKernel(config.kernelName, 'wasm')?.kernelFunc === config.kernelFunc) continue;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}
