import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { requireImage } from '../convolution/spatial';
import { sidesParam, sidesRule, toSides } from './sides';

export const zeroPadding2d = defineLayer({
  type: 'ZeroPadding2D',
  kind: 'layer',
  category: 'Pooling',
  description: 'Adds rows and columns of zeros around each image (channels-last): [batch, h, w, c] -> [batch, h + top + bottom, w + left + right, c].',
  params: { padding: sidesParam('add', 'Padding', [1]) },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => sidesRule(p.padding, 'padding'),
  backendExamples: [{ params: { padding: [1, 2] }, inputs: { in: oneInput([2, 3, 2]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireImage(x, 'ZeroPadding2D');
    const [[top, bottom], [left, right]] = toSides(ctx.params.padding);
    const h = x[1] ?? null;
    const w = x[2] ?? null;
    return { out: [null, h === null ? null : h + top + bottom, w === null ? null : w + left + right, x[3] ?? null] };
  },
  countParams: () => NO_PARAMS,
  build({ params, name, inputs }) {
    const layer = tfl.layers.zeroPadding2d({ padding: toSides(params.padding), name });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
