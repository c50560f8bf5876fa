import { defineLayer, inputTensor, oneInput, type PortSpec, type SymbolicTensor } from '../../decl';
import { param, type ParamValues } from '../../params';
import {
  dropoutParam,
  gatedCellFlops,
  gatedCellParams,
  recurrentActivationParam,
  recurrentDropoutParam,
  returnSequencesParam,
  returnStateParam,
  rnnActivationParam,
  SEQUENCE_IN,
  sequenceInput,
  unitsParam,
} from './common';
import { createBidirectional, createGru, createLstm, createSimpleRnn, type RecurrentClassName } from './tfjs-rnn';

const GATES: Record<RecurrentClassName, number> = { LSTM: 4, GRU: 3, SimpleRNN: 1 };

const params = {
  layer: param.enum({
    options: ['LSTM', 'GRU', 'SimpleRNN'],
    default: 'LSTM',
    label: 'Layer',
    help: 'The wrapped recurrent layer (one bias per gate as in Keras/tfjs; GRU with resetAfter = false as in tfjs). Its options follow.',
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
  activation: rnnActivationParam,
  recurrentActivation: { ...recurrentActivationParam, help: `${recurrentActivationParam.help} Ignored by SimpleRNN, which has no gates.` },
  returnState: {
    ...returnStateParam,
    help: 'Add outputs with the final states of both directions (h, and c for an LSTM), [batch, units] each, e.g. to initialise a decoder.',
  },
  dropout: dropoutParam,
  recurrentDropout: recurrentDropoutParam,
};

type BidirectionalParams = ParamValues<typeof params>;

/** State outputs in tfjs' order: the forward layer's states, then the backward layer's. */
function statePorts(p: Pick<BidirectionalParams, 'layer' | 'returnState'>): string[] {
  if (!p.returnState) return [];
  const states = p.layer === 'LSTM' ? ['h', 'c'] : ['h'];
  return [...states.map((s) => `${s}Forward`), ...states.map((s) => `${s}Backward`)];
}

function stateHelp(port: string): string {
  const state = port.startsWith('h') ? 'hidden state h' : 'cell state c';
  const direction = port.endsWith('Forward') ? 'forward' : 'backward';
  return `Final ${state} of the ${direction} layer [batch, units].`;
}

export const bidirectional = defineLayer({
  type: 'Bidirectional',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Runs a recurrent layer forwards and a copy backwards over the sequence and merges their outputs (Keras Bidirectional). ' +
    'Twice the parameters of the wrapped layer.',
  params,
  inputs: [SEQUENCE_IN],
  outputs: (p: BidirectionalParams): readonly PortSpec[] => [
    { name: 'out', help: 'Merged outputs: [batch, (time,) 2·units] for concat, else [batch, (time,) units].' },
    ...statePorts(p).map((name) => ({ name, help: stateHelp(name) })),
  ],
  backendExamples: [
    { params: { layer: 'GRU', units: 2, returnSequences: true, mergeMode: 'concat' }, inputs: { in: oneInput([3, 2]) } },
    { params: { layer: 'LSTM', units: 2, mergeMode: 'mul' }, inputs: { in: oneInput([3, 2]) } },
  ],
  inferShapes(ctx) {
    const seq = sequenceInput(ctx, 'Bidirectional');
    const { units, returnSequences, mergeMode } = ctx.params;
    const width = mergeMode === 'concat' ? 2 * units : units;
    const shapes: Record<string, (number | null)[]> = { out: returnSequences ? [null, seq.time, width] : [null, width] };
    for (const port of statePorts(ctx.params)) shapes[port] = [null, units];
    return shapes;
  },
  countParams(ctx) {
    const { features } = sequenceInput(ctx, 'Bidirectional');
    return { trainable: 2 * gatedCellParams(GATES[ctx.params.layer], features, ctx.params.units, true), nonTrainable: 0 };
  },
  flops: (ctx) => 2 * gatedCellFlops(GATES[ctx.params.layer], sequenceInput(ctx, 'Bidirectional'), ctx.params.units),
  build(ctx) {
    const p = ctx.params;
    const common = {
      units: p.units,
      returnSequences: p.returnSequences,
      returnState: p.returnState,
      activation: p.activation,
      dropout: p.dropout,
      recurrentDropout: p.recurrentDropout,
      kernelInitializer: 'glorotUniform' as const,
      name: `${ctx.name}_${p.layer.toLowerCase()}`,
    };
    const inner =
      p.layer === 'LSTM'
        ? createLstm({ ...common, recurrentActivation: p.recurrentActivation, unitForgetBias: true })
        : p.layer === 'GRU'
          ? createGru({ ...common, recurrentActivation: p.recurrentActivation })
          : createSimpleRnn(common);
    const wrapper = createBidirectional({ layer: inner, mergeMode: p.mergeMode, name: ctx.name });
    const result = wrapper.apply(inputTensor(ctx)) as SymbolicTensor | SymbolicTensor[];
    const list = Array.isArray(result) ? result : [result];
    const named: Record<string, SymbolicTensor> = { out: list[0] as SymbolicTensor };
    statePorts(p).forEach((port, i) => (named[port] = list[i + 1] as SymbolicTensor));
    return named;
  },
});
