import { serialization } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationParam, applyTrailingActivation, fusedActivation } from '../../activations';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { dilatedSeparableConv2dLayer, isDilated } from './dilated';
import { filtersParam, useBiasParam, windowParam2d } from './common-params';
import { convOutputLength, knownProduct, pair, paddingParam, requireImage, requireWindowFits, stridesDilationRule } from './spatial';

type SeparableConvArgs = NonNullable<Parameters<typeof tfl.layers.separableConv2d>[0]>;
type LayerConstructor = (new (args: SeparableConvArgs) => tfl.layers.Layer) & Pick<typeof tfl.layers.Layer, 'fromConfig'>;

/** tfjs exports the layer's factory but not its class; the class is reached through an instance. */
const TfjsSeparableConv2D = Object.getPrototypeOf(tfl.layers.separableConv2d({ filters: 1, kernelSize: 1 }))
  .constructor as LayerConstructor;

/**
 * tfjs 4.22's SeparableConv2D leaves `depthMultiplier` out of its saved config, so a saved model
 * with a multiplier above 1 fails to load (depthwise kernel shape mismatch). This subclass saves it.
 */
export class SeparableConv2DWithDepthMultiplier extends TfjsSeparableConv2D {
  static readonly className = 'NetwrightSeparableConv2D';
  private readonly savedDepthMultiplier: number;
  constructor(args: SeparableConvArgs) {
    super(args);
    this.savedDepthMultiplier = args.depthMultiplier ?? 1;
  }
  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), depthMultiplier: this.savedDepthMultiplier };
  }
}
serialization.registerClass(SeparableConv2DWithDepthMultiplier, 'Netwright');

export const separableConv2d = defineLayer({
  type: 'SeparableConv2D',
  kind: 'layer',
  category: 'Convolution',
  description:
    'Depthwise-separable convolution (channels-last): a per-channel spatial convolution followed by a 1x1 convolution that mixes channels; far fewer weights than Conv2D.',
  params: {
    filters: filtersParam(),
    kernelSize: windowParam2d('Kernel size', 'Window size of the depthwise step: one number, or [height, width].', [3, 3], true),
    strides: windowParam2d('Strides', 'Step between window positions: one number, or [vertical, horizontal].', [1, 1]),
    padding: paddingParam(),
    dilationRate: windowParam2d(
      'Dilation rate',
      'Gap between kernel taps: a kernel of size k spans (k - 1) * rate + 1 pixels. Must be 1 when strides > 1.',
      [1, 1],
    ),
    depthMultiplier: param.int({
      default: 1,
      min: 1,
      max: 256,
      label: 'Depth multiplier',
      help: 'Depthwise output channels per input channel, before the 1x1 step.',
    }),
    activation: activationParam('linear'),
    useBias: useBiasParam(),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => stridesDilationRule(p.strides, p.dilationRate),
  backendExamples: [
    { params: { filters: 2, kernelSize: [3], strides: [2], padding: 'same', depthMultiplier: 2 }, inputs: { in: oneInput([5, 6, 2]) } },
    { params: { filters: 3, kernelSize: [2], dilationRate: [2], padding: 'valid', depthMultiplier: 1 }, inputs: { in: oneInput([5, 5, 3]) } },
    { params: { filters: 2, kernelSize: [2, 3], dilationRate: [1, 2], padding: 'same', depthMultiplier: 2, activation: 'leakyRelu', useBias: false }, inputs: { in: oneInput([4, 6, 2]) } },
    { params: { filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 'valid', depthMultiplier: 3, activation: 'relu' }, inputs: { in: oneInput([4, 7, 2]) } },
  ],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireImage(x, 'SeparableConv2D');
    const { padding, filters } = ctx.params;
    const [kh, kw] = pair(ctx.params.kernelSize);
    const [sh, sw] = pair(ctx.params.strides);
    const [dh, dw] = pair(ctx.params.dilationRate);
    requireWindowFits('SeparableConv2D kernel', 'height', x[1] ?? null, kh, padding, dh);
    requireWindowFits('SeparableConv2D kernel', 'width', x[2] ?? null, kw, padding, dw);
    return {
      out: [null, convOutputLength(x[1] ?? null, kh, sh, padding, dh), convOutputLength(x[2] ?? null, kw, sw, padding, dw), filters],
    };
  },
  countParams(ctx) {
    const x = inputShape(ctx);
    requireImage(x, 'SeparableConv2D');
    const [kh, kw] = pair(ctx.params.kernelSize);
    const { filters, useBias, depthMultiplier } = ctx.params;
    const depthwiseChannels = (x[3] as number) * depthMultiplier;
    return { trainable: kh * kw * depthwiseChannels + depthwiseChannels * filters + (useBias ? filters : 0), nonTrainable: 0 };
  },
  flops(ctx) {
    const [kh, kw] = pair(ctx.params.kernelSize);
    const depthwiseChannels = (inputShape(ctx)[3] ?? 1) * ctx.params.depthMultiplier;
    const positions = knownProduct((ctx.outputs.out ?? []).slice(1, 3));
    return 2 * (kh * kw * depthwiseChannels + depthwiseChannels * ctx.params.filters) * positions;
  },
  build({ params, name, inputs }) {
    const args: SeparableConvArgs = {
      filters: params.filters,
      kernelSize: pair(params.kernelSize),
      strides: pair(params.strides),
      padding: params.padding,
      dilationRate: pair(params.dilationRate),
      depthMultiplier: params.depthMultiplier,
      activation: fusedActivation(params.activation),
      useBias: params.useBias,
      name,
    };
    // The stock class keeps saved models portable; a subclass only where the stock one cannot
    // train (dilation > 1: tfjs 4.22 cannot differentiate it) or reload (depth multiplier > 1).
    const layer = isDilated(pair(params.dilationRate))
      ? dilatedSeparableConv2dLayer(args)
      : params.depthMultiplier > 1
        ? new SeparableConv2DWithDepthMultiplier(args)
        : tfl.layers.separableConv2d(args);
    const out = layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor;
    return { out: applyTrailingActivation(out, params.activation, name) };
  },
});
