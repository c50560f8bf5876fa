/**
 * Rules for the attention, normalization, flow and custom layers of the PyTorch export: each
 * becomes a small nn.Module in model.py written to compute exactly what the catalogue's tfjs layer
 * computes (same masks, same -1e9 masking, same epsilon placement), with Keras' weights converted.
 */
import type { Shape } from '../../shapes/shape';
import {
  asChannelsFirst,
  asChannelsLast,
  ExportRefusal,
  pyFloat,
  transposeArray,
  type Emitted,
  type LayerRule,
  type RuleContext,
  type StateEntry,
  type TfjsWeight,
  type TorchValue,
} from './rules';

function empty(): Emitted {
  return { modules: [], forward: [], outputs: {}, init: [], state: [], helpers: [] };
}

function one(ctx: RuleContext, port = 'in'): TorchValue {
  const v = ctx.inputs[port]?.[0];
  if (!v) throw new ExportRefusal(`node "${ctx.label}": input "${port}" is not connected`, null);
  return v;
}

function lastDim(v: TorchValue): number {
  return v.shape[v.shape.length - 1] as number;
}

/** Converted state entries from the node's tfjs weights (none when exporting without a run). */
class StateWriter {
  constructor(
    private readonly ctx: RuleContext,
    private readonly out: StateEntry[],
  ) {}

  private get(key: string): TfjsWeight | null {
    if (this.ctx.weights.size === 0) return null;
    const w = this.ctx.weights.get(key);
    if (!w) throw new ExportRefusal(`node "${this.ctx.label}": the run's weights have no ${key} for it`, null);
    return w;
  }

  /** As it is (optionally reshaped: same row-major data). */
  same(from: string, to: string, shape?: readonly number[]): void {
    const w = this.get(from);
    if (w) this.out.push({ key: to, shape: shape ?? [...w.shape], values: w.values });
  }

  /** A Keras kernel [in, ...out] read as [in, prod(out)] and transposed to nn.Linear's [out, in]. */
  linear(from: string, to: string, rowsFirst = 1): void {
    const w = this.get(from);
    if (!w) return;
    const rows = w.shape.slice(0, rowsFirst).reduce((a, b) => a * b, 1);
    const cols = w.values.length / rows;
    const t = transposeArray(w.values, [rows, cols], [1, 0]);
    this.out.push({ key: to, shape: t.shape, values: t.values });
  }
}

const attention: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const query = one(ctx, 'query');
    const values = one(ctx, 'values');
    const mask = ctx.inputs['mask']?.[0];
    const score = ctx.params['score'] as string;
    const units = ctx.params['units'] as number;
    e.helpers.push('masked_softmax', 'Attention');
    e.modules.push(`${ctx.attr} = Attention("${score}", ${lastDim(query)}, ${lastDim(values)}, units=${units}, causal=${ctx.params['causal'] ? 'True' : 'False'})`);
    const context = ctx.out('context');
    const weights = ctx.out('weights');
    e.forward.push(`${context}, ${weights} = self.${ctx.attr}(${asChannelsLast(query)}, ${asChannelsLast(values)}${mask ? `, ${asChannelsLast(mask)}` : ''})`);
    e.outputs['context'] = { expr: context, channelsFirst: false, shape: ctx.outputShapes['context'] as Shape };
    e.outputs['weights'] = { expr: weights, channelsFirst: false, shape: ctx.outputShapes['weights'] as Shape };
    const s = new StateWriter(ctx, e.state);
    if (score === 'general') {
      e.init.push(`nn.init.xavier_uniform_(model.${ctx.attr}.kernel.weight)`);
      s.linear('kernel', `${ctx.attr}.kernel.weight`);
    } else if (score === 'additive') {
      for (const k of ['values_kernel', 'query_kernel']) {
        e.init.push(`nn.init.xavier_uniform_(model.${ctx.attr}.${k}.weight)`);
        s.linear(k, `${ctx.attr}.${k}.weight`);
      }
      // Keras draws the score vector [units] Glorot-uniform as a [units] weight: fans (units, units).
      e.init.push(`nn.init.uniform_(model.${ctx.attr}.score_vector.weight, -math.sqrt(3 / ${units}), math.sqrt(3 / ${units}))`);
      s.same('score_vector', `${ctx.attr}.score_vector.weight`, [1, units]);
    }
    return e;
  },
};

/** Weight conversion and init of a MultiHeadAttention helper module at `prefix`. */
function mhaState(ctx: RuleContext, e: Emitted, from: string, to: string, useBias: boolean): void {
  const s = new StateWriter(ctx, e.state);
  for (const name of ['query', 'key', 'value', 'attention_output']) {
    // query/key/value kernels [d, heads, size]; the output kernel [heads, size, out]: rows are the first axes.
    s.linear(`${from}${name}/kernel`, `${to}.${name}.weight`, name === 'attention_output' ? 2 : 1);
    e.init.push(`nn.init.xavier_uniform_(model.${to}.${name}.weight)`);
    if (useBias) {
      const bias = ctx.weights.get(`${from}${name}/bias`);
      if (bias) e.state.push({ key: `${to}.${name}.bias`, shape: [bias.values.length], values: bias.values });
      e.init.push(`nn.init.zeros_(model.${to}.${name}.bias)`);
    }
  }
}

const multiHeadAttention: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const p = ctx.params;
    const query = one(ctx, 'query');
    const value = one(ctx, 'value');
    const key = ctx.inputs['key']?.[0];
    const mask = ctx.inputs['mask']?.[0];
    const keyDim = p['keyDim'] as number;
    const valueDim = (p['valueDim'] as number) > 0 ? (p['valueDim'] as number) : keyDim;
    const outputDim = (p['outputDim'] as number) > 0 ? (p['outputDim'] as number) : lastDim(query);
    const useBias = p['useBias'] as boolean;
    e.helpers.push('masked_softmax', 'MultiHeadAttention');
    e.modules.push(
      `${ctx.attr} = MultiHeadAttention(${lastDim(query)}, ${key ? lastDim(key) : lastDim(value)}, ${lastDim(value)}, num_heads=${p['numHeads'] as number}, key_dim=${keyDim}, value_dim=${valueDim}, output_dim=${outputDim}, use_bias=${useBias ? 'True' : 'False'}, causal=${p['causal'] ? 'True' : 'False'}, dropout=${pyFloat(p['dropout'] as number)})`,
    );
    const out = ctx.out('out');
    const weights = ctx.out('weights');
    const args = [asChannelsLast(query), asChannelsLast(value)];
    if (key) args.push(`key=${asChannelsLast(key)}`);
    if (mask) args.push(`mask=${asChannelsLast(mask)}`);
    e.forward.push(`${out}, ${weights} = self.${ctx.attr}(${args.join(', ')})`);
    e.outputs['out'] = { expr: out, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    e.outputs['weights'] = { expr: weights, channelsFirst: false, shape: ctx.outputShapes['weights'] as Shape };
    mhaState(ctx, e, '', ctx.attr, useBias);
    return e;
  },
};

const transformerEncoderBlock: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const p = ctx.params;
    const x = one(ctx);
    const mask = ctx.inputs['mask']?.[0];
    const d = lastDim(x);
    e.helpers.push('masked_softmax', 'MultiHeadAttention', 'TransformerEncoderBlock');
    e.modules.push(
      `${ctx.attr} = TransformerEncoderBlock(${d}, num_heads=${p['numHeads'] as number}, key_dim=${p['keyDim'] as number}, ff_dim=${p['ffDim'] as number}, activation="${p['activation'] as string}", dropout=${pyFloat(p['dropout'] as number)}, epsilon=${pyFloat(p['epsilon'] as number)}, norm_placement="${p['normPlacement'] as string}", causal=${p['causal'] ? 'True' : 'False'})`,
    );
    const out = ctx.out('out');
    const weights = ctx.out('weights');
    e.forward.push(`${out}, ${weights} = self.${ctx.attr}(${asChannelsLast(x)}${mask ? `, ${asChannelsLast(mask)}` : ''})`);
    e.outputs['out'] = { expr: out, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    e.outputs['weights'] = { expr: weights, channelsFirst: false, shape: ctx.outputShapes['weights'] as Shape };
    mhaState(ctx, e, 'mha/', `${ctx.attr}.mha`, true);
    const s = new StateWriter(ctx, e.state);
    for (const norm of ['norm1', 'norm2']) {
      s.same(`${norm}/gamma`, `${ctx.attr}.${norm}.weight`);
      s.same(`${norm}/beta`, `${ctx.attr}.${norm}.bias`);
      e.init.push(`nn.init.ones_(model.${ctx.attr}.${norm}.weight)`, `nn.init.zeros_(model.${ctx.attr}.${norm}.bias)`);
    }
    for (const ff of ['ff1', 'ff2']) {
      s.linear(`${ff}/kernel`, `${ctx.attr}.${ff}.weight`);
      s.same(`${ff}/bias`, `${ctx.attr}.${ff}.bias`);
      e.init.push(`nn.init.xavier_uniform_(model.${ctx.attr}.${ff}.weight)`, `nn.init.zeros_(model.${ctx.attr}.${ff}.bias)`);
    }
    return e;
  },
};

const positionalEncoding: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    e.helpers.push('sinusoidal_table');
    const y = ctx.out('out');
    const v = asChannelsLast(x);
    e.forward.push(`${y} = ${v} + sinusoidal_table(${v}.shape[1], ${v}.shape[2], ${pyFloat(ctx.params['base'] as number)}).to(${v})`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const positionEmbedding: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const maxLength = ctx.params['maxLength'] as number;
    const d = lastDim(x);
    e.modules.push(`${ctx.attr} = nn.Embedding(${maxLength}, ${d})  # one learned vector per position`);
    const y = ctx.out('out');
    const v = asChannelsLast(x);
    e.forward.push(`${y} = ${v} + self.${ctx.attr}.weight[: ${v}.shape[1]]`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    e.init.push(`nn.init.xavier_uniform_(model.${ctx.attr}.weight)`);
    new StateWriter(ctx, e.state).same('embeddings', `${ctx.attr}.weight`);
    return e;
  },
};

const split: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const parts = ctx.params['parts'] as number;
    const sizes = ctx.params['sizes'] as number[];
    const total = lastDim(x);
    const list = sizes.length > 0 ? sizes : Array.from({ length: parts }, () => total / parts);
    const names = list.map((_, i) => ctx.out(`out${i + 1}`));
    e.forward.push(`${names.join(', ')} = torch.split(${asChannelsLast(x)}, [${list.join(', ')}], dim=-1)`);
    names.forEach((n, i) => {
      e.outputs[`out${i + 1}`] = { expr: n, channelsFirst: false, shape: ctx.outputShapes[`out${i + 1}`] as Shape };
    });
    return e;
  },
};

const affineCoupling: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const size = lastDim(x);
    const splitAt = (ctx.params['split'] as number) === 0 ? Math.floor(size / 2) : (ctx.params['split'] as number);
    const hidden = ctx.params['hiddenUnits'] as number;
    e.helpers.push('AffineCoupling');
    e.modules.push(
      `${ctx.attr} = AffineCoupling(${splitAt}, ${size - splitAt}, hidden_units=${hidden}, activation="${ctx.params['hiddenActivation'] as string}", scale_tanh=${ctx.params['scaleTanh'] ? 'True' : 'False'})`,
    );
    const out = ctx.out('out');
    const logDet = ctx.out('logDet');
    e.forward.push(`${out}, ${logDet} = self.${ctx.attr}(${asChannelsLast(x)})`);
    e.outputs['out'] = { expr: out, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    e.outputs['logDet'] = { expr: logDet, channelsFirst: false, shape: ctx.outputShapes['logDet'] as Shape };
    const s = new StateWriter(ctx, e.state);
    for (const net of ['g', 'f']) {
      s.linear(`${net}_kernel1`, `${ctx.attr}.${net}1.weight`);
      s.same(`${net}_bias1`, `${ctx.attr}.${net}1.bias`);
      s.linear(`${net}_kernel2`, `${ctx.attr}.${net}2.weight`);
      s.same(`${net}_bias2`, `${ctx.attr}.${net}2.bias`);
      // The output layers start at zero so the block starts as the identity (as in Glow).
      e.init.push(
        `nn.init.xavier_uniform_(model.${ctx.attr}.${net}1.weight)`,
        `nn.init.zeros_(model.${ctx.attr}.${net}1.bias)`,
        `nn.init.zeros_(model.${ctx.attr}.${net}2.weight)`,
        `nn.init.zeros_(model.${ctx.attr}.${net}2.bias)`,
      );
    }
    s.same('log_scale', `${ctx.attr}.log_scale`);
    e.init.push(`nn.init.zeros_(model.${ctx.attr}.log_scale)`);
    return e;
  },
};

function affineRefusal(p: Readonly<Record<string, unknown>>): string | null {
  if (p['axis'] !== -1) return `axis ${p['axis'] as number}: only the last (channels) axis is exported`;
  if (p['center'] !== p['scale']) return 'center and scale differ: PyTorch norms learn both or neither (affine)';
  return null;
}

const batchNorm: LayerRule = {
  kind: 'export',
  refuse: affineRefusal,
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const rank = x.shape.length;
    const c = lastDim(x);
    const affine = ctx.params['center'] as boolean;
    const kind = rank === 4 ? 'KerasBatchNorm2d' : 'KerasBatchNorm1d';
    e.helpers.push('KerasBatchNorm');
    // Keras: moving = m·moving + (1 - m)·batch; PyTorch: running = (1 - momentum)·running + momentum·batch.
    e.modules.push(
      `${ctx.attr} = ${kind}(${c}, eps=${pyFloat(ctx.params['epsilon'] as number)}, momentum=${pyFloat(Number((1 - (ctx.params['momentum'] as number)).toPrecision(12)))}${affine ? '' : ', affine=False'})  # Keras momentum ${ctx.params['momentum'] as number}`,
    );
    const y = ctx.out('out');
    const input = rank === 2 ? x.expr : asChannelsFirst(x);
    e.forward.push(`${y} = self.${ctx.attr}(${input})`);
    e.outputs['out'] = { expr: y, channelsFirst: rank > 2, shape: ctx.outputShapes['out'] as Shape };
    const s = new StateWriter(ctx, e.state);
    if (affine) {
      s.same('gamma', `${ctx.attr}.weight`);
      s.same('beta', `${ctx.attr}.bias`);
    }
    s.same('moving_mean', `${ctx.attr}.running_mean`);
    s.same('moving_variance', `${ctx.attr}.running_var`);
    return e;
  },
};

const layerNorm: LayerRule = {
  kind: 'export',
  refuse: affineRefusal,
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const c = lastDim(x);
    const affine = ctx.params['center'] as boolean;
    e.modules.push(`${ctx.attr} = nn.LayerNorm(${c}, eps=${pyFloat(ctx.params['epsilon'] as number)}${affine ? '' : ', elementwise_affine=False'})`);
    const y = ctx.out('out');
    e.forward.push(`${y} = self.${ctx.attr}(${asChannelsLast(x)})`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    const s = new StateWriter(ctx, e.state);
    if (affine) {
      s.same('gamma', `${ctx.attr}.weight`);
      s.same('beta', `${ctx.attr}.bias`);
    }
    return e;
  },
};

export const ADVANCED_RULES: Readonly<Record<string, LayerRule>> = {
  Attention: attention,
  MultiHeadAttention: multiHeadAttention,
  TransformerEncoderBlock: transformerEncoderBlock,
  PositionalEncoding: positionalEncoding,
  PositionEmbedding: positionEmbedding,
  Split: split,
  AffineCoupling: affineCoupling,
  BatchNorm: batchNorm,
  LayerNorm: layerNorm,
};

export const ADVANCED_HELPERS: Readonly<Record<string, string>> = {
  KerasBatchNorm: `class KerasBatchNormMixin:
    """Keras' training step: normalise with the batch statistics, move the running variance with the
    biased batch variance (nn.BatchNorm moves it with the unbiased one, n / (n - 1) larger)."""

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        dims = [0] + list(range(2, x.dim()))
        y = nn.functional.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)
        with torch.no_grad():
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * x.mean(dims))
            self.running_var.mul_(1 - self.momentum).add_(self.momentum * x.var(dims, unbiased=False))
            self.num_batches_tracked.add_(1)
        return y


class KerasBatchNorm1d(KerasBatchNormMixin, nn.BatchNorm1d):
    pass


class KerasBatchNorm2d(KerasBatchNormMixin, nn.BatchNorm2d):
    pass`,
  masked_softmax: `def masked_softmax(scores, causal=False, key_mask=None, leading_axes=0):
    """Softmax over the last axis with -1e9 added where attention is not allowed (as Netwright does)."""
    tq, tv = scores.shape[-2], scores.shape[-1]
    if causal:
        allowed = torch.tril(torch.ones(tq, tv, device=scores.device, dtype=scores.dtype))
        scores = scores + (1 - allowed) * -1e9
    if key_mask is not None:
        keep = (key_mask > 0.5).to(scores.dtype)
        scores = scores + (1 - keep.reshape(keep.shape[0], *([1] * (leading_axes + 1)), tv)) * -1e9
    return torch.softmax(scores, dim=-1)`,
  Attention: `class Attention(nn.Module):
    """Seq2seq attention of queries [B, Tq, dq] over values [B, Tv, dv] (the values are also the keys).

    score: "dot" q.h, "scaledDot" q.h / sqrt(d), "general" q^T W h, "additive" v^T tanh(W1 h + W2 q).
    Returns the context [B, Tq, dv] and the weights [B, Tq, Tv].
    """

    def __init__(self, score, query_dim, values_dim, units=32, causal=False):
        super().__init__()
        self.score, self.causal = score, causal
        if score == "general":
            self.kernel = nn.Linear(query_dim, values_dim, bias=False)
        elif score == "additive":
            self.values_kernel = nn.Linear(values_dim, units, bias=False)
            self.query_kernel = nn.Linear(query_dim, units, bias=False)
            self.score_vector = nn.Linear(units, 1, bias=False)

    def forward(self, query, values, mask=None):
        if self.score == "dot":
            scores = query @ values.transpose(1, 2)
        elif self.score == "scaledDot":
            scores = query @ values.transpose(1, 2) / math.sqrt(query.shape[2])
        elif self.score == "general":
            scores = self.kernel(query) @ values.transpose(1, 2)
        else:
            hidden = torch.tanh(self.values_kernel(values).unsqueeze(1) + self.query_kernel(query).unsqueeze(2))
            scores = self.score_vector(hidden).squeeze(3)
        weights = masked_softmax(scores, self.causal, mask)
        return weights @ values, weights`,
  MultiHeadAttention: `class MultiHeadAttention(nn.Module):
    """Keras' MultiHeadAttention: per-head projections, scaled dot product, output projection.

    Returns the output [B, Tq, output_dim] and the weights [B, heads, Tq, Tv] (before dropout, as Keras).
    """

    def __init__(self, query_dim, key_in_dim, value_in_dim, num_heads, key_dim, value_dim, output_dim, use_bias=True, causal=False, dropout=0.0):
        super().__init__()
        self.num_heads, self.key_dim, self.value_dim, self.causal = num_heads, key_dim, value_dim, causal
        self.query = nn.Linear(query_dim, num_heads * key_dim, bias=use_bias)
        self.key = nn.Linear(key_in_dim, num_heads * key_dim, bias=use_bias)
        self.value = nn.Linear(value_in_dim, num_heads * value_dim, bias=use_bias)
        self.attention_output = nn.Linear(num_heads * value_dim, output_dim, bias=use_bias)
        self.dropout = nn.Dropout(dropout)

    def _heads(self, x, layer, size):
        return layer(x).reshape(x.shape[0], x.shape[1], self.num_heads, size).transpose(1, 2)

    def forward(self, query, value, key=None, mask=None):
        key = value if key is None else key
        q = self._heads(query, self.query, self.key_dim) * (1 / math.sqrt(self.key_dim))
        k = self._heads(key, self.key, self.key_dim)
        v = self._heads(value, self.value, self.value_dim)
        weights = masked_softmax(q @ k.transpose(2, 3), self.causal, mask, leading_axes=1)
        heads = self.dropout(weights) @ v
        merged = heads.transpose(1, 2).reshape(query.shape[0], query.shape[1], self.num_heads * self.value_dim)
        return self.attention_output(merged), weights`,
  TransformerEncoderBlock: `class TransformerEncoderBlock(nn.Module):
    """Self-attention + feed-forward with residuals and LayerNorms.

    post-LN (the paper): h = LN1(x + Drop(MHA(x))); out = LN2(h + Drop(FF(h)))
    pre-LN (GPT-2):      h = x + Drop(MHA(LN1(x))); out = h + Drop(FF(LN2(h)))
    """

    def __init__(self, d, num_heads, key_dim, ff_dim, activation="relu", dropout=0.0, epsilon=1e-6, norm_placement="post", causal=False):
        super().__init__()
        self.mha = MultiHeadAttention(d, d, d, num_heads, key_dim, key_dim, d, True, causal, 0.0)
        self.norm1 = nn.LayerNorm(d, eps=epsilon)
        self.norm2 = nn.LayerNorm(d, eps=epsilon)
        self.ff1 = nn.Linear(d, ff_dim)
        self.ff2 = nn.Linear(ff_dim, d)
        self.attn_dropout = nn.Dropout(dropout)
        self.ff_dropout = nn.Dropout(dropout)
        self.activation = F.gelu if activation == "gelu" else F.relu
        self.pre_norm = norm_placement == "pre"

    def forward(self, x, mask=None):
        if self.pre_norm:
            normed = self.norm1(x)
            attended, weights = self.mha(normed, normed, mask=mask)
            h = x + self.attn_dropout(attended)
            return h + self.ff_dropout(self.ff2(self.activation(self.ff1(self.norm2(h))))), weights
        attended, weights = self.mha(x, x, mask=mask)
        h = self.norm1(x + self.attn_dropout(attended))
        return self.norm2(h + self.ff_dropout(self.ff2(self.activation(self.ff1(h))))), weights`,
  sinusoidal_table: `def sinusoidal_table(length, depth, base=10000.0):
    """PE(t, 2i) = sin(t / base^(2i/d)), PE(t, 2i+1) = cos(t / base^(2i/d)) (computed in float64)."""
    t = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    k = torch.arange(depth, dtype=torch.float64)
    angle = t / torch.pow(torch.tensor(base, dtype=torch.float64), 2 * torch.div(k, 2, rounding_mode="floor") / depth)
    return torch.where(k % 2 == 0, torch.sin(angle), torch.cos(angle)).float()`,
  AffineCoupling: `class AffineCoupling(nn.Module):
    """RealNVP affine coupling on x = [x1, x2]: y1 = exp(G(x2)) x1 + F(x2), y2 = exp(s) x2.

    Returns y [B, D] and log|det J| [B, 1] = sum G(x2) + sum s.
    """

    def __init__(self, x1_size, x2_size, hidden_units, activation="relu", scale_tanh=True):
        super().__init__()
        self.x1_size, self.scale_tanh = x1_size, scale_tanh
        self.g1, self.g2 = nn.Linear(x2_size, hidden_units), nn.Linear(hidden_units, x1_size)
        self.f1, self.f2 = nn.Linear(x2_size, hidden_units), nn.Linear(hidden_units, x1_size)
        self.log_scale = nn.Parameter(torch.zeros(x2_size))
        self.activation = torch.tanh if activation == "tanh" else torch.relu

    def forward(self, x):
        x1, x2 = x[:, : self.x1_size], x[:, self.x1_size :]
        g = self.g2(self.activation(self.g1(x2)))
        if self.scale_tanh:
            g = torch.tanh(g)
        shift = self.f2(self.activation(self.f1(x2)))
        y1 = torch.exp(g) * x1 + shift
        y2 = torch.exp(self.log_scale) * x2
        return torch.cat([y1, y2], 1), g.sum(1, keepdim=True) + self.log_scale.sum()`,
};
