import { defineLayer, inputTensor, type SymbolicTensor } from '../../decl';
import {
  checkInitialStates,
  dropoutParam,
  gatedCellFlops,
  gatedCellParams,
  goBackwardsParam,
  INITIAL_H,
  initialStateTensors,
  namedOutputs,
  recurrentDropoutParam,
  recurrentOutputs,
  recurrentOutputShapes,
  returnSequencesParam,
  returnStateParam,
  rnnActivationParam,
  SEQUENCE_IN,
  sequenceInput,
  unitsParam,
  useBiasParam,
} from './common';
import { createSimpleRnn } from './tfjs-rnn';

const STATES = ['h'] as const;
const STATE_PORTS = ['initialH'] as const;

export const simpleRnn = defineLayer({
  type: 'SimpleRNN',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Elman RNN over a sequence [batch, time, features]: h_t = activation(x_t·W + h_(t-1)·U + b). Parameters: ' +
    'features·units + units² + units, one bias as in Keras/tfjs (PyTorch has two, so it counts units more).',
  params: {
    units: unitsParam,
    activation: rnnActivationParam,
    useBias: useBiasParam,
    returnSequences: returnSequencesParam,
    returnState: returnStateParam,
    goBackwards: goBackwardsParam,
    dropout: dropoutParam,
    recurrentDropout: recurrentDropoutParam,
  },
  inputs: [SEQUENCE_IN, INITIAL_H],
  outputs: (p) => recurrentOutputs(p.returnState, STATES),
  inferShapes(ctx) {
    const seq = sequenceInput(ctx, 'SimpleRNN');
    checkInitialStates(ctx, 'SimpleRNN', ctx.params.units, STATE_PORTS);
    return recurrentOutputShapes(seq, ctx.params.units, ctx.params.returnSequences, ctx.params.returnState, STATES);
  },
  countParams(ctx) {
    const { features } = sequenceInput(ctx, 'SimpleRNN');
    return { trainable: gatedCellParams(1, features, ctx.params.units, ctx.params.useBias), nonTrainable: 0 };
  },
  flops: (ctx) => gatedCellFlops(1, sequenceInput(ctx, 'SimpleRNN'), ctx.params.units),
  build(ctx) {
    const p = ctx.params;
    const layer = createSimpleRnn({
      units: p.units,
      activation: p.activation,
      useBias: p.useBias,
      kernelInitializer: 'glorotUniform',
      returnSequences: p.returnSequences,
      returnState: p.returnState,
      goBackwards: p.goBackwards,
      dropout: p.dropout,
      recurrentDropout: p.recurrentDropout,
      name: ctx.name,
    });
    const initialState = initialStateTensors(ctx.inputs, STATE_PORTS);
    const result = layer.apply(inputTensor(ctx), initialState ? { initialState } : undefined) as SymbolicTensor | SymbolicTensor[];
    return namedOutputs(result, p.returnState, STATES);
  },
});
