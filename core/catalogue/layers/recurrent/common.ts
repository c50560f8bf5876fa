/** Parameters, ports and shape rules shared by SimpleRNN, LSTM, GRU and Bidirectional. */
import type { BuildContext, PortSpec, ShapeContext, SymbolicTensor } from '../../decl';
import { inputShape, inputTensor } from '../../decl';
import { param } from '../../params';
import { formatShape, lastDim, requireRank, ShapeError, type Dim } from '../../../shapes/shape';

/** Activations tfjs accepts inside a recurrent cell (leakyRelu has no identifier there). */
export const RNN_ACTIVATIONS = ['tanh', 'relu', 'sigmoid', 'hardSigmoid', 'linear', 'elu', 'selu', 'softplus', 'softsign', 'swish'] as const;

export const unitsParam = param.int({
  default: 32,
  min: 1,
  max: 100_000,
  label: 'Units',
  help: 'Size of the hidden state h (and of the cell state c for an LSTM): the last axis of every output.',
  card: true,
});

export const rnnActivationParam = param.enum({
  options: RNN_ACTIVATIONS,
  default: 'tanh',
  label: 'Activation',
  help: 'Applied to the candidate state (and, in an LSTM, to the cell state before the output gate). Keras and PyTorch use tanh.',
});

export const recurrentActivationParam = param.enum({
  options: ['sigmoid', 'hardSigmoid'],
  default: 'sigmoid',
  label: 'Gate activation',
  help:
    "Activation of the gates (recurrentActivation). sigmoid is Keras' default and PyTorch's; tfjs' own default is " +
    'hardSigmoid (a piecewise-linear approximation), so set it explicitly when matching a tfjs model.',
});

export const useBiasParam = param.bool({
  default: true,
  label: 'Use bias',
  help: 'Add a learned bias. Keras/tfjs have ONE bias vector per gate; PyTorch has two (b_ih and b_hh), so its parameter counts are higher.',
});

export const returnSequencesParam = param.bool({
  default: false,
  label: 'Return sequences',
  help: 'On: output h at every time step, [batch, time, units] (needed to stack another recurrent layer on top, or for per-token outputs). Off: only the last step, [batch, units].',
  card: true,
});

export const returnStateParam = param.bool({
  default: false,
  label: 'Return state',
  help: 'Add outputs with the final state (h, and c for an LSTM), [batch, units] each, e.g. to initialise a decoder.',
});

const goBackwardsParam = param.bool({
  default: false,
  label: 'Go backwards',
  help: 'Process the sequence from the last step to the first. With return sequences the output is in that reversed order too (as in Keras).',
});

export const dropoutParam = param.float({
  default: 0,
  min: 0,
  max: 0.95,
  label: 'Dropout',
  help: 'Fraction of the INPUT units dropped at each step during training (a probability of dropping, as in Keras and PyTorch). No effect at inference.',
});

export const recurrentDropoutParam = param.float({
  default: 0,
  min: 0,
  max: 0.95,
  label: 'Recurrent dropout',
  help: 'Fraction of the units of the previous state h dropped during training (the same mask at every step). No effect at inference.',
});

/** The first parameters of SimpleRNN, GRU and LSTM, in the inspector's order (gate options follow). */
export const CELL_HEAD_PARAMS = { units: unitsParam, activation: rnnActivationParam };

/** The last parameters of SimpleRNN, GRU and LSTM, in the inspector's order. */
export const CELL_TAIL_PARAMS = {
  returnSequences: returnSequencesParam,
  returnState: returnStateParam,
  goBackwards: goBackwardsParam,
  dropout: dropoutParam,
  recurrentDropout: recurrentDropoutParam,
};

export const SEQUENCE_IN: PortSpec = { name: 'in', help: 'A sequence [batch, time, features].' };
export const INITIAL_H: PortSpec = {
  name: 'initialH',
  label: 'h0',
  optional: true,
  help: 'Initial hidden state [batch, units], e.g. the h output of an encoder. Unwired: zeros.',
};
export const INITIAL_C: PortSpec = {
  name: 'initialC',
  label: 'c0',
  optional: true,
  help: 'Initial cell state [batch, units], e.g. the c output of an encoder LSTM. Wire it together with h0.',
};

export function recurrentOutputs(returnState: boolean, stateNames: readonly ('h' | 'c')[]): readonly PortSpec[] {
  const out: PortSpec = { name: 'out', help: 'h at every step [batch, time, units] with return sequences, else the last h [batch, units].' };
  if (!returnState) return [out];
  return [
    out,
    ...stateNames.map((s) => ({
      name: s,
      help: s === 'h' ? 'Final hidden state h [batch, units].' : 'Final cell state c [batch, units].',
    })),
  ];
}

export interface SequenceShape {
  time: Dim;
  features: number;
}

/** The input of a recurrent layer: [batch, time, features], with an error that says how to get one. */
export function sequenceInput<P>(ctx: ShapeContext<P>, type: string): SequenceShape {
  const x = inputShape(ctx, 'in');
  if (x.length === 2) {
    throw new ShapeError(
      `${type} needs a sequence [batch, time, features] but got ${formatShape(x)}. If this comes from another recurrent layer, ` +
        'turn on "Return sequences" on that layer so it outputs every time step (that is how recurrent layers are stacked); ' +
        'token ids need an Embedding first',
      'in',
    );
  }
  requireRank(x, 3, type, 'reshape the input to [batch, time, features]', 'in');
  return { time: x[1] ?? null, features: lastDim(x, type, 'in') };
}

/** Checks the wired initial-state ports; returns their names in tfjs' state order. */
export function checkInitialStates<P>(ctx: ShapeContext<P>, type: string, units: number, ports: readonly string[]): string[] {
  const wired = ports.filter((p) => (ctx.inputs[p]?.length ?? 0) > 0);
  if (wired.length > 0 && wired.length < ports.length) {
    const missing = ports.filter((p) => !wired.includes(p));
    throw new ShapeError(`${type} needs all of its initial states or none: wire ${missing.join(' and ')} too, or unwire ${wired.join(' and ')}`, missing[0]);
  }
  for (const port of wired) {
    const s = inputShape(ctx, port);
    if (s.length !== 2 || s[1] !== units) {
      throw new ShapeError(
        `${type} ${port} must be [batch, ${units}] (one value per unit) but got ${formatShape(s)}; ` +
          `give the layer that produces it ${units} units, or set units here to match it`,
        port,
      );
    }
  }
  return wired;
}

export function recurrentOutputShapes(
  seq: SequenceShape,
  units: number,
  returnSequences: boolean,
  returnState: boolean,
  stateNames: readonly ('h' | 'c')[],
): Record<string, Dim[]> {
  const shapes: Record<string, Dim[]> = { out: returnSequences ? [null, seq.time, units] : [null, units] };
  if (returnState) for (const s of stateNames) shapes[s] = [null, units];
  return shapes;
}

/**
 * Keras/tfjs parameter count of a gated cell: per gate, kernel [features, units], recurrent kernel
 * [units, units] and ONE bias [units] (PyTorch keeps two biases, so it reports gates·units more).
 */
export function gatedCellParams(gates: number, features: number, units: number, useBias: boolean): number {
  return gates * (features * units + units * units + (useBias ? units : 0));
}

/** Multiply-adds of the input and recurrent products, per sample; a symbolic time counts as 1 step. */
export function gatedCellFlops(gates: number, seq: SequenceShape, units: number): number {
  return 2 * gates * (seq.features + units) * units * (seq.time ?? 1);
}

/** Collects the symbolic tensors at the wired state ports, or undefined when none is wired. */
export function initialStateTensors(
  inputs: Readonly<Record<string, readonly SymbolicTensor[]>>,
  ports: readonly string[],
): SymbolicTensor[] | undefined {
  const tensors = ports.map((p) => inputs[p]?.[0]).filter((t): t is SymbolicTensor => t !== undefined);
  if (tensors.length === 0) return undefined;
  if (tensors.length !== ports.length) throw new Error(`build: wire all of ${ports.join(', ')} or none`);
  return tensors;
}

/** Names the outputs of an applied recurrent layer: [out] or [out, h(, c)]. */
export function namedOutputs(
  result: SymbolicTensor | SymbolicTensor[],
  returnState: boolean,
  stateNames: readonly ('h' | 'c')[],
): Record<string, SymbolicTensor> {
  const list = Array.isArray(result) ? result : [result];
  const named: Record<string, SymbolicTensor> = { out: list[0] as SymbolicTensor };
  if (returnState) stateNames.forEach((s, i) => (named[s] = list[i + 1] as SymbolicTensor));
  return named;
}

/** The parameter values SimpleRNN, GRU and LSTM all have. */
export interface RecurrentCellParams {
  units: number;
  activation: (typeof RNN_ACTIVATIONS)[number];
  useBias: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  dropout: number;
  recurrentDropout: number;
}

/**
 * What SimpleRNN (1 gate), GRU (3) and LSTM (4) share: outputs, shape rule, parameter count,
 * FLOPs and a build that applies the created tfjs layer to the input and the wired initial states.
 */
export function recurrentCellRules<P extends RecurrentCellParams>(
  type: string,
  gates: number,
  states: readonly ('h' | 'c')[],
  statePorts: readonly string[],
) {
  const apply = (layer: { apply(x: SymbolicTensor, kwargs?: object): unknown }, ctx: BuildContext<P>) => {
    const initialState = initialStateTensors(ctx.inputs, statePorts);
    const result = layer.apply(inputTensor(ctx), initialState ? { initialState } : undefined) as SymbolicTensor | SymbolicTensor[];
    return namedOutputs(result, ctx.params.returnState, states);
  };
  return {
    outputs: (p: P) => recurrentOutputs(p.returnState, states),
    inferShapes(ctx: ShapeContext<P>) {
      const seq = sequenceInput(ctx, type);
      checkInitialStates(ctx, type, ctx.params.units, statePorts);
      return recurrentOutputShapes(seq, ctx.params.units, ctx.params.returnSequences, ctx.params.returnState, states);
    },
    countParams(ctx: ShapeContext<P>) {
      const { features } = sequenceInput(ctx, type);
      return { trainable: gatedCellParams(gates, features, ctx.params.units, ctx.params.useBias), nonTrainable: 0 };
    },
    flops: (ctx: ShapeContext<P>) => gatedCellFlops(gates, sequenceInput(ctx, type), ctx.params.units),
    /** `create` makes the tfjs layer from the shared arguments (recurrentLayerArgs) and the cell's own parameters. */
    build: (create: (args: ReturnType<typeof recurrentLayerArgs>, p: P) => { apply(x: SymbolicTensor, kwargs?: object): unknown }) => (ctx: BuildContext<P>) =>
      apply(create(recurrentLayerArgs(ctx.params, ctx.name), ctx.params), ctx),
  };
}

/** The tfjs layer arguments the three cells share (Keras' glorotUniform kernels; tfjs defaults to glorotNormal). */
export function recurrentLayerArgs(p: RecurrentCellParams, name: string) {
  return {
    units: p.units,
    activation: p.activation,
    useBias: p.useBias,
    kernelInitializer: 'glorotUniform' as const,
    returnSequences: p.returnSequences,
    returnState: p.returnState,
    goBackwards: p.goBackwards,
    dropout: p.dropout,
    recurrentDropout: p.recurrentDropout,
    name,
  };
}
