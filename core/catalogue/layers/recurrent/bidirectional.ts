import { defineLayer, inputTensor, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { gatedCellFlops, gatedCellParams, returnSequencesParam, SEQUENCE_IN, sequenceInput, unitsParam } from './common';
import { createBidirectional, createGru, createLstm, createSimpleRnn, type RecurrentClassName } from './tfjs-rnn';

const GATES: Record<RecurrentClassName, number> = { LSTM: 4, GRU: 3, SimpleRNN: 1 };

export const bidirectional = defineLayer({
  type: 'Bidirectional',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Runs a recurrent layer forwards and a copy backwards over the sequence and merges their outputs (Keras Bidirectional). ' +
    'Twice the parameters of the wrapped layer.',
  params: {
    layer: param.enum({
      options: ['LSTM', 'GRU', 'SimpleRNN'],
      default: 'LSTM',
      label: 'Layer',
      help: 'The wrapped recurrent layer, with Keras defaults (tanh, sigmoid gates, one bias per gate; GRU with resetAfter = false as in tfjs).',
      card: true,
    }),
    units: unitsParam,
    returnSequences: returnSequencesParam,
    mergeMode: param.enum({
      options: ['concat', 'sum', 'mul', 'ave'],
      default: 'concat',
      label: 'Merge',
      help:
        "How the forward and backward outputs are combined: 'concat' (Keras' default) doubles the last axis to 2·units; " +
        "'sum', 'mul' and 'ave' (average) keep units. With return sequences, the backward outputs are re-aligned to the forward time order first.",
      card: true,
    }),
  },
  inputs: [SEQUENCE_IN],
  outputs: [{ name: 'out', help: 'Merged outputs: [batch, (time,) 2·units] for concat, else [batch, (time,) units].' }],
  inferShapes(ctx) {
    const seq = sequenceInput(ctx, 'Bidirectional');
    const { units, returnSequences, mergeMode } = ctx.params;
    const width = mergeMode === 'concat' ? 2 * units : units;
    return { out: returnSequences ? [null, seq.time, width] : [null, width] };
  },
  countParams(ctx) {
    const { features } = sequenceInput(ctx, 'Bidirectional');
    return { trainable: 2 * gatedCellParams(GATES[ctx.params.layer], features, ctx.params.units, true), nonTrainable: 0 };
  },
  flops: (ctx) => 2 * gatedCellFlops(GATES[ctx.params.layer], sequenceInput(ctx, 'Bidirectional'), ctx.params.units),
  build(ctx) {
    const { layer: kind, units, returnSequences, mergeMode } = ctx.params;
    const common = { units, returnSequences, kernelInitializer: 'glorotUniform' as const, name: `${ctx.name}_${kind.toLowerCase()}` };
    const inner =
      kind === 'LSTM'
        ? createLstm({ ...common, recurrentActivation: 'sigmoid', unitForgetBias: true })
        : kind === 'GRU'
          ? createGru({ ...common, recurrentActivation: 'sigmoid' })
          : createSimpleRnn(common);
    const wrapper = createBidirectional({ layer: inner, mergeMode, name: ctx.name });
    return { out: wrapper.apply(inputTensor(ctx)) as SymbolicTensor };
  },
});
