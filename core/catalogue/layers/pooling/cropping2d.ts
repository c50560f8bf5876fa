import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { formatShape, ShapeError, type Dim, type Shape } from '../../../shapes/shape';
import { requireImage } from '../convolution/spatial';
import { sidesParam, sidesRule, toSides } from './sides';

function cropped(x: Shape, n: Dim, first: number, second: number, axis: 'height' | 'width'): Dim {
  if (n === null) return null;
  const remaining = n - first - second;
  if (remaining >= 1) return remaining;
  const [a, b] = axis === 'height' ? ['top', 'bottom'] : ['left', 'right'];
  const unit = axis === 'height' ? 'rows' : 'columns';
  throw new ShapeError(
    `Cropping2D removes ${first + second} ${unit} (${first} ${a} + ${second} ${b}) but the input ${axis} is ${n} in ${formatShape(x)}; crop less so at least 1 remains`,
    'in',
  );
}

export const cropping2d = defineLayer({
  type: 'Cropping2D',
  kind: 'layer',
  category: 'Pooling',
  description: 'Removes rows and columns at the borders of each image (channels-last): [batch, h, w, c] -> [batch, h - top - bottom, w - left - right, c].',
  params: { cropping: sidesParam('remove', 'Cropping', [0]) },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => sidesRule(p.cropping, 'cropping'),
  backendExamples: [{ params: { cropping: [1] }, inputs: { in: oneInput([4, 4, 2]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireImage(x, 'Cropping2D');
    const [[top, bottom], [left, right]] = toSides(ctx.params.cropping);
    return { out: [null, cropped(x, x[1] ?? null, top, bottom, 'height'), cropped(x, x[2] ?? null, left, right, 'width'), x[3] ?? null] };
  },
  countParams: () => NO_PARAMS,
  build({ params, name, inputs }) {
    const layer = tfl.layers.cropping2D({ cropping: toSides(params.cropping), name });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
