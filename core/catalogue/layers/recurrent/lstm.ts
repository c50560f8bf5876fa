import { defineLayer, inputTensor, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import {
  checkInitialStates,
  dropoutParam,
  gatedCellFlops,
  gatedCellParams,
  goBackwardsParam,
  INITIAL_C,
  INITIAL_H,
  initialStateTensors,
  namedOutputs,
  recurrentActivationParam,
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
import { createLstm } from './tfjs-rnn';

const STATES = ['h', 'c'] as const;
const STATE_PORTS = ['initialH', 'initialC'] as const;

export const lstm = defineLayer({
  type: 'LSTM',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Long short-term memory over a sequence [batch, time, features]. Parameters: 4·(features·units + units² + units), ' +
    'one bias per gate as in Keras/tfjs (PyTorch has two, so it counts 4·units more).',
  params: {
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
  },
  inputs: [SEQUENCE_IN, INITIAL_H, INITIAL_C],
  outputs: (p) => recurrentOutputs(p.returnState, STATES),
  inferShapes(ctx) {
    const seq = sequenceInput(ctx, 'LSTM');
    checkInitialStates(ctx, 'LSTM', ctx.params.units, STATE_PORTS);
    return recurrentOutputShapes(seq, ctx.params.units, ctx.params.returnSequences, ctx.params.returnState, STATES);
  },
  countParams(ctx) {
    const { features } = sequenceInput(ctx, 'LSTM');
    return { trainable: gatedCellParams(4, features, ctx.params.units, ctx.params.useBias), nonTrainable: 0 };
  },
  flops: (ctx) => gatedCellFlops(4, sequenceInput(ctx, 'LSTM'), ctx.params.units),
  build(ctx) {
    const p = ctx.params;
    const layer = createLstm({
      units: p.units,
      activation: p.activation,
      recurrentActivation: p.recurrentActivation,
      useBias: p.useBias,
      unitForgetBias: p.unitForgetBias,
      // Keras' kernel initializer; tfjs' recurrent layers default to glorotNormal.
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
