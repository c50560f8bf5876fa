/**
 * Keras' Dot: the dot product of two tensors along one axis of each, per sample (tfjs' own Dot
 * layer, so models save and load as `Dot`). The Luong attention of tfjs-examples' date conversion
 * is written with it: scores = Dot([decoder, encoder], axes 2), softmax, context = Dot([weights, encoder], axes [2, 1]).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type PortSpec, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { formatShape, ShapeError, type Shape } from '../../../shapes/shape';

const PORTS: readonly PortSpec[] = [
  { name: 'a', help: 'First tensor, [batch, n] or [batch, steps, n].' },
  { name: 'b', help: 'Second tensor, [batch, n] or [batch, steps, n].' },
];

/** The axes of a and b, counted with the batch as axis 0 (negative from the end). */
function axesOf(axes: readonly number[], rankA: number, rankB: number): [number, number] {
  const [first = -1, second = first] = axes;
  const resolve = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
  return [resolve(first, rankA), resolve(second, rankB)];
}

/** tfjs' Dot (and Keras'): a without its axis, then b without its axis and batch; a lone batch gets a 1. */
export function dotOutputShape(a: Shape, b: Shape, axes: readonly number[]): Shape {
  for (const [shape, port] of [
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    if (shape.length < 2 || shape.length > 3) {
      throw new ShapeError(`Dot takes [batch, n] or [batch, steps, n] (tfjs has no Dot of rank 4 or more) but ${port} is ${formatShape(shape)}; reshape it first`, port);
    }
  }
  const [axisA, axisB] = axesOf(axes, a.length, b.length);
  for (const [axis, shape, port] of [
    [axisA, a, 'a'],
    [axisB, b, 'b'],
  ] as const) {
    if (axis < 1 || axis >= shape.length) {
      throw new ShapeError(`Dot axis ${axis} of ${port} ${formatShape(shape)} is not a feature axis; use 1..${shape.length - 1} or -1`, port);
    }
  }
  if (a[axisA] !== b[axisB]) {
    throw new ShapeError(
      `Dot multiplies axis ${axisA} of a ${formatShape(a)} with axis ${axisB} of b ${formatShape(b)}, but their sizes differ (${a[axisA] ?? 'variable'} vs ${b[axisB] ?? 'variable'}); choose axes of the same size`,
      'b',
    );
  }
  const out = [...a.slice(0, axisA), ...a.slice(axisA + 1), ...b.slice(1, axisB), ...b.slice(axisB + 1)];
  return out.length === 1 ? [...out, 1] : out;
}

export const dot = defineLayer({
  type: 'Dot',
  kind: 'layer',
  category: 'Merge',
  description:
    'Dot product of a and b along one axis of each, per sample (Keras Dot): [batch, n]·[batch, n] -> [batch, 1]; [batch, t, n]·[batch, s, n] with axes 2 -> [batch, t, s] (attention scores).',
  params: {
    axes: param.ints({
      default: [-1],
      minLength: 1,
      maxLength: 2,
      min: -3,
      max: 2,
      label: 'Axes',
      help: 'The axis multiplied away, counted with the batch as axis 0 (-1: the last): one number for both inputs, or [axis of a, axis of b].',
      card: true,
    }),
    normalize: param.bool({
      default: false,
      label: 'Normalize',
      help: 'L2-normalize a and b along their axes first, so the result is the cosine similarity.',
      card: true,
    }),
  },
  inputs: PORTS,
  outputs: OUT_PORT,
  validateParams: (p) => (p.axes.some((a) => a === 0) ? ['axis 0 is the batch axis; the dot product is taken along a feature axis (1, 2 or -1)'] : []),
  backendExamples: [
    { params: { axes: [2] }, inputs: { a: oneInput([3, 4]), b: oneInput([5, 4]) } },
    { params: { axes: [2, 1], normalize: true }, inputs: { a: oneInput([3, 5]), b: oneInput([5, 4]) } },
    { params: { axes: [-1], normalize: true }, inputs: { a: oneInput([4]), b: oneInput([4]) } },
  ],
  inferShapes: (ctx) => ({ out: dotOutputShape(inputShape(ctx, 'a'), inputShape(ctx, 'b'), ctx.params.axes) }),
  countParams: () => NO_PARAMS,
  flops(ctx) {
    const a = inputShape(ctx, 'a');
    const [axisA] = axesOf(ctx.params.axes, a.length, inputShape(ctx, 'b').length);
    const out = ctx.outputs.out ?? [];
    return 2 * (a[axisA] ?? 1) * out.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
  },
  build(ctx) {
    const a = inputTensor(ctx, 'a');
    const b = inputTensor(ctx, 'b');
    const [first = -1] = ctx.params.axes;
    // tfjs resolves a negative axis of a pair only when both are negative (it indexes the shapes
    // with them as given): [1, -1] failed to build, so a pair is passed resolved.
    const axes = ctx.params.axes.length === 1 ? first : axesOf(ctx.params.axes, a.shape.length, b.shape.length);
    const layer = tfl.layers.dot({ axes, normalize: ctx.params.normalize, name: ctx.name });
    return { out: layer.apply([a, b]) as SymbolicTensor };
  },
});
