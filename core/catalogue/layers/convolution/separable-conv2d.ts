import { serialization } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationParam, applyTrailingActivation, fusedActivation } from '../../activations';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { dilatedSeparableConv2dLayer, isDilated } from './dilated';
import { filtersParam, stridesPaddingDilation2d, useBiasParam, windowParam2d } from './common-params';
import { conv2dWindowArgs, knownProduct, pair, requireImage, stridesDilationRule, windowOutput2d } from './spatial';

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
    ...stridesPaddingDilation2d(),
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
    const [h, w] = windowOutput2d('SeparableConv2D kernel', x, pair(ctx.params.kernelSize), pair(ctx.params.strides), padding, pair(ctx.params.dilationRate));
    return { out: [null, h, w, filters] };
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
      ...conv2dWindowArgs(params),
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
