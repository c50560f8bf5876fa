/** The feature axis a normalization layer keeps per-channel parameters for (Keras: the batch is axis 0). */
import { param } from '../../params';
import { formatShape, ShapeError, type Shape } from '../../../shapes/shape';

export function axisParam(help: string) {
  return param.int({ default: -1, min: -8, max: 8, label: 'Axis', help });
}

export function axisRule(axis: number): string[] {
  return axis === 0 ? ['axis 0 is the batch axis; use -1 for the last (channels) axis or 1.. for another feature axis'] : [];
}

/** The size of the feature axis, which sets the number of parameters; it must be known. */
export function featureAxisSize(shape: Shape, axis: number, layer: string): number {
  const rank = shape.length;
  if (rank < 2) throw new ShapeError(`${layer} needs an input with a feature axis but got ${formatShape(shape)}`, 'in');
  const index = axis < 0 ? rank + axis : axis;
  if (index < 1 || index >= rank) {
    throw new ShapeError(
      `${layer} axis ${axis} does not exist in ${formatShape(shape)} (rank ${rank}); use -1 for the last axis or 1..${rank - 1}`,
      'in',
    );
  }
  const size = shape[index];
  if (size === null || size === undefined) {
    throw new ShapeError(`${layer} needs a known size on axis ${axis} but got ${formatShape(shape)}`, 'in');
  }
  return size;
}
