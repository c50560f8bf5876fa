import { defineLayer, oneInput } from '../../decl';
import { param, type ParamValues } from '../../params';
import {
  dropoutParam,
  goBackwardsParam,
  INITIAL_C,
  INITIAL_H,
  recurrentActivationParam,
  recurrentCellRules,
  recurrentDropoutParam,
  recurrentLayerArgs,
  returnSequencesParam,
  returnStateParam,
  rnnActivationParam,
  SEQUENCE_IN,
  unitsParam,
  useBiasParam,
} from './common';
import { createLstm } from './tfjs-rnn';

const params = {
  units: unitsParam,
  activation: rnnActivationParam,
  recurrentActivation: recurrentActivationParam,
  useBias: useBiasParam,
  unitForgetBias: param.bool({
    default: true,
    label: 'Unit forget bias',
    help: "Start the forget-gate bias at 1 so the cell remembers by default (Keras' default; tfjs' own default is off).",
  }),
  returnSequences: returnSequencesParam,
  returnState: returnStateParam,
  goBackwards: goBackwardsParam,
  dropout: dropoutParam,
  recurrentDropout: recurrentDropoutParam,
};

const cell = recurrentCellRules<ParamValues<typeof params>>('LSTM', 4, ['h', 'c'], ['initialH', 'initialC']);

export const lstm = defineLayer({
  type: 'LSTM',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Long short-term memory over a sequence [batch, time, features]. Parameters: 4·(features·units + units² + units), ' +
    'one bias per gate as in Keras/tfjs (PyTorch has two, so it counts 4·units more).',
  params,
  inputs: [SEQUENCE_IN, INITIAL_H, INITIAL_C],
  outputs: cell.outputs,
  backendExamples: [
    { params: { units: 3, returnSequences: true, recurrentDropout: 0.25 }, inputs: { in: oneInput([3, 2]) } },
    { params: { units: 2, returnState: true }, inputs: { in: oneInput([3, 2]), initialH: oneInput([2]), initialC: oneInput([2]) } },
    // 4 units, sigmoid/tanh: Netwright's SIMD kernels on wasm (core/engine/simd).
    { params: { units: 4, returnState: true }, inputs: { in: oneInput([3, 2]), initialH: oneInput([4]), initialC: oneInput([4]) } },
  ],
  inferShapes: cell.inferShapes,
  countParams: cell.countParams,
  flops: cell.flops,
  build(ctx) {
    const p = ctx.params;
    const layer = createLstm({
      ...recurrentLayerArgs(p, ctx.name),
      recurrentActivation: p.recurrentActivation,
      unitForgetBias: p.unitForgetBias,
    });
    return cell.apply(layer, ctx);
  },
});
