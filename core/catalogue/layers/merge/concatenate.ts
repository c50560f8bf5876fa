import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, NO_PARAMS, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { dimsCompatible, formatShape, ShapeError, type Shape } from '../../../shapes/shape';
import { MERGE_IN_PORT, mergeDim, mergeInputs } from './elementwise';

export const concatenate = defineLayer({
  type: 'Concatenate',
  kind: 'layer',
  category: 'Merge',
  description: 'Joins two or more tensors along one axis (default: the last, the features or channels); the other axes must agree.',
  params: {
    axis: param.int({
      default: -1,
      min: -6,
      max: 6,
      label: 'Axis',
      help: 'The axis to join along, counted with the batch as axis 0 (Keras); -1 is the last axis. Inputs are joined in wire order.',
      card: true,
    }),
  },
  inputs: MERGE_IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => (p.axis === 0 ? ['axis 0 is the batch axis; use -1 to join the features (or channels) of each sample'] : []),
  backendExamples: [{ params: { axis: -1 }, inputs: { in: [{ shape: [2, 3] }, { shape: [2, 2] }] } }],
  inferShapes(ctx) {
    const shapes = mergeInputs(ctx, 'Concatenate');
    const first = shapes[0] as Shape;
    const rank = first.length;
    shapes.forEach((shape, i) => {
      if (shape.length !== rank) {
        throw new ShapeError(
          `Concatenate needs inputs of the same rank but got ${formatShape(first)} and ${formatShape(shape)} (input ${i + 1}); add a Reshape or Flatten on one branch`,
          'in',
        );
      }
    });
    const { axis } = ctx.params;
    const index = axis < 0 ? rank + axis : axis;
    if (index < 1 || index >= rank) {
      throw new ShapeError(`Concatenate axis ${axis} does not exist in ${formatShape(first)}; use -1 for the last axis or 1..${rank - 1}`, 'in');
    }
    shapes.forEach((shape, i) => {
      const differing = shape.findIndex((d, j) => j !== index && !dimsCompatible(d, first[j] ?? null));
      if (differing < 0) return;
      throw new ShapeError(
        `Concatenate along axis ${axis} needs the other axes equal but got ${formatShape(first)} and ${formatShape(shape)} (input ${i + 1}); axis ${differing} differs (${first[differing]} vs ${shape[differing]})`,
        'in',
      );
    });
    const joined = shapes.map((s) => s[index] ?? null);
    return {
      out: first.map((_, j) =>
        j === index ? (joined.includes(null) ? null : (joined as number[]).reduce((a, b) => a + b, 0)) : mergeDim(shapes.map((s) => s[j] ?? null)),
      ),
    };
  },
  countParams: () => NO_PARAMS,
  build({ params, name, inputs }) {
    const tensors = [...(inputs.in ?? [])];
    // tfjs 4.22 resolves a negative axis for the shape but concatenates along the LAST axis for any
    // negative one at run time; a positive axis is right in both.
    const rank = tensors[0]?.shape.length ?? 0;
    const axis = params.axis < 0 ? rank + params.axis : params.axis;
    return { out: tfl.layers.concatenate({ axis, name }).apply(tensors) as SymbolicTensor };
  },
});
