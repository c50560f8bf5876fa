import { activationParam, applyTrailingActivation, fusedActivation } from '../../activations';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { conv1dLayer } from './dilated';
import { filtersParam, useBiasParam } from './common-params';
import { convOutputLength, paddingParam, requireSequence, requireWindowFits, stridesDilationRule } from './spatial';

export const conv1d = defineLayer({
  type: 'Conv1D',
  kind: 'layer',
  category: 'Convolution',
  description: 'Convolution over time: [batch, steps, channels] -> [batch, steps\', filters].',
  params: {
    filters: filtersParam(),
    kernelSize: param.int({ default: 3, min: 1, max: 1024, label: 'Kernel size', help: 'Length of the window, in time steps.', card: true }),
    strides: param.int({ default: 1, min: 1, max: 1024, label: 'Strides', help: 'Step between window positions.' }),
    padding: paddingParam(),
    dilationRate: param.int({
      default: 1,
      min: 1,
      max: 1024,
      label: 'Dilation rate',
      help: 'Gap between kernel taps: a kernel of size k spans (k - 1) * rate + 1 steps. Must be 1 when strides > 1.',
    }),
    activation: activationParam('linear'),
    useBias: useBiasParam(),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) => stridesDilationRule([p.strides], [p.dilationRate]),
  backendExamples: [
    { params: { filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }, inputs: { in: oneInput([7, 3]) } },
    // Dilation > 1 runs through Netwright's subclass (tfjs 4.22 cannot differentiate it): must train as dilation 1 does.
    { params: { filters: 3, kernelSize: 2, dilationRate: 2, padding: 'valid' }, inputs: { in: oneInput([6, 2]) } },
    { params: { filters: 2, kernelSize: 3, dilationRate: 3, padding: 'same', activation: 'tanh' }, inputs: { in: oneInput([7, 2]) } },
  ],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireSequence(x, 'Conv1D');
    const { kernelSize, strides, padding, dilationRate, filters } = ctx.params;
    requireWindowFits('Conv1D kernel', 'length', x[1] ?? null, kernelSize, padding, dilationRate);
    return { out: [null, convOutputLength(x[1] ?? null, kernelSize, strides, padding, dilationRate), filters] };
  },
  countParams(ctx) {
    const x = inputShape(ctx);
    requireSequence(x, 'Conv1D');
    const { kernelSize, filters, useBias } = ctx.params;
    return { trainable: kernelSize * (x[2] as number) * filters + (useBias ? filters : 0), nonTrainable: 0 };
  },
  flops(ctx) {
    const channels = inputShape(ctx)[2] ?? 1;
    const steps = ctx.outputs.out?.[1] ?? 1;
    return 2 * ctx.params.kernelSize * channels * ctx.params.filters * steps;
  },
  build({ params, name, inputs }) {
    // Dilation > 1: a subclass whose gradients exist (tfjs 4.22 cannot differentiate dilated conv1d).
    const layer = conv1dLayer({
      filters: params.filters,
      kernelSize: params.kernelSize,
      strides: params.strides,
      padding: params.padding,
      dilationRate: params.dilationRate,
      activation: fusedActivation(params.activation),
      useBias: params.useBias,
      name,
    });
    const out = layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor;
    return { out: applyTrailingActivation(out, params.activation, name) };
  },
});
