/**
 * SimpleRNN, GRU, LSTM (when nn.LSTM cannot compute it) and Bidirectional for the PyTorch export,
 * as one small nn.Module (KerasRecurrent) that loops over time the way tfjs does: tfjs' GRU is
 * Keras' reset_after=False variant (the reset gate scales the state before the recurrent
 * product), which nn.GRU cannot express, gate activations other than sigmoid and cell dropout
 * are beyond nn.LSTM, and all keep Keras' single bias. The module keeps Keras' weight layouts
 * (kernel [in, gates·units], recurrent_kernel [units, gates·units], gate order z, r, h for the GRU
 * and i, f, c, o for the LSTM), so the weights load unchanged and the parameter counts agree.
 *
 * Dropout inside the cell follows tfjs-layers 4.22 in train mode: one mask per sequence (drawn at
 * the first step and kept for every step), the same mask for every gate, scaled by 1/(1 - rate);
 * the recurrent mask multiplies the previous h before its products (in the GRU also where h is
 * carried over, as tfjs does). In eval mode neither has any effect.
 */
import type { Shape } from '../../shapes/shape';
import { asChannelsLast, empty, entry, ExportRefusal, nnLstm, nnLstmComputes, num, one, pyFloat, weight, type Emitted, type LayerRule, type RuleContext, type TfjsWeight, type TorchValue } from './rules';

/** Activations the module maps (KERAS_ACTIVATIONS in the helper): every recurrent activation of the catalogue. */
const ACTIVATIONS = new Set(['tanh', 'relu', 'sigmoid', 'hardSigmoid', 'linear', 'elu', 'selu', 'softplus', 'softsign', 'swish']);

type Cell = 'simple_rnn' | 'gru' | 'lstm';

function cellRefusal(cell: Cell, p: Readonly<Record<string, unknown>>): string | null {
  const activation = p['activation'] as string;
  if (!ACTIVATIONS.has(activation)) return `activation "${activation}" has no exact PyTorch equivalent here`;
  if (cell !== 'simple_rnn' && !ACTIVATIONS.has(p['recurrentActivation'] as string)) return `gate activation "${p['recurrentActivation'] as string}" has no exact PyTorch equivalent here`;
  return null;
}

/** The KerasRecurrent(...) constructor call of a cell with the node's options. */
function cellModule(cell: Cell, features: number, p: Readonly<Record<string, unknown>>, useBias: boolean): string {
  const args = [`"${cell}"`, `${features}`, `${num(p, 'units')}`, `activation="${p['activation'] as string}"`];
  if (cell !== 'simple_rnn') args.push(`recurrent_activation="${p['recurrentActivation'] as string}"`);
  if (!useBias) args.push('bias=False');
  if (num(p, 'dropout') > 0) args.push(`dropout=${pyFloat(num(p, 'dropout'))}`);
  if (num(p, 'recurrentDropout') > 0) args.push(`recurrent_dropout=${pyFloat(num(p, 'recurrentDropout'))}`);
  return `KerasRecurrent(${args.join(', ')})`;
}

/** Keras' initialization of one KerasRecurrent at `path`, and its tfjs weights (keys `${prefix}kernel`...) as state entries. */
function cellParameters(e: Emitted, ctx: RuleContext, cell: Cell, path: string, useBias: boolean, unitForgetBias: boolean, kernels: { kernel: TfjsWeight | null; recurrent: TfjsWeight | null; bias: TfjsWeight | null }): void {
  const units = num(ctx.params, 'units');
  // Keras: glorot-uniform kernel, orthogonal recurrent kernel (the whole [units, gates·units] matrix), zero bias.
  e.init.push(`nn.init.xavier_uniform_(model.${path}.kernel)`, `nn.init.orthogonal_(model.${path}.recurrent_kernel)`);
  if (useBias) e.init.push(`nn.init.zeros_(model.${path}.bias)`);
  if (useBias && cell === 'lstm' && unitForgetBias) e.init.push(`nn.init.ones_(model.${path}.bias[${units}:${2 * units}])  # Keras' unit_forget_bias`);
  if (kernels.kernel && kernels.recurrent) {
    e.state.push(entry(`${path}.kernel`, kernels.kernel), entry(`${path}.recurrent_kernel`, kernels.recurrent));
    if (kernels.bias) e.state.push(entry(`${path}.bias`, kernels.bias));
  }
}

/**
 * The node as KerasRecurrent: used by SimpleRNN and GRU always, and by LSTM when nn.LSTM cannot
 * compute it (gate or cell activations other than sigmoid/tanh, dropout inside the cell).
 */
export function emitKerasRecurrent(ctx: RuleContext, cell: Cell): Emitted {
  const e = empty();
  const x = one(ctx);
  const features = x.shape[2] as number;
  const useBias = ctx.params['useBias'] as boolean;
  e.helpers.push('KerasRecurrent');
  e.modules.push(`${ctx.attr} = ${cellModule(cell, features, ctx.params, useBias)}`);
  let input = asChannelsLast(x);
  let mask = x.mask;
  if (ctx.params['goBackwards']) {
    e.forward.push(`# go_backwards: Keras reads the sequence from the end and returns the outputs in that order.`);
    input = `torch.flip(${input}, dims=[1])`;
    if (mask) mask = `torch.flip(${mask}, dims=[1])`;
  }
  const states = cell === 'lstm' ? ['h', 'c'] : ['h'];
  const initial = states.map((s) => ctx.inputs[s === 'h' ? 'initialH' : 'initialC']?.[0]);
  const seq = `${ctx.attr}_seq`;
  const names = states.map((s) => ctx.out(s));
  if (mask) e.forward.push(`# Keras skips masked (padding) steps: the state is carried over them.`);
  const initialArgs = initial.every((v) => v !== undefined) ? initial.map((v) => `, ${asChannelsLast(v as TorchValue)}`).join('') : '';
  e.forward.push(`${seq}, ${names.join(', ')} = self.${ctx.attr}(${input}, ${mask ?? 'None'}${initialArgs})`);
  const returnSequences = ctx.params['returnSequences'] as boolean;
  const out = ctx.out('out');
  e.forward.push(`${out} = ${returnSequences ? seq : (names[0] as string)}`);
  e.outputs['out'] = { expr: out, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
  // Keras passes the input's mask on with the sequence (not reversed by go_backwards).
  if (x.mask && returnSequences) e.outputs['out'].mask = x.mask;
  if (ctx.params['returnState']) states.forEach((s, i) => (e.outputs[s] = { expr: names[i] as string, channelsFirst: false, shape: ctx.outputShapes[s] as Shape }));
  const kernel = weight(ctx, 'kernel');
  const recurrent = weight(ctx, 'recurrent_kernel');
  cellParameters(e, ctx, cell, ctx.attr, useBias, ctx.params['unitForgetBias'] === true, { kernel, recurrent, bias: kernel && useBias ? weight(ctx, 'bias') : null });
  return e;
}

function recurrentRule(cell: 'simple_rnn' | 'gru'): LayerRule {
  return { kind: 'export', refuse: (p) => cellRefusal(cell, p), emit: (ctx) => emitKerasRecurrent(ctx, cell) };
}

/** nn.LSTM where it computes Keras' LSTM exactly, else KerasRecurrent (other activations, dropout inside the cell). */
const lstm: LayerRule = {
  kind: 'export',
  refuse: (p) => cellRefusal('lstm', p),
  emit: (ctx) => (nnLstmComputes(ctx.params) && nnLstm.kind === 'export' ? nnLstm.emit(ctx) : emitKerasRecurrent(ctx, 'lstm')),
};

const CELL_OF_LAYER: Record<string, Cell> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'simple_rnn' };

/** The one tfjs weight of the node whose key starts with `prefix` (forward_/backward_) and ends with `/name`. */
function innerWeight(ctx: RuleContext, prefix: string, name: string): TfjsWeight | null {
  if (ctx.weights.size === 0) return null;
  const found = [...ctx.weights].filter(([key]) => key.startsWith(prefix) && key.endsWith(`/${name}`));
  if (found.length !== 1) throw new ExportRefusal(`node "${ctx.label}": the run's weights have ${found.length} ${prefix}…/${name} for it (expected one)`, null);
  return (found[0] as [string, TfjsWeight])[1];
}

const bidirectional: LayerRule = {
  kind: 'export',
  refuse: (p) => cellRefusal(CELL_OF_LAYER[p['layer'] as string] ?? 'lstm', p),
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const cell = CELL_OF_LAYER[ctx.params['layer'] as string];
    if (!cell) throw new ExportRefusal(`node "${ctx.label}": wrapped layer "${ctx.params['layer'] as string}" has no PyTorch rule`, null);
    const features = x.shape[2] as number;
    const returnSequences = ctx.params['returnSequences'] as boolean;
    e.helpers.push('KerasRecurrent', 'KerasBidirectional');
    e.modules.push(
      `${ctx.attr} = KerasBidirectional("${ctx.params['mergeMode'] as string}", ${returnSequences ? 'True' : 'False'}, ${cellModule(cell, features, ctx.params, true).replace(/^KerasRecurrent\(|\)$/g, '')})`,
    );
    const states = cell === 'lstm' ? ['h', 'c'] : ['h'];
    const forwardStates = states.map((s) => ctx.out(`${s}Forward`));
    const backwardStates = states.map((s) => ctx.out(`${s}Backward`));
    const out = ctx.out('out');
    const tuple = (names: string[]) => `(${names.join(', ')}${names.length === 1 ? ',' : ''})`;
    if (x.mask) e.forward.push(`# Keras skips masked (padding) steps in both directions: the state is carried over them.`);
    e.forward.push(`${out}, ${tuple(forwardStates)}, ${tuple(backwardStates)} = self.${ctx.attr}(${asChannelsLast(x)}${x.mask ? `, ${x.mask}` : ''})`);
    e.outputs['out'] = { expr: out, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    // Keras' Bidirectional passes the input's mask on with a merged sequence.
    if (x.mask && returnSequences) e.outputs['out'].mask = x.mask;
    if (ctx.params['returnState']) {
      states.forEach((s, i) => {
        e.outputs[`${s}Forward`] = { expr: forwardStates[i] as string, channelsFirst: false, shape: ctx.outputShapes[`${s}Forward`] as Shape };
        e.outputs[`${s}Backward`] = { expr: backwardStates[i] as string, channelsFirst: false, shape: ctx.outputShapes[`${s}Backward`] as Shape };
      });
    }
    // tfjs names the inner layers forward_<name> and backward_<name>; the LSTM inside starts with unit_forget_bias.
    for (const direction of ['forward', 'backward'] as const) {
      const kernel = innerWeight(ctx, `${direction}_`, 'kernel');
      cellParameters(e, ctx, cell, `${ctx.attr}.${direction}_layer`, true, true, {
        kernel,
        recurrent: innerWeight(ctx, `${direction}_`, 'recurrent_kernel'),
        bias: kernel ? innerWeight(ctx, `${direction}_`, 'bias') : null,
      });
    }
    return e;
  },
};

const reverseTime: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const y = ctx.out('out');
    e.forward.push(`${y} = torch.flip(${asChannelsLast(one(ctx))}, dims=[1])`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

export const RECURRENT_HELPERS: Readonly<Record<string, string>> = {
  KerasRecurrent: `KERAS_ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "hardSigmoid": lambda x: torch.clamp(0.2 * x + 0.5, 0.0, 1.0),  # Keras' piecewise-linear sigmoid
    "linear": lambda x: x,
    "elu": F.elu,
    "selu": F.selu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "swish": F.silu,
}


class KerasRecurrent(nn.Module):
    """Keras' SimpleRNN ("simple_rnn"), GRU ("gru", reset_after=False: the reset gate scales h before
    the recurrent product, which nn.GRU cannot express) or LSTM ("lstm"), in Keras' layouts: kernel
    [in, gates*units], recurrent_kernel [units, gates*units] with the gates in Keras' order (GRU z, r, h;
    LSTM i, f, c, o), and one bias.

    dropout / recurrent_dropout (train mode only) as tfjs: one mask per sequence, kept for every step
    and shared by the gates, on the input and on the previous h."""

    def __init__(self, cell, input_size, units, activation="tanh", recurrent_activation="sigmoid", bias=True, dropout=0.0, recurrent_dropout=0.0):
        super().__init__()
        gates = {"simple_rnn": 1, "gru": 3, "lstm": 4}[cell]
        self.cell, self.units = cell, units
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout
        self.activation = KERAS_ACTIVATIONS[activation]
        self.recurrent_activation = KERAS_ACTIVATIONS[recurrent_activation]
        self.kernel = nn.Parameter(torch.empty(input_size, gates * units))
        self.recurrent_kernel = nn.Parameter(torch.empty(units, gates * units))
        self.bias = nn.Parameter(torch.zeros(gates * units)) if bias else None
        nn.init.xavier_uniform_(self.kernel)
        nn.init.orthogonal_(self.recurrent_kernel)

    def step(self, x_t, h, c):
        if self.cell == "simple_rnn":
            return self.activation(x_t + h @ self.recurrent_kernel), None
        if self.cell == "lstm":
            i, f, g, o = (x_t + h @ self.recurrent_kernel).chunk(4, dim=1)
            c = self.recurrent_activation(f) * c + self.recurrent_activation(i) * self.activation(g)
            return self.recurrent_activation(o) * self.activation(c), c
        u = self.units
        inner = h @ self.recurrent_kernel[:, : 2 * u]
        z = self.recurrent_activation(x_t[:, :u] + inner[:, :u])
        r = self.recurrent_activation(x_t[:, u : 2 * u] + inner[:, u:])
        candidate = self.activation(x_t[:, 2 * u :] + (r * h) @ self.recurrent_kernel[:, 2 * u :])
        return z * h + (1 - z) * candidate, None

    def forward(self, x, mask=None, h=None, c=None):
        """x [batch, time, features] -> (outputs [batch, time, units], last h [batch, units](, last c)).
        At a masked step the state (and so the output) carries over, as in Keras."""
        batch = x.shape[0]
        if self.training and self.dropout > 0:
            x = x * F.dropout(x.new_ones(batch, 1, x.shape[2]), self.dropout)
        recurrent_mask = None
        if self.training and self.recurrent_dropout > 0:
            recurrent_mask = F.dropout(x.new_ones(batch, self.units), self.recurrent_dropout)
        projected = x @ self.kernel
        if self.bias is not None:
            projected = projected + self.bias
        if h is None:
            h = x.new_zeros(batch, self.units)
        if c is None and self.cell == "lstm":
            c = x.new_zeros(batch, self.units)
        outputs = []
        for t in range(x.shape[1]):
            h_in = h if recurrent_mask is None else h * recurrent_mask
            h_next, c_next = self.step(projected[:, t], h_in, c)
            keep = None if mask is None else mask[:, t].unsqueeze(1)
            h = h_next if keep is None else torch.where(keep, h_next, h)
            if c is not None:
                c = c_next if keep is None else torch.where(keep, c_next, c)
            outputs.append(h)
        if self.cell == "lstm":
            return torch.stack(outputs, dim=1), h, c
        return torch.stack(outputs, dim=1), h`,
  KerasBidirectional: `class KerasBidirectional(nn.Module):
    """Keras' Bidirectional: a recurrent layer over the sequence and a copy over it reversed (its mask
    reversed too). With return sequences the backward outputs are flipped back to the forward time
    order before merging ("concat", "sum", "mul", "ave"). Returns the merged output and each
    direction's final states (h, and c for an LSTM)."""

    def __init__(self, merge_mode, return_sequences, *args, **kwargs):
        super().__init__()
        self.merge_mode, self.return_sequences = merge_mode, return_sequences
        self.forward_layer = KerasRecurrent(*args, **kwargs)
        self.backward_layer = KerasRecurrent(*args, **kwargs)

    def forward(self, x, mask=None):
        forward_seq, *forward_states = self.forward_layer(x, mask)
        backward_seq, *backward_states = self.backward_layer(torch.flip(x, dims=[1]), None if mask is None else torch.flip(mask, dims=[1]))
        if self.return_sequences:
            a, b = forward_seq, torch.flip(backward_seq, dims=[1])
        else:
            a, b = forward_states[0], backward_states[0]
        if self.merge_mode == "concat":
            merged = torch.cat([a, b], dim=-1)
        elif self.merge_mode == "sum":
            merged = a + b
        elif self.merge_mode == "mul":
            merged = a * b
        else:
            merged = 0.5 * (a + b)
        return merged, forward_states, backward_states`,
};

export const RECURRENT_RULES: Readonly<Record<string, LayerRule>> = {
  SimpleRNN: recurrentRule('simple_rnn'),
  GRU: recurrentRule('gru'),
  LSTM: lstm,
  Bidirectional: bidirectional,
  ReverseTime: reverseTime,
};
