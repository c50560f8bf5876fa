import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { axisParam, axisRule, featureAxisSize } from './axis';

export const layerNorm = defineLayer({
  type: 'LayerNorm',
  kind: 'layer',
  category: 'Normalization',
  description:
    'Layer normalization (Keras LayerNormalization): normalizes each sample over its feature axis, the same in training and inference, then scales and shifts. Used in Transformers.',
  params: {
    axis: axisParam('The axis normalized over, counted with the batch as axis 0; -1 is the last (feature) axis.'),
    epsilon: param.float({
      default: 1e-3,
      min: 0,
      exclusiveMin: true,
      label: 'Epsilon',
      help: 'Added to the variance before the square root (Keras default 1e-3; PyTorch uses 1e-5).',
    }),
    center: param.bool({ default: true, label: 'Center', help: 'Learn a shift beta per feature.' }),
    scale: param.bool({ default: true, label: 'Scale', help: 'Learn a scale gamma per feature.' }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => axisRule(p.axis),
  backendExamples: [{ params: {}, inputs: { in: oneInput([3, 4]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    featureAxisSize(x, ctx.params.axis, 'LayerNorm');
    return { out: x };
  },
  countParams(ctx) {
    const features = featureAxisSize(inputShape(ctx), ctx.params.axis, 'LayerNorm');
    return { trainable: (Number(ctx.params.center) + Number(ctx.params.scale)) * features, nonTrainable: 0 };
  },
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
