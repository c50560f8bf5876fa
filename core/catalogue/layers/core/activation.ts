import * as tfl from '@tensorflow/tfjs-layers';
import { ACTIVATIONS } from '../../activations';
import { LeakyReLULayer } from '../../leaky-relu';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { requireRank } from '../../../shapes/shape';

export const activation = defineLayer({
  type: 'Activation',
  kind: 'layer',
  category: 'Core',
  description: 'Applies an activation function element-wise (softmax: over the last axis). No weights; the shape is unchanged.',
  params: {
    activation: param.enum({
      options: ACTIVATIONS,
      default: 'relu',
      label: 'Activation',
      help: 'The function to apply. softmax normalizes over the last axis; linear passes values through.',
      card: true,
    }),
    alpha: param.float({
      default: 0.3,
      min: 0,
      max: 1,
      label: 'Leaky slope',
      help: 'Slope for negative inputs, used by leakyRelu only (Keras default 0.3; PyTorch uses 0.01).',
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  // Every activation: each has its own gradient kernels (erf for gelu, softplus, selu...).
  backendExamples: ACTIVATIONS.map((activation) => ({ params: { activation, alpha: 0.2 }, inputs: { in: oneInput([5]) } })),
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireRank(x, { min: 2 }, 'Activation', '', 'in');
    return { out: x };
  },
  countParams: () => NO_PARAMS,
  build({ params, name, inputs }) {
    const layer =
      params.activation === 'leakyRelu'
        ? new LeakyReLULayer({ alpha: params.alpha, name })
        : tfl.layers.activation({ activation: params.activation, name });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
