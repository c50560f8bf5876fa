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
import { createGru } from './tfjs-rnn';

const STATES = ['h'] as const;
const STATE_PORTS = ['initialH'] as const;

export const gru = defineLayer({
  type: 'GRU',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Gated recurrent unit over a sequence [batch, time, features], in the reset-before variant tfjs implements ' +
    '(resetAfter = false; tfjs cannot build the other one). Parameters: 3·(features·units + units² + units), one bias per gate; ' +
    'Keras 2+ defaults to resetAfter = true with 6·units of bias, and PyTorch also has two biases.',
  params: {
    units: unitsParam,
    activation: rnnActivationParam,
    recurrentActivation: recurrentActivationParam,
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
    const seq = sequenceInput(ctx, 'GRU');
    checkInitialStates(ctx, 'GRU', ctx.params.units, STATE_PORTS);
    return recurrentOutputShapes(seq, ctx.params.units, ctx.params.returnSequences, ctx.params.returnState, STATES);
  },
  countParams(ctx) {
    const { features } = sequenceInput(ctx, 'GRU');
    return { trainable: gatedCellParams(3, features, ctx.params.units, ctx.params.useBias), nonTrainable: 0 };
  },
  flops: (ctx) => gatedCellFlops(3, sequenceInput(ctx, 'GRU'), ctx.params.units),
  build(ctx) {
    const p = ctx.params;
    const layer = createGru({
      units: p.units,
      activation: p.activation,
      recurrentActivation: p.recurrentActivation,
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
