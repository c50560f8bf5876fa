/** Shape rules of the merge layers: inputs arrive in wire order on one `multiple` port. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, NO_PARAMS, type BackendExample, OUT_PORT, type LayerDecl, type PortSpec, type ShapeContext, type SymbolicTensor } from '../../decl';
import { dimsCompatible, formatShape, ShapeError, type Dim, type Shape } from '../../../shapes/shape';

export const MERGE_IN_PORT: readonly PortSpec[] = [
  { name: 'in', multiple: true, help: 'Two or more tensors; their order is the order of the wires.' },
];

/** All shapes at the `in` port; at least two. */
export function mergeInputs(ctx: ShapeContext<unknown>, layer: string): readonly Shape[] {
  const shapes = ctx.inputs.in ?? [];
  if (shapes.length < 2) {
    throw new ShapeError(`${layer} needs at least 2 inputs but got ${shapes.length}; wire another tensor into it`, 'in');
  }
  return shapes;
}

/** One dimension from several that agree: a known size wins over a symbolic one. */
export function mergeDim(dims: readonly Dim[]): Dim {
  return dims.find((d) => d !== null) ?? null;
}

/** The element-wise merge rule: every input has the same shape (symbolic axes match anything). */
export function sameShapes(shapes: readonly Shape[], layer: string, names?: readonly string[]): Shape {
  const first = shapes[0] as Shape;
  shapes.forEach((shape, i) => {
    const same = shape.length === first.length && shape.every((d, j) => dimsCompatible(d, first[j] ?? null));
    if (same) return;
    const which = names ? `${formatShape(first)} (${names[0]}) and ${formatShape(shape)} (${names[i]})` : `${formatShape(first)} and ${formatShape(shape)} (input ${i + 1})`;
    throw new ShapeError(
      `${layer} needs all inputs the same shape but got ${which}; add a Dense or Reshape on one branch so they match`,
      names ? names[i] : 'in',
    );
  });
  return first.map((_, j) => mergeDim(shapes.map((s) => s[j] ?? null)));
}

type TfjsMerge = (args?: { name?: string }) => tfl.layers.Layer;

/** Add, Multiply, Average: the tfjs merge layer of the same name, applied to the wires in order. */
export function defineElementwise(type: string, description: string, factory: TfjsMerge, backendExamples: readonly BackendExample[]): LayerDecl {
  return defineLayer({
    type,
    kind: 'layer',
    category: 'Merge',
    description,
    params: {},
    inputs: MERGE_IN_PORT,
    outputs: OUT_PORT,
    backendExamples,
    inferShapes: (ctx) => ({ out: sameShapes(mergeInputs(ctx, type), type) }),
    countParams: () => NO_PARAMS,
    flops(ctx) {
      // One operation per element per extra input.
      const out = ctx.outputs.out ?? [];
      return (mergeInputs(ctx, type).length - 1) * out.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
    },
    build({ name, inputs }) {
      const tensors = inputs.in ?? [];
      return { out: factory({ name }).apply([...tensors]) as SymbolicTensor };
    },
  });
}
