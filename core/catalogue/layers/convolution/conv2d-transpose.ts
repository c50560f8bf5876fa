import * as tfl from '@tensorflow/tfjs-layers';
import { activationParam, applyTrailingActivation, fusedActivation } from '../../activations';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { filtersParam, useBiasParam, windowParam2d } from './common-params';
import { deconvOutputLength, knownProduct, pair, paddingParam, requireImage } from './spatial';

export const conv2dTranspose = defineLayer({
  type: 'Conv2DTranspose',
  kind: 'layer',
  category: 'Convolution',
  description:
    "Transposed convolution ('up-convolution', channels-last): with strides s the height and width grow about s times; used in decoders and generators.",
  params: {
    filters: filtersParam(),
    kernelSize: windowParam2d('Kernel size', 'Window size: one number for a square kernel, or [height, width].', [3, 3], true),
    strides: windowParam2d(
      'Strides',
      "Upsampling factor: one number, or [vertical, horizontal]. Output size: 'same' -> input * stride; 'valid' -> input * stride + max(kernel - stride, 0).",
      [1, 1],
      true,
    ),
    padding: paddingParam(),
    activation: activationParam('linear'),
    useBias: useBiasParam(),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  backendExamples: [
    { params: { filters: 2, kernelSize: [3], strides: [2], padding: 'same' }, inputs: { in: oneInput([3, 4, 2]) } },
    { params: { filters: 1, kernelSize: [2, 3], strides: [1, 2], padding: 'valid', activation: 'sigmoid' }, inputs: { in: oneInput([3, 3, 3]) } },
  ],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireImage(x, 'Conv2DTranspose');
    const { padding, filters } = ctx.params;
    const [kh, kw] = pair(ctx.params.kernelSize);
    const [sh, sw] = pair(ctx.params.strides);
    return { out: [null, deconvOutputLength(x[1] ?? null, kh, sh, padding), deconvOutputLength(x[2] ?? null, kw, sw, padding), filters] };
  },
  countParams(ctx) {
    const x = inputShape(ctx);
    requireImage(x, 'Conv2DTranspose');
    const [kh, kw] = pair(ctx.params.kernelSize);
    const { filters, useBias } = ctx.params;
    return { trainable: kh * kw * (x[3] as number) * filters + (useBias ? filters : 0), nonTrainable: 0 };
  },
  flops(ctx) {
    // Every input pixel scatters a kernel-sized patch into each filter.
    const x = inputShape(ctx);
    const [kh, kw] = pair(ctx.params.kernelSize);
    return 2 * kh * kw * (x[3] ?? 1) * ctx.params.filters * knownProduct(x.slice(1, 3));
  },
  build({ params, name, inputs }) {
    const layer = tfl.layers.conv2dTranspose({
      filters: params.filters,
      kernelSize: pair(params.kernelSize),
      strides: pair(params.strides),
      padding: params.padding,
      activation: fusedActivation(params.activation),
      useBias: params.useBias,
      name,
    });
    const out = layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor;
    return { out: applyTrailingActivation(out, params.activation, name) };
  },
});
