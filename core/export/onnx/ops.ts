/** Small building blocks shared by the rules: activations, layouts, weight permutations. */
import { attr, type GraphBuilder } from './builder';
import { OnnxExportError, type LayerWeight } from './context';

/** tfjs activation (its serialized class name) applied to `x`. */
export function activation(b: GraphBuilder, x: string, name: string): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return b.op('Relu', [x]);
    case 'relu6':
      return b.op('Clip', [x, b.scalar(0), b.scalar(6)]);
    case 'sigmoid':
      return b.op('Sigmoid', [x]);
    case 'hardSigmoid':
      // tfjs: clip(0.2 x + 0.5, 0, 1), ONNX HardSigmoid's own defaults.
      return b.op('HardSigmoid', [x], { alpha: attr.float(0.2), beta: attr.float(0.5) });
    case 'tanh':
      return b.op('Tanh', [x]);
    case 'softmax':
      return b.op('Softmax', [x], { axis: attr.int(-1) });
    case 'logSoftmax':
      return b.op('LogSoftmax', [x], { axis: attr.int(-1) });
    case 'elu':
      return b.op('Elu', [x], { alpha: attr.float(1) });
    case 'selu':
      return b.op('Selu', [x]);
    case 'softplus':
      return b.op('Softplus', [x]);
    case 'softsign':
      return b.op('Softsign', [x]);
    case 'swish':
      return b.op('Mul', [b.op('Sigmoid', [x]), x]);
    case 'gelu': {
      // tfjs: x · 0.5 · (1 + erf(x / sqrt 2)) (the exact GELU; ONNX Gelu needs opset 20).
      const erf = b.op('Erf', [b.op('Div', [x, b.scalar(Math.SQRT2)])]);
      return b.op('Mul', [x, b.op('Mul', [b.scalar(0.5), b.op('Add', [b.scalar(1), erf])])]);
    }
    default:
      throw new OnnxExportError(`activation "${name}" has no ONNX rule`);
  }
}

/** The serialized activation name in a tfjs config ('linear' when absent). */
export function activationName(config: Readonly<Record<string, unknown>>, key = 'activation'): string {
  const v = config[key];
  return typeof v === 'string' ? v : 'linear';
}

/** Element order of a row-major array after permuting its axes (like np.transpose). */
export function permute(w: LayerWeight, perm: readonly number[]): LayerWeight {
  const shape = perm.map((p) => w.shape[p] as number);
  const strides = w.shape.map((_, i) => w.shape.slice(i + 1).reduce((a, d) => a * d, 1));
  const out = new Float32Array(w.values.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < shape.length; k++) src += (index[k] as number) * (strides[perm[k] as number] as number);
    out[o] = w.values[src] as number;
    for (let k = shape.length - 1; k >= 0; k--) {
      index[k] = (index[k] as number) + 1;
      if ((index[k] as number) < (shape[k] as number)) break;
      index[k] = 0;
    }
  }
  return { values: out, shape };
}

/** channels-last -> channels-first for a rank-r tensor: [0, r-1, 1, ..., r-2]. */
export function toChannelsFirst(b: GraphBuilder, x: string, rank: number): string {
  const perm = [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
  return b.op('Transpose', [x], { perm: attr.ints(perm) });
}

/** channels-first -> channels-last: [0, 2, ..., r-1, 1]. */
export function toChannelsLast(b: GraphBuilder, x: string, rank: number): string {
  const perm = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
  return b.op('Transpose', [x], { perm: attr.ints(perm) });
}

/**
 * Begin/end padding per spatial axis for tfjs' padding: 'valid' none; 'same' pads
 * max((ceil(n / s) - 1) s + (k - 1) d + 1 - n, 0) in total with the odd element at the end
 * (TensorFlow's rule, which is asymmetric when the total is odd); 'causal' all at the start.
 */
export function convPads(padding: string, sizes: readonly (number | null)[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): number[] {
  const begin: number[] = [];
  const end: number[] = [];
  sizes.forEach((n, i) => {
    const k = kernel[i] as number;
    const s = strides[i] as number;
    const d = dilations[i] as number;
    const span = (k - 1) * d + 1;
    if (padding === 'valid') {
      begin.push(0);
      end.push(0);
    } else if (padding === 'causal') {
      begin.push(span - 1);
      end.push(0);
    } else if (padding === 'same') {
      if (n === null) throw new OnnxExportError("'same' padding needs a known input size to export");
      const total = Math.max((Math.ceil(n / s) - 1) * s + span - n, 0);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    } else {
      throw new OnnxExportError(`padding "${padding}" has no ONNX rule`);
    }
  });
  return [...begin, ...end];
}

export function numberList(v: unknown, length: number, fallback: number): number[] {
  if (typeof v === 'number') return new Array<number>(length).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  return new Array<number>(length).fill(fallback);
}

/** x · W (+ bias) on the last axis of a tensor of any rank. */
export function linear(b: GraphBuilder, x: string, kernel: string, bias?: string): string {
  const y = b.op('MatMul', [x, kernel]);
  return bias ? b.op('Add', [y, bias]) : y;
}

/** Zeros [batch, units] with the batch of `x` (any rank, batch first). */
export function zerosLike2d(b: GraphBuilder, x: string, units: number): string {
  const batch = b.op('Slice', [b.op('Shape', [x]), b.constant([0]), b.constant([1])]);
  const shape = b.op('Concat', [batch, b.constant([units])], { axis: attr.int(0) });
  return b.op('ConstantOfShape', [shape]);
}

/** Reverses axis 1 (time) of a tensor. */
export function reverseTime(b: GraphBuilder, x: string): string {
  return b.op('Slice', [x, b.constant([-1]), b.constant([Number.MIN_SAFE_INTEGER]), b.constant([1]), b.constant([-1])]);
}
