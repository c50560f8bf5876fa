import { defineLayer, oneInput } from '../../decl';
import { param, type ParamValues } from '../../params';
import { CELL_HEAD_PARAMS, CELL_TAIL_PARAMS, INITIAL_C, INITIAL_H, recurrentActivationParam, recurrentCellRules, SEQUENCE_IN, useBiasParam } from './common';
import { createLstm } from './tfjs-rnn';

const params = {
  ...CELL_HEAD_PARAMS,
  recurrentActivation: recurrentActivationParam,
  useBias: useBiasParam,
  unitForgetBias: param.bool({
    default: true,
    label: 'Unit forget bias',
    help: "Start the forget-gate bias at 1 so the cell remembers by default (Keras' default; tfjs' own default is off).",
  }),
  ...CELL_TAIL_PARAMS,
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
  build: cell.build((args, p) => createLstm({ ...args, recurrentActivation: p.recurrentActivation, unitForgetBias: p.unitForgetBias })),
});
