/** What BatchNorm and LayerNorm share: the feature axis they keep parameters for (Keras: the batch is axis 0), epsilon, center and scale. */
import { inputShape, type ShapeContext } from '../../decl';
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

/** epsilon, center and scale, in the inspector's order; `per` names what beta and gamma are learned for. */
export function affineParams(per: 'channel' | 'feature') {
  return {
    epsilon: param.float({
      default: 1e-3,
      min: 0,
      exclusiveMin: true,
      label: 'Epsilon',
      help: 'Added to the variance before the square root (Keras default 1e-3; PyTorch uses 1e-5).',
    }),
    center: param.bool({ default: true, label: 'Center', help: `Learn a shift beta per ${per}.` }),
    scale: param.bool({ default: true, label: 'Scale', help: `Learn a scale gamma per ${per}.` }),
  };
}

/**
 * The output has the input's shape; beta and gamma learn one value per feature-axis entry each (when
 * center / scale), and `nonTrainablePerFeature` more are kept per entry (BatchNorm's moving mean and variance).
 */
export function affineShapeRules(layer: string, nonTrainablePerFeature: number) {
  type P = { axis: number; center: boolean; scale: boolean };
  return {
    inferShapes(ctx: ShapeContext<P>) {
      const x = inputShape(ctx);
      featureAxisSize(x, ctx.params.axis, layer);
      return { out: x };
    },
    countParams(ctx: ShapeContext<P>) {
      const size = featureAxisSize(inputShape(ctx), ctx.params.axis, layer);
      return { trainable: (Number(ctx.params.center) + Number(ctx.params.scale)) * size, nonTrainable: nonTrainablePerFeature * size };
    },
  };
}
