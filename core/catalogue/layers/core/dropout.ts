import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { requireRank } from '../../../shapes/shape';

export const dropout = defineLayer({
  type: 'Dropout',
  kind: 'layer',
  category: 'Core',
  description: 'During training, sets a random fraction `rate` of the units to 0 and scales the rest by 1 / (1 - rate); does nothing at inference.',
  params: {
    rate: param.float({
      default: 0.5,
      min: 0,
      max: 1,
      label: 'Rate',
      help: 'Probability of DROPPING each unit (Keras and PyTorch convention), not the probability of keeping it. 0.2 drops 20%.',
      card: true,
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) =>
    p.rate >= 1 ? [`rate ${p.rate} would drop every unit; rate is the probability of dropping a unit, so use a value below 1`] : [],
  backendExamples: [{ params: { rate: 0.4 }, inputs: { in: oneInput([6]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireRank(x, { min: 2 }, 'Dropout', '', 'in');
    return { out: x };
  },
  countParams: () => NO_PARAMS,
  build: ({ params, name, inputs }) => ({
    out: tfl.layers.dropout({ rate: params.rate, name }).apply(inputTensor({ params, name, inputs })) as SymbolicTensor,
  }),
});
