import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { featureSize, formatShape, requireRank, ShapeError } from '../../../shapes/shape';

export const flatten = defineLayer({
  type: 'Flatten',
  kind: 'layer',
  category: 'Core',
  description: 'Flattens each sample to one vector: [batch, 28, 28, 1] -> [batch, 784].',
  params: {},
  inputs: IN_PORT,
  outputs: OUT_PORT,
  backendExamples: [{ params: {}, inputs: { in: oneInput([2, 3, 2]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireRank(x, { min: 3 }, 'Flatten', 'the input is already flat; remove the Flatten', 'in');
    const size = featureSize(x);
    if (size === null) {
      throw new ShapeError(`Flatten needs every dimension after the batch known but got ${formatShape(x)}`, 'in');
    }
    return { out: [null, size] };
  },
  countParams: () => NO_PARAMS,
  build: (ctx) => ({ out: tfl.layers.flatten({ name: ctx.name }).apply(inputTensor(ctx)) as SymbolicTensor }),
});
