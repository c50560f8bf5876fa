import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { affineParams, affineShapeRules, axisParam, axisRule } from './axis';

export const batchNorm = defineLayer({
  type: 'BatchNorm',
  kind: 'layer',
  category: 'Normalization',
  description:
    'Batch normalization (Keras BatchNormalization): normalizes each channel with the batch statistics while training and with moving averages at inference, then scales and shifts.',
  params: {
    axis: axisParam('The channels axis, counted with the batch as axis 0; -1 is the last axis, the channels of an NHWC image.'),
    momentum: param.float({
      default: 0.99,
      min: 0,
      max: 1,
      label: 'Momentum',
      help: 'Keras convention: moving = momentum * moving + (1 - momentum) * batch statistic. PyTorch momentum 0.1 is Keras 0.9.',
    }),
    ...affineParams('channel'),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => axisRule(p.axis),
  backendExamples: [{ params: {}, inputs: { in: oneInput([3, 4]) } }],
  // gamma and beta learn; the moving mean and variance are updated, not trained.
  ...affineShapeRules('BatchNorm', 2),
  build({ params, name, inputs }) {
    const layer = tfl.layers.batchNormalization({
      axis: params.axis,
      momentum: params.momentum,
      epsilon: params.epsilon,
      center: params.center,
      scale: params.scale,
      name,
    });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
