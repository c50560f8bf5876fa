/**
 * SimpleRNN and GRU for the PyTorch export, as one small nn.Module (KerasRecurrent) that loops over
 * time the way tfjs does: tfjs' GRU is Keras' reset_after=False variant (the reset gate scales the
 * state before the recurrent product), which nn.GRU cannot express, and both keep Keras' single
 * bias. The module keeps Keras' weight layouts (kernel [in, gates·units], recurrent_kernel
 * [units, gates·units], gate order z, r, h), so the weights load unchanged and the parameter
 * counts agree.
 */
import type { Shape } from '../../shapes/shape';
import { asChannelsLast, empty, entry, num, one, weight, type LayerRule } from './rules';

/** Activations the module maps (KERAS_ACTIVATIONS in the helper): every recurrent activation of the catalogue. */
const ACTIVATIONS = new Set(['tanh', 'relu', 'sigmoid', 'hardSigmoid', 'linear', 'elu', 'selu', 'softplus', 'softsign', 'swish']);

function recurrentRule(cell: 'simple_rnn' | 'gru'): LayerRule {
  return {
    kind: 'export',
    refuse(p) {
      const activation = p['activation'] as string;
      if (!ACTIVATIONS.has(activation)) return `activation "${activation}" has no exact PyTorch equivalent here`;
      if (cell === 'gru' && !ACTIVATIONS.has(p['recurrentActivation'] as string)) return `gate activation "${p['recurrentActivation'] as string}" has no exact PyTorch equivalent here`;
      if ((p['dropout'] as number) > 0 || (p['recurrentDropout'] as number) > 0) return 'input/recurrent dropout inside the cell (Keras draws one mask per sequence) is not exported; set them to 0 and add a Dropout node';
      return null;
    },
    emit(ctx) {
      const e = empty();
      const x = one(ctx);
      const units = num(ctx.params, 'units');
      const features = x.shape[2] as number;
      const useBias = ctx.params['useBias'] as boolean;
      const gateActivation = cell === 'gru' ? `, recurrent_activation="${ctx.params['recurrentActivation'] as string}"` : '';
      e.helpers.push('KerasRecurrent');
      e.modules.push(`${ctx.attr} = KerasRecurrent("${cell}", ${features}, ${units}, activation="${ctx.params['activation'] as string}"${gateActivation}${useBias ? '' : ', bias=False'})`);
      let input = asChannelsLast(x);
      let mask = x.mask;
      if (ctx.params['goBackwards']) {
        e.forward.push(`# go_backwards: Keras reads the sequence from the end and returns the outputs in that order.`);
        input = `torch.flip(${input}, dims=[1])`;
        if (mask) mask = `torch.flip(${mask}, dims=[1])`;
      }
      const h0 = ctx.inputs['initialH']?.[0];
      const seq = `${ctx.attr}_seq`;
      const h = ctx.out('h');
      if (mask) e.forward.push(`# Keras skips masked (padding) steps: the state is carried over them.`);
      e.forward.push(`${seq}, ${h} = self.${ctx.attr}(${input}, ${mask ?? 'None'}${h0 ? `, ${asChannelsLast(h0)}` : ''})`);
      const returnSequences = ctx.params['returnSequences'] as boolean;
      const out = ctx.out('out');
      e.forward.push(`${out} = ${returnSequences ? seq : h}`);
      e.outputs['out'] = { expr: out, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
      // Keras passes the input's mask on with the sequence (not reversed by go_backwards).
      if (x.mask && returnSequences) e.outputs['out'].mask = x.mask;
      if (ctx.params['returnState']) e.outputs['h'] = { expr: h, channelsFirst: false, shape: ctx.outputShapes['h'] as Shape };
      // Keras: glorot-uniform kernel, orthogonal recurrent kernel (the whole [units, gates·units] matrix), zero bias.
      e.init.push(`nn.init.xavier_uniform_(model.${ctx.attr}.kernel)`, `nn.init.orthogonal_(model.${ctx.attr}.recurrent_kernel)`);
      if (useBias) e.init.push(`nn.init.zeros_(model.${ctx.attr}.bias)`);
      const k = weight(ctx, 'kernel');
      const r = weight(ctx, 'recurrent_kernel');
      if (k && r) {
        e.state.push(entry(`${ctx.attr}.kernel`, k), entry(`${ctx.attr}.recurrent_kernel`, r));
        const b = useBias ? weight(ctx, 'bias') : null;
        if (b) e.state.push(entry(`${ctx.attr}.bias`, b));
      }
      return e;
    },
  };
}

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
    """Keras' SimpleRNN ("simple_rnn") or GRU ("gru", reset_after=False: the reset gate scales h before
    the recurrent product, which nn.GRU cannot express), in Keras' layouts: kernel [in, gates*units],
    recurrent_kernel [units, gates*units] with the GRU's gates in the order z, r, h, and one bias."""

    def __init__(self, cell, input_size, units, activation="tanh", recurrent_activation="sigmoid", bias=True):
        super().__init__()
        gates = 3 if cell == "gru" else 1
        self.cell, self.units = cell, units
        self.activation = KERAS_ACTIVATIONS[activation]
        self.recurrent_activation = KERAS_ACTIVATIONS[recurrent_activation]
        self.kernel = nn.Parameter(torch.empty(input_size, gates * units))
        self.recurrent_kernel = nn.Parameter(torch.empty(units, gates * units))
        self.bias = nn.Parameter(torch.zeros(gates * units)) if bias else None
        nn.init.xavier_uniform_(self.kernel)
        nn.init.orthogonal_(self.recurrent_kernel)

    def step(self, x_t, h):
        if self.cell == "simple_rnn":
            return self.activation(x_t + h @ self.recurrent_kernel)
        u = self.units
        inner = h @ self.recurrent_kernel[:, : 2 * u]
        z = self.recurrent_activation(x_t[:, :u] + inner[:, :u])
        r = self.recurrent_activation(x_t[:, u : 2 * u] + inner[:, u:])
        candidate = self.activation(x_t[:, 2 * u :] + (r * h) @ self.recurrent_kernel[:, 2 * u :])
        return z * h + (1 - z) * candidate

    def forward(self, x, mask=None, h=None):
        """x [batch, time, features] -> (outputs [batch, time, units], last state [batch, units]).
        At a masked step the state (and so the output) carries over, as in Keras."""
        projected = x @ self.kernel
        if self.bias is not None:
            projected = projected + self.bias
        if h is None:
            h = x.new_zeros(x.shape[0], self.units)
        outputs = []
        for t in range(x.shape[1]):
            h_next = self.step(projected[:, t], h)
            h = h_next if mask is None else torch.where(mask[:, t].unsqueeze(1), h_next, h)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h`,
};

export const RECURRENT_RULES: Readonly<Record<string, LayerRule>> = {
  SimpleRNN: recurrentRule('simple_rnn'),
  GRU: recurrentRule('gru'),
};
