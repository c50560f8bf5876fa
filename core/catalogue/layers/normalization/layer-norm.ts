import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { affineParams, affineShapeRules, axisParam, axisRule } from './axis';

export const layerNorm = defineLayer({
  type: 'LayerNorm',
  kind: 'layer',
  category: 'Normalization',
  description:
    'Layer normalization (Keras LayerNormalization): normalizes each sample over its feature axis, the same in training and inference, then scales and shifts. Used in Transformers.',
  params: {
    axis: axisParam('The axis normalized over, counted with the batch as axis 0; -1 is the last (feature) axis.'),
    ...affineParams('feature'),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => axisRule(p.axis),
  backendExamples: [{ params: {}, inputs: { in: oneInput([3, 4]) } }],
  ...affineShapeRules('LayerNorm', 0),
  build({ params, name, inputs }) {
    const layer = tfl.layers.layerNormalization({
      axis: params.axis,
      epsilon: params.epsilon,
      center: params.center,
      scale: params.scale,
      name,
    });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
