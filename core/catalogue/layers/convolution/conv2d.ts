import * as tfl from '@tensorflow/tfjs-layers';
import { activationParam, applyTrailingActivation, fusedActivation } from '../../activations';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type ShapeContext, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { formatShape, ShapeError, type Shape } from '../../../shapes/shape';
import { conv2dLayer } from './dilated';
import { filtersParam, stridesPaddingDilation2d, useBiasParam, windowParam2d } from './common-params';
import { conv2dWindowArgs, knownProduct, pair, requireImage, stridesDilationRule, windowOutput2d } from './spatial';

/** The image one step sees: the input itself, or [batch, h, w, c] of a sequence of images. */
function stepImage(ctx: ShapeContext<{ timeDistributed: boolean }>): { image: Shape; time: Shape[number] | undefined } {
  const x = inputShape(ctx);
  if (!ctx.params.timeDistributed) return { image: x, time: undefined };
  if (x.length !== 5) {
    throw new ShapeError(`Conv2D per time step needs a sequence of images [batch, time, height, width, channels] but got ${formatShape(x)}; turn "Per time step" off for single images`, 'in');
  }
  return { image: [null, ...x.slice(2)], time: x[1] };
}

export const conv2d = defineLayer({
  type: 'Conv2D',
  kind: 'layer',
  category: 'Convolution',
  description: 'Convolution over images (channels-last): [batch, height, width, channels] -> [batch, h\', w\', filters].',
  params: {
    filters: filtersParam(),
    kernelSize: windowParam2d('Kernel size', 'Window size: one number for a square kernel, or [height, width].', [3, 3], true),
    ...stridesPaddingDilation2d(),
    activation: activationParam('linear'),
    useBias: useBiasParam(),
    timeDistributed: param.bool({
      default: false,
      label: 'Per time step',
      help: "Apply the same convolution to every step of a sequence of images [batch, time, height, width, channels] (Keras' TimeDistributed(Conv2D)); the weights are shared across steps.",
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => stridesDilationRule(p.strides, p.dilationRate),
  backendExamples: [
    { params: { filters: 2, kernelSize: [3], strides: [2, 3], padding: 'same', activation: 'elu' }, inputs: { in: oneInput([5, 7, 2]) } },
    { params: { filters: 3, kernelSize: [2, 3], dilationRate: [2, 1], padding: 'valid' }, inputs: { in: oneInput([6, 5, 2]) } },
    { params: { filters: 2, kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', activation: 'relu' }, inputs: { in: oneInput([5, 6, 2]) } },
    { params: { filters: 2, kernelSize: [2, 2], strides: [2, 1], activation: 'tanh', timeDistributed: true }, inputs: { in: oneInput([3, 5, 4, 2]) } },
  ],
  inferShapes(ctx) {
    const { image: x, time } = stepImage(ctx);
    requireImage(x, 'Conv2D');
    const { padding, filters } = ctx.params;
    const [h, w] = windowOutput2d('Conv2D kernel', x, pair(ctx.params.kernelSize), pair(ctx.params.strides), padding, pair(ctx.params.dilationRate));
    const out: Shape = [null, h, w, filters];
    return { out: time === undefined ? out : [null, time, ...out.slice(1)] };
  },
  countParams(ctx) {
    const { image: x } = stepImage(ctx);
    requireImage(x, 'Conv2D');
    const [kh, kw] = pair(ctx.params.kernelSize);
    const { filters, useBias } = ctx.params;
    return { trainable: kh * kw * (x[3] as number) * filters + (useBias ? filters : 0), nonTrainable: 0 };
  },
  flops(ctx) {
    const [kh, kw] = pair(ctx.params.kernelSize);
    const { image, time } = stepImage(ctx);
    const channels = image[3] ?? 1;
    const out = ctx.outputs.out ?? [];
    const spatial = time === undefined ? out.slice(1, 3) : out.slice(2, 4);
    return 2 * kh * kw * channels * ctx.params.filters * knownProduct(spatial) * (time ?? 1);
  },
  build({ params, name, inputs }) {
    // Dilation > 1: a subclass whose gradients exist (tfjs 4.22 cannot differentiate dilated conv2d).
    const layer = conv2dLayer({
      ...conv2dWindowArgs(params),
      activation: fusedActivation(params.activation),
      useBias: params.useBias,
      name: params.timeDistributed ? `${name}_conv` : name,
    });
    // Keras' TimeDistributed: the wrapper is the model's layer (named after the node), the weights its conv's.
    const applied = params.timeDistributed ? tfl.layers.timeDistributed({ layer, name }) : layer;
    const out = applied.apply(inputTensor({ params, name, inputs })) as SymbolicTensor;
    return { out: applyTrailingActivation(out, params.activation, name) };
  },
});
