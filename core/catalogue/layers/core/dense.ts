import { activationParam, applyTrailingActivation, fusedActivation } from '../../activations';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { denseLayer } from './fused-dense';
import { lastDim, requireRank } from '../../../shapes/shape';

export const dense = defineLayer({
  type: 'Dense',
  kind: 'layer',
  category: 'Core',
  description: 'Fully connected layer: output = activation(input · kernel + bias), on [batch, features] or per step of [batch, time, features].',
  params: {
    units: param.int({ default: 32, min: 1, max: 1_000_000, label: 'Units', help: 'Size of the output (last axis).', card: true }),
    activation: activationParam('linear'),
    useBias: param.bool({ default: true, label: 'Use bias', help: 'Add a learned bias vector.' }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  backendExamples: [
    { params: { units: 3, activation: 'tanh' }, inputs: { in: oneInput([4]) } },
    { params: { units: 2, activation: 'leakyRelu', useBias: false }, inputs: { in: oneInput([3, 4]) } },
  ],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    // Keras would apply Dense to the last axis of an image too; that is nearly always a missing Flatten.
    requireRank(x, { min: 2, max: 3 }, 'Dense', 'add a Flatten before it', 'in');
    lastDim(x, 'Dense', 'in');
    return { out: [...x.slice(0, -1), ctx.params.units] };
  },
  countParams(ctx) {
    const inUnits = lastDim(inputShape(ctx), 'Dense', 'in');
    const { units, useBias } = ctx.params;
    return { trainable: inUnits * units + (useBias ? units : 0), nonTrainable: 0 };
  },
  flops(ctx) {
    const x = inputShape(ctx);
    const inUnits = lastDim(x, 'Dense', 'in');
    // Leading non-batch axes (e.g. time) multiply the work; symbolic ones count as 1.
    const positions = x.slice(1, -1).reduce<number>((acc, d) => acc * (d ?? 1), 1);
    return 2 * inUnits * ctx.params.units * positions;
  },
  build({ params, name, ...ctx }) {
    // tfjs' Dense, with its call fused into one SIMD kernel on wasm (fused-dense.ts).
    const layer = denseLayer({
      units: params.units,
      activation: fusedActivation(params.activation),
      useBias: params.useBias,
      name,
    });
    const out = layer.apply(inputTensor({ params, name, ...ctx })) as SymbolicTensor;
    return { out: applyTrailingActivation(out, params.activation, name) };
  },
});
