/**
 * Shape arithmetic shared by the convolution and pooling layers (channels-last: NWC and NHWC),
 * with the error messages that tell the user what to change.
 */
import { param } from '../../params';
import { formatShape, ShapeError, type Dim, type Shape } from '../../../shapes/shape';

export const PADDINGS = ['valid', 'same'] as const;
export type Padding = (typeof PADDINGS)[number];

export function paddingParam() {
  return param.enum({
    options: PADDINGS,
    default: 'valid',
    label: 'Padding',
    help: "'valid': no padding, the window only visits positions where it fits, so the output shrinks. 'same': zero padding so that the output length is ceil(input / stride).",
    card: true,
  });
}

/** Output length of a sliding window (tfjs' and Keras' rule). Symbolic lengths stay symbolic. */
export function convOutputLength(n: Dim, kernel: number, stride: number, padding: Padding, dilation = 1): Dim {
  if (n === null) return null;
  if (padding === 'same') return Math.ceil(n / stride);
  const span = (kernel - 1) * dilation + 1;
  return Math.floor((n - span) / stride) + 1;
}

/** Output length of a transposed convolution (tfjs' deconvLength; Keras' with output_padding None). */
export function deconvOutputLength(n: Dim, kernel: number, stride: number, padding: Padding): Dim {
  if (n === null) return null;
  return padding === 'same' ? n * stride : n * stride + Math.max(kernel - stride, 0);
}

/** `[3]` means 3 along both axes, `[3, 5]` means 3 along the height and 5 along the width. */
export function pair(values: readonly number[]): [number, number] {
  const first = values[0] ?? 1;
  return [first, values[1] ?? first];
}

/**
 * With padding 'valid', a window longer than the axis leaves nothing to compute.
 * `what` is e.g. "Conv2D kernel" or "MaxPool2D pool".
 */
export function requireWindowFits(
  what: string,
  axis: string,
  n: Dim,
  size: number,
  padding: Padding,
  dilation = 1,
  remedy = "use padding 'same' or a smaller kernel",
): void {
  if (n === null || padding === 'same') return;
  const span = (size - 1) * dilation + 1;
  if (span <= n) return;
  const spanText = dilation > 1 ? `${size} (dilation ${dilation}: spans ${span})` : String(size);
  throw new ShapeError(`${what} ${spanText} is larger than the input ${axis} ${n} with padding 'valid'; ${remedy}`, 'in');
}

/**
 * Height and width after a 2D window (kernel or pool) over an image [batch, h, w, c], once a 'valid'
 * window is known to fit; `what` names the window in the error ("Conv2D kernel").
 */
export function windowOutput2d(
  what: string,
  x: Shape,
  [kh, kw]: readonly [number, number],
  [sh, sw]: readonly [number, number],
  padding: Padding,
  [dh, dw]: readonly [number, number] = [1, 1],
  remedy?: string,
): [Dim, Dim] {
  requireWindowFits(what, 'height', x[1] ?? null, kh, padding, dh, remedy);
  requireWindowFits(what, 'width', x[2] ?? null, kw, padding, dw, remedy);
  return [convOutputLength(x[1] ?? null, kh, sh, padding, dh), convOutputLength(x[2] ?? null, kw, sw, padding, dw)];
}

/** The tfjs arguments of a 2D convolution's window, with one-number sizes made pairs. */
export function conv2dWindowArgs(p: { filters: number; kernelSize: readonly number[]; strides: readonly number[]; padding: Padding; dilationRate: readonly number[] }) {
  return { filters: p.filters, kernelSize: pair(p.kernelSize), strides: pair(p.strides), padding: p.padding, dilationRate: pair(p.dilationRate) };
}

function squareSide(n: number): number | null {
  const side = Math.round(Math.sqrt(n));
  return side * side === n ? side : null;
}

/** Layers on images: [batch, height, width, channels], with a Reshape suggested from what arrived. */
export function requireImage(shape: Shape, layer: string): void {
  if (shape.length === 4) {
    if (shape[3] === null) {
      throw new ShapeError(`${layer} needs a known number of channels (last axis) but got ${formatShape(shape)}`, 'in');
    }
    return;
  }
  let hint = 'images are channels-last: add a Reshape to [height, width, channels] before it';
  const features = shape.length === 2 ? shape[1] : null;
  if (features !== null && features !== undefined) {
    const grey = squareSide(features);
    const rgb = features % 3 === 0 ? squareSide(features / 3) : null;
    if (grey !== null) hint = `add a Reshape to [${grey}, ${grey}, 1] before it`;
    else if (rgb !== null) hint = `add a Reshape to [${rgb}, ${rgb}, 3] before it`;
  } else if (shape.length === 3 && shape[1] !== null && shape[2] !== null) {
    hint = `add a Reshape to [${shape[1]}, ${shape[2]}, 1] before it (one channel; images are channels-last), or for sequences [batch, steps, channels] use the 1D version of this layer`;
  } else if (shape.length === 3) {
    hint = 'for sequences [batch, steps, channels] use the 1D version of this layer';
  }
  throw new ShapeError(
    `${layer} expects rank 4 [batch, height, width, channels] but got ${formatShape(shape)}; ${hint}`,
    'in',
  );
}

/** Layers on sequences: [batch, steps, channels]. */
export function requireSequence(shape: Shape, layer: string): void {
  if (shape.length === 3) {
    if (shape[2] === null) {
      throw new ShapeError(`${layer} needs a known number of channels (last axis) but got ${formatShape(shape)}`, 'in');
    }
    return;
  }
  let hint = 'add a Reshape to [steps, channels] before it';
  const features = shape.length === 2 ? shape[1] : null;
  if (features !== null && features !== undefined) hint = `add a Reshape to [${features}, 1] before it (one channel per step)`;
  else if (shape.length === 4) hint = 'for images [batch, height, width, channels] use the 2D version of this layer';
  throw new ShapeError(`${layer} expects rank 3 [batch, steps, channels] but got ${formatShape(shape)}; ${hint}`, 'in');
}

/** tfjs' convolution kernels refuse a stride and a dilation both above 1 (checked per layer). */
export function stridesDilationRule(strides: readonly number[], dilation: readonly number[]): string[] {
  return strides.some((s) => s > 1) && dilation.some((d) => d > 1)
    ? ['strides and dilationRate cannot both be above 1 (tfjs refuses it); set one of them to 1']
    : [];
}

/** Product of the known dims; symbolic ones count as 1, like Dense's FLOPs. */
export function knownProduct(dims: readonly Dim[]): number {
  return dims.reduce<number>((acc, d) => acc * (d ?? 1), 1);
}
