import { defineLayer, oneInput } from '../../decl';
import type { ParamValues } from '../../params';
import { CELL_HEAD_PARAMS, CELL_TAIL_PARAMS, INITIAL_H, recurrentActivationParam, recurrentCellRules, SEQUENCE_IN, useBiasParam } from './common';
import { createGru } from './tfjs-rnn';

const params = {
  ...CELL_HEAD_PARAMS,
  recurrentActivation: recurrentActivationParam,
  useBias: useBiasParam,
  ...CELL_TAIL_PARAMS,
};

const cell = recurrentCellRules<ParamValues<typeof params>>('GRU', 3, ['h'], ['initialH']);

export const gru = defineLayer({
  type: 'GRU',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Gated recurrent unit over a sequence [batch, time, features], in the reset-before variant tfjs implements ' +
    '(resetAfter = false; tfjs cannot build the other one). Parameters: 3·(features·units + units² + units), one bias per gate; ' +
    'Keras 2+ defaults to resetAfter = true with 6·units of bias, and PyTorch also has two biases.',
  params,
  inputs: [SEQUENCE_IN, INITIAL_H],
  outputs: cell.outputs,
  backendExamples: [
    { params: { units: 3, returnSequences: true, recurrentActivation: 'hardSigmoid' }, inputs: { in: oneInput([3, 2]) } },
    { params: { units: 2, returnState: true }, inputs: { in: oneInput([3, 2]), initialH: oneInput([2]) } },
  ],
  inferShapes: cell.inferShapes,
  countParams: cell.countParams,
  flops: cell.flops,
  build: cell.build((args, p) => createGru({ ...args, recurrentActivation: p.recurrentActivation })),
});
