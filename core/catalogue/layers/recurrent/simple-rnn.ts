import { defineLayer, oneInput } from '../../decl';
import type { ParamValues } from '../../params';
import { CELL_HEAD_PARAMS, CELL_TAIL_PARAMS, INITIAL_H, recurrentCellRules, SEQUENCE_IN, useBiasParam } from './common';
import { createSimpleRnn } from './tfjs-rnn';

const params = { ...CELL_HEAD_PARAMS, useBias: useBiasParam, ...CELL_TAIL_PARAMS };

const cell = recurrentCellRules<ParamValues<typeof params>>('SimpleRNN', 1, ['h'], ['initialH']);

export const simpleRnn = defineLayer({
  type: 'SimpleRNN',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Elman RNN over a sequence [batch, time, features]: h_t = activation(x_t·W + h_(t-1)·U + b). Parameters: ' +
    'features·units + units² + units, one bias as in Keras/tfjs (PyTorch has two, so it counts units more).',
  params,
  inputs: [SEQUENCE_IN, INITIAL_H],
  outputs: cell.outputs,
  backendExamples: [
    { params: { units: 3, returnSequences: true, dropout: 0.25 }, inputs: { in: oneInput([3, 2]) } },
    { params: { units: 2, goBackwards: true }, inputs: { in: oneInput([3, 2]), initialH: oneInput([2]) } },
  ],
  inferShapes: cell.inferShapes,
  countParams: cell.countParams,
  flops: cell.flops,
  build: cell.build((args) => createSimpleRnn(args)),
});
