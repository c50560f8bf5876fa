/**
 * One rule per catalogue type for the PyTorch export: the nn.Module attribute a node becomes, its
 * forward expression, how its tfjs weights map to PyTorch's layout and how Keras initializes it;
 * or a refusal that says why the type cannot be exported exactly. No rule approximates.
 *
 * Tensors keep the graph's channels-last shapes at every boundary; a value may be held
 * channels-first between convolutions (PyTorch's layout) and is permuted back where a
 * channels-last consumer needs it.
 */
import type { Shape } from '../../shapes/shape';

/** A value in the generated forward(): a Python expression and its memory layout. */
export interface TorchValue {
  expr: string;
  /** Held as [batch, channels, ...] (images and sequences between convolutions). */
  channelsFirst: boolean;
  /** The graph's (channels-last) shape, batch first. */
  shape: Shape;
  /** A Keras mask travelling with the value ([batch, time] bool), from Embedding(maskZero). */
  mask?: string;
}

/** A tfjs weight of the node, keyed relative to the node ('kernel', 'mha/query/kernel'). */
export interface TfjsWeight {
  shape: readonly number[];
  values: Float32Array;
}

/** An entry of the exported state_dict: `weights.npz` holds it under `key`. */
export interface StateEntry {
  key: string;
  shape: readonly number[];
  values: Float32Array;
}

export interface RuleContext {
  /** Python attribute / variable name of the node (unique, an identifier). */
  attr: string;
  /** The node's name as the user sees it (for messages and comments). */
  label: string;
  params: Readonly<Record<string, unknown>>;
  inputs: Readonly<Record<string, readonly TorchValue[]>>;
  outputShapes: Readonly<Record<string, Shape>>;
  /** The node's tfjs weights (empty when exporting without a run). */
  weights: ReadonlyMap<string, TfjsWeight>;
  /** Names a fresh Python variable for an output port. */
  out(port: string): string;
}

export interface Emitted {
  /** `__init__` lines after `self.` ("hidden = nn.Linear(784, 128)"). */
  modules: string[];
  /** forward() statements. */
  forward: string[];
  outputs: Record<string, TorchValue>;
  /** Keras' initialization of this node's parameters (`keras_init_` body lines). */
  init: string[];
  /** Converted weights, when the node has tfjs weights. */
  state: StateEntry[];
  /** Helper definitions model.py must contain (keys of HELPERS). */
  helpers: string[];
}

export type LayerRule = { kind: 'export'; emit(ctx: RuleContext): Emitted; refuse?(params: Readonly<Record<string, unknown>>): string | null } | { kind: 'refuse'; reason: string };

export class ExportRefusal extends Error {
  constructor(
    message: string,
    readonly nodeId: string | null,
  ) {
    super(message);
    this.name = 'ExportRefusal';
  }
}

// ---------------------------------------------------------------- layout and weight helpers

export function asChannelsLast(v: TorchValue): string {
  if (!v.channelsFirst) return v.expr;
  if (v.shape.length === 3) return `${v.expr}.transpose(1, 2)`;
  if (v.shape.length === 4) return `${v.expr}.permute(0, 2, 3, 1)`;
  return v.expr;
}

export function asChannelsFirst(v: TorchValue): string {
  if (v.channelsFirst) return v.expr;
  if (v.shape.length === 3) return `${v.expr}.transpose(1, 2)`;
  if (v.shape.length === 4) return `${v.expr}.permute(0, 3, 1, 2)`;
  return v.expr;
}

/** Permutes a row-major array: out[idx permuted] = in[idx]. `order[i]` is the input axis of output axis i. */
export function transposeArray(values: Float32Array, shape: readonly number[], order: readonly number[]): { shape: number[]; values: Float32Array } {
  const outShape = order.map((a) => shape[a] as number);
  const rank = shape.length;
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] as number) * (shape[i + 1] as number);
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let at = 0;
    for (let i = 0; i < rank; i++) at += (index[i] as number) * (inStrides[order[i] as number] as number);
    out[o] = values[at] as number;
    for (let i = rank - 1; i >= 0; i--) {
      index[i] = (index[i] as number) + 1;
      if ((index[i] as number) < (outShape[i] as number)) break;
      index[i] = 0;
    }
  }
  return { shape: outShape, values: out };
}

export function weight(ctx: RuleContext, key: string): TfjsWeight | null {
  if (ctx.weights.size === 0) return null;
  const w = ctx.weights.get(key);
  if (!w) throw new ExportRefusal(`node "${ctx.label}": the run's weights have no ${key} for it`, null);
  return w;
}

export function entry(key: string, w: { shape: readonly number[]; values: Float32Array }): StateEntry {
  return { key, shape: [...w.shape], values: w.values };
}

export function one(ctx: RuleContext, port = 'in'): TorchValue {
  const v = ctx.inputs[port]?.[0];
  if (!v) throw new ExportRefusal(`node "${ctx.label}": input "${port}" is not connected`, null);
  return v;
}

export function num(p: Readonly<Record<string, unknown>>, key: string): number {
  return p[key] as number;
}
export function ints(p: Readonly<Record<string, unknown>>, key: string): number[] {
  return p[key] as number[];
}
export function pair(values: readonly number[]): [number, number] {
  const first = values[0] ?? 1;
  return [first, values[1] ?? first];
}
/** A Python float literal that round-trips. */
export function pyFloat(x: number): string {
  if (x === Infinity) return "float('inf')";
  if (x === -Infinity) return "float('-inf')";
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

// ---------------------------------------------------------------- activations

/** Keras activation -> PyTorch expression, or null when PyTorch has no exact equivalent. */
export function activationExpr(name: string, x: string, leakyAlpha = 0.3): string | null {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return `torch.relu(${x})`;
    case 'leakyRelu':
      return `F.leaky_relu(${x}, ${pyFloat(leakyAlpha)})`;
    case 'elu':
      return `F.elu(${x})`;
    case 'selu':
      return `F.selu(${x})`;
    case 'gelu':
      return `F.gelu(${x})`;
    case 'sigmoid':
      return `torch.sigmoid(${x})`;
    case 'tanh':
      return `torch.tanh(${x})`;
    case 'softmax':
      return `torch.softmax(${x}, dim=-1)`;
    case 'softplus':
      return `F.softplus(${x})`;
    case 'swish':
      return `F.silu(${x})`;
    default:
      return null;
  }
}

export function activationRefusal(p: Readonly<Record<string, unknown>>): string | null {
  const a = p['activation'] as string;
  return activationExpr(a, 'x') === null ? `activation "${a}" has no exact PyTorch equivalent; choose another activation` : null;
}

export function empty(): Emitted {
  return { modules: [], forward: [], outputs: {}, init: [], state: [], helpers: [] };
}

// ---------------------------------------------------------------- padding

/** TensorFlow's 'same' padding of one axis: [before, after] (the extra pixel goes after). */
export function samePadding(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function knownSize(ctx: RuleContext, v: TorchValue, axis: number, what: string): number {
  const d = v.shape[axis];
  if (typeof d !== 'number') throw new ExportRefusal(`node "${ctx.label}": 'same' padding needs the ${what} known to export exactly, but it is symbolic`, null);
  return d;
}

/**
 * Padding of a convolution/pool over spatial axes (1 or 2): either symmetric (passed to the
 * module) or an explicit F.pad for TensorFlow's asymmetric 'same'.
 */
export function spatialPadding(
  ctx: RuleContext,
  v: TorchValue,
  padding: string,
  kernels: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): { symmetric: number[]; pad: number[] | null } {
  if (padding !== 'same') return { symmetric: kernels.map(() => 0), pad: null };
  const per = kernels.map((k, i) => samePadding(knownSize(ctx, v, i + 1, i === 0 && kernels.length === 2 ? 'height' : kernels.length === 2 ? 'width' : 'length'), k, strides[i] as number, dilations[i] as number));
  if (per.every(([b, a]) => b === a)) return { symmetric: per.map(([b]) => b), pad: null };
  // F.pad lists the last axis first.
  return { symmetric: kernels.map(() => 0), pad: [...per].reverse().flat() };
}

// ---------------------------------------------------------------- rules

/**
 * Keras' initialization of a kernel (glorot uniform) and bias (zeros) of `model.<init>`, and the
 * run's kernel permuted by `order` into PyTorch's layout and its bias, under `<state>.weight/bias`.
 */
function glorotKernelAndBias(
  ctx: RuleContext,
  e: Emitted,
  useBias: boolean,
  order: readonly number[],
  at: { init: string; state: string; kernel: string } = { init: ctx.attr, state: ctx.attr, kernel: 'kernel' },
): void {
  e.init.push(`nn.init.xavier_uniform_(model.${at.init}.weight)`);
  if (useBias) e.init.push(`nn.init.zeros_(model.${at.init}.bias)`);
  const k = weight(ctx, at.kernel);
  if (k) e.state.push(entry(`${at.state}.weight`, transposeArray(k.values, k.shape, order)));
  const b = useBias ? weight(ctx, 'bias') : null;
  if (b) e.state.push(entry(`${at.state}.bias`, b));
}

const dense: LayerRule = {
  kind: 'export',
  refuse: activationRefusal,
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const units = num(ctx.params, 'units');
    const useBias = ctx.params['useBias'] as boolean;
    const inFeatures = x.shape[x.shape.length - 1] as number;
    e.modules.push(`${ctx.attr} = nn.Linear(${inFeatures}, ${units}${useBias ? '' : ', bias=False'})`);
    const y = ctx.out('out');
    e.forward.push(`${y} = ${activationExpr(ctx.params['activation'] as string, `self.${ctx.attr}(${asChannelsLast(x)})`)}`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    // Keras kernels are [in, out]; nn.Linear keeps [out, in].
    glorotKernelAndBias(ctx, e, useBias, [1, 0]);
    return e;
  },
};

/** Per-axis window parameters of a rank-1 (one number) or rank-2 ([h, w] or one number) layer. */
function axes(ctx: RuleContext, rank: 1 | 2, key: string): number[] {
  return rank === 2 ? pair(ints(ctx.params, key)) : [num(ctx.params, key)];
}

/** What every convolution reads: its input and channels, filters, bias, kernel sizes and strides. */
function convolution(ctx: RuleContext, rank: 1 | 2) {
  const x = one(ctx);
  return {
    x,
    channels: x.shape[x.shape.length - 1] as number,
    filters: num(ctx.params, 'filters'),
    useBias: ctx.params['useBias'] as boolean,
    kernels: axes(ctx, rank, 'kernelSize'),
    strides: axes(ctx, rank, 'strides'),
  };
}

/** nn.ConvNd's optional arguments, written only where they differ from PyTorch's defaults. */
function convArgs(strides: readonly number[], symmetric: readonly number[], dilations: readonly number[]): string[] {
  const args: string[] = [];
  if (strides.some((s) => s !== 1)) args.push(`stride=${pyTuple(strides)}`);
  if (symmetric.some((p) => p !== 0)) args.push(`padding=${pyTuple(symmetric)}`);
  if (dilations.some((d) => d !== 1)) args.push(`dilation=${pyTuple(dilations)}`);
  return args;
}

/** forward(): the module `self.<attr>` on the channels-first input (padded first for an asymmetric 'same'), then the activation. */
function convForward(ctx: RuleContext, e: Emitted, x: TorchValue, pad: number[] | null): void {
  let input = asChannelsFirst(x);
  if (pad) {
    e.forward.push(`# TensorFlow's 'same' padding puts the extra pixel after (bottom/right); PyTorch's would be symmetric.`);
    input = `F.pad(${input}, ${pyTuple(pad)})`;
  }
  const y = ctx.out('out');
  e.forward.push(`${y} = ${activationExpr(ctx.params['activation'] as string, `self.${ctx.attr}(${input})`)}`);
  e.outputs['out'] = { expr: y, channelsFirst: true, shape: ctx.outputShapes['out'] as Shape };
}

function convRule(rank: 1 | 2): LayerRule {
  return {
    kind: 'export',
    refuse: activationRefusal,
    emit(ctx) {
      const e = empty();
      const { x, channels, filters, useBias, kernels, strides } = convolution(ctx, rank);
      const dilations = axes(ctx, rank, 'dilationRate');
      const { symmetric, pad } = spatialPadding(ctx, x, ctx.params['padding'] as string, kernels, strides, dilations);
      const args = [`${channels}`, `${filters}`, `kernel_size=${pyTuple(kernels)}`, ...convArgs(strides, symmetric, dilations)];
      if (!useBias) args.push('bias=False');
      e.modules.push(`${ctx.attr} = nn.Conv${rank}d(${args.join(', ')})`);
      convForward(ctx, e, x, pad);
      // Keras: [kh, kw, in, out] (or [k, in, out]); PyTorch: [out, in, kh, kw].
      glorotKernelAndBias(ctx, e, useBias, rank === 2 ? [3, 2, 0, 1] : [2, 1, 0]);
      return e;
    },
  };
}

const conv2dTranspose: LayerRule = {
  kind: 'export',
  refuse: activationRefusal,
  emit(ctx) {
    const e = empty();
    const { x, channels, filters, useBias, kernels, strides } = convolution(ctx, 2);
    const same = ctx.params['padding'] === 'same';
    // PyTorch's full output is (in - 1)·s + k; TensorFlow's is in·s ('same') or (in - 1)·s + max(k, s) ('valid').
    const extra = kernels.map((k, i) => Math.max((strides[i] as number) - k, 0));
    const args = [`${channels}`, `${filters}`, `kernel_size=${pyTuple(kernels)}`];
    if (strides.some((s) => s !== 1)) args.push(`stride=${pyTuple(strides)}`);
    if (extra.some((p) => p !== 0)) args.push(`output_padding=${pyTuple(extra)}`);
    if (!useBias) args.push('bias=False');
    e.modules.push(`${ctx.attr} = nn.ConvTranspose2d(${args.join(', ')})`);
    const y = ctx.out('out');
    let conv = `self.${ctx.attr}(${asChannelsFirst(x)})`;
    if (same) {
      const crops = kernels.map((k, i) => Math.max(k - (strides[i] as number), 0));
      if (crops.some((c) => c > 0)) {
        const outH = ctx.outputShapes['out']?.[1] as number;
        const outW = ctx.outputShapes['out']?.[2] as number;
        const [ch, cw] = crops.map((c) => Math.floor(c / 2)) as [number, number];
        e.forward.push(`# TensorFlow's 'same' crops the transposed convolution's border with the extra pixel at the end.`);
        conv = `${conv}[:, :, ${ch}:${ch + outH}, ${cw}:${cw + outW}]`;
      }
    }
    e.forward.push(`${y} = ${activationExpr(ctx.params['activation'] as string, conv)}`);
    e.outputs['out'] = { expr: y, channelsFirst: true, shape: ctx.outputShapes['out'] as Shape };
    // Keras: [kh, kw, out, in]; PyTorch ConvTranspose2d: [in, out, kh, kw].
    glorotKernelAndBias(ctx, e, useBias, [3, 2, 0, 1]);
    return e;
  },
};

const separableConv2d: LayerRule = {
  kind: 'export',
  refuse: activationRefusal,
  emit(ctx) {
    const e = empty();
    const { x, channels, filters, useBias, kernels, strides } = convolution(ctx, 2);
    const multiplier = num(ctx.params, 'depthMultiplier');
    const dilations = axes(ctx, 2, 'dilationRate');
    const depthwise = channels * multiplier;
    const { symmetric, pad } = spatialPadding(ctx, x, ctx.params['padding'] as string, kernels, strides, dilations);
    // Depthwise: one group per input channel, output channel c·multiplier + m as in TensorFlow; then a 1x1 convolution.
    const args = [`${channels}`, `${depthwise}`, `kernel_size=${pyTuple(kernels)}`, `groups=${channels}`, ...convArgs(strides, symmetric, dilations), 'bias=False'];
    e.modules.push(`${ctx.attr} = nn.Sequential(nn.Conv2d(${args.join(', ')}), nn.Conv2d(${depthwise}, ${filters}, kernel_size=1${useBias ? '' : ', bias=False'}))`);
    convForward(ctx, e, x, pad);
    // Keras' glorot fans of the depthwise kernel [kh, kw, in, m] differ from PyTorch's [in·m, 1, kh, kw].
    const receptive = (kernels[0] as number) * (kernels[1] as number);
    const limit = Math.sqrt(6 / (receptive * channels + receptive * multiplier));
    e.init.push(`nn.init.uniform_(model.${ctx.attr}[0].weight, -${pyFloat(limit)}, ${pyFloat(limit)})  # Keras' glorot_uniform fans`);
    const dk = weight(ctx, 'depthwise_kernel');
    if (dk) {
      // [kh, kw, in, m] -> [in, m, kh, kw], read as [in·m, 1, kh, kw].
      const t = transposeArray(dk.values, dk.shape, [2, 3, 0, 1]);
      e.state.push({ key: `${ctx.attr}.0.weight`, shape: [depthwise, 1, kernels[0] as number, kernels[1] as number], values: t.values });
    }
    glorotKernelAndBias(ctx, e, useBias, [3, 2, 0, 1], { init: `${ctx.attr}[1]`, state: `${ctx.attr}.1`, kernel: 'pointwise_kernel' });
    return e;
  },
};

function poolRule(rank: 1 | 2, reduction: 'max' | 'avg'): LayerRule {
  return {
    kind: 'export',
    emit(ctx) {
      const e = empty();
      const x = one(ctx);
      const kernels = axes(ctx, rank, 'poolSize');
      const given = ints(ctx.params, 'strides');
      const strides = given.length === 0 ? kernels : rank === 2 ? pair(given) : [given[0] as number];
      const { symmetric, pad } = spatialPadding(ctx, x, ctx.params['padding'] as string, kernels, strides, kernels.map(() => 1));
      let input = asChannelsFirst(x);
      const args = [`kernel_size=${pyTuple(kernels)}`, `stride=${pyTuple(strides)}`];
      if (reduction === 'max') {
        if (pad || symmetric.some((p) => p > 0)) {
          const full = pad ?? [...symmetric].reverse().flatMap((p) => [p, p]);
          e.forward.push(`# TensorFlow's 'same' pools over the valid pixels only (padding with -inf keeps the max exact).`);
          input = `F.pad(${input}, ${pyTuple(full)}, value=float('-inf'))`;
        }
      } else if (pad || symmetric.some((p) => p > 0)) {
        if (pad) throw new ExportRefusal(`node "${ctx.label}": average pooling with TensorFlow's asymmetric 'same' padding averages border windows over fewer pixels, which PyTorch's pooling cannot express; use 'valid' padding or an input size the strides divide`, null);
        args.push(`padding=${pyTuple(symmetric)}`, 'count_include_pad=False');
      }
      e.modules.push(`${ctx.attr} = nn.${reduction === 'max' ? 'Max' : 'Avg'}Pool${rank}d(${args.join(', ')})`);
      const y = ctx.out('out');
      e.forward.push(`${y} = self.${ctx.attr}(${input})`);
      e.outputs['out'] = { expr: y, channelsFirst: true, shape: ctx.outputShapes['out'] as Shape };
      return e;
    },
  };
}

function globalPoolRule(rank: 1 | 2, reduction: 'max' | 'avg'): LayerRule {
  return {
    kind: 'export',
    emit(ctx) {
      const e = empty();
      const x = one(ctx);
      const dims = x.channelsFirst ? (rank === 1 ? [2] : [2, 3]) : rank === 1 ? [1] : [1, 2];
      const y = ctx.out('out');
      const dim = dims.length === 1 ? `${dims[0]}` : pyTuple(dims);
      e.forward.push(`${y} = ${reduction === 'max' ? 'torch.amax' : 'torch.mean'}(${x.expr}, dim=${dim})`);
      e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
      return e;
    },
  };
}

const flatten: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const y = ctx.out('out');
    // Keras flattens channels-last ([h, w, c] order); permuting back keeps the next Dense's weights as trained.
    e.forward.push(`${y} = torch.flatten(${asChannelsLast(x)}, 1)`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const reshape: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const y = ctx.out('out');
    // The analysed output shape, with a -1 of targetShape resolved: the batch is the only dimension
    // PyTorch may infer (reshape(-1, 3, -1) is an error there, not the Keras target [3, -1]).
    const shape = ctx.outputShapes['out'] as Shape;
    const resolved = shape.slice(1);
    const dims = resolved.every((d): d is number => typeof d === 'number' && d >= 0) ? resolved : ints(ctx.params, 'targetShape');
    e.forward.push(`${y} = ${asChannelsLast(x)}.reshape(-1, ${dims.join(', ')})`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape };
    return e;
  },
};

const dropout: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    e.modules.push(`${ctx.attr} = nn.Dropout(${pyFloat(num(ctx.params, 'rate'))})`);
    const y = ctx.out('out');
    e.forward.push(`${y} = self.${ctx.attr}(${x.expr})`);
    e.outputs['out'] = { ...x, expr: y, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const activation: LayerRule = {
  kind: 'export',
  refuse: activationRefusal,
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const y = ctx.out('out');
    const name = ctx.params['activation'] as string;
    const input = name === 'softmax' ? asChannelsLast(x) : x.expr;
    e.forward.push(`${y} = ${activationExpr(name, input, num(ctx.params, 'alpha'))}`);
    e.outputs['out'] = { ...x, expr: y, channelsFirst: name === 'softmax' ? false : x.channelsFirst };
    return e;
  },
};

const oneHot: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const y = ctx.out('out');
    e.forward.push(`${y} = F.one_hot(${x.expr}.long(), ${num(ctx.params, 'depth')}).float()`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const embedding: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const inputDim = num(ctx.params, 'inputDim');
    const outputDim = num(ctx.params, 'outputDim');
    e.modules.push(`${ctx.attr} = nn.Embedding(${inputDim}, ${outputDim})`);
    const y = ctx.out('out');
    e.forward.push(`${y} = self.${ctx.attr}(${x.expr}.long())`);
    const out: TorchValue = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    if (ctx.params['maskZero']) {
      // Keras' mask_zero: id 0 is padding; recurrent layers skip those steps.
      e.forward.push(`${y}_mask = ${x.expr} != 0`);
      out.mask = `${y}_mask`;
    }
    e.outputs['out'] = out;
    e.init.push(`nn.init.uniform_(model.${ctx.attr}.weight, -0.05, 0.05)`);
    const w = weight(ctx, 'embeddings');
    if (w) e.state.push(entry(`${ctx.attr}.weight`, w));
    return e;
  },
};

function mergeRule(op: 'add' | 'subtract' | 'multiply' | 'average'): LayerRule {
  return {
    kind: 'export',
    emit(ctx) {
      const e = empty();
      // Subtract reads ports a and b; the others one multi-wire port, in wire order.
      const xs = op === 'subtract' ? [one(ctx, 'a'), one(ctx, 'b')] : [...(ctx.inputs['in'] ?? [])];
      const first = xs.every((v) => v.channelsFirst);
      const terms = xs.map((v) => (first ? v.expr : asChannelsLast(v)));
      const y = ctx.out('out');
      const expr =
        op === 'add'
          ? terms.join(' + ')
          : op === 'subtract'
            ? `${terms[0]} - ${terms[1]}`
            : op === 'multiply'
              ? terms.join(' * ')
              : `(${terms.join(' + ')}) / ${terms.length}`;
      e.forward.push(`${y} = ${expr}`);
      e.outputs['out'] = { expr: y, channelsFirst: first, shape: ctx.outputShapes['out'] as Shape };
      return e;
    },
  };
}

const concatenate: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const xs = ctx.inputs['in'] ?? [];
    const y = ctx.out('out');
    e.forward.push(`${y} = torch.cat([${xs.map(asChannelsLast).join(', ')}], dim=${num(ctx.params, 'axis')})`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const dot: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const a = one(ctx, 'a');
    const b = one(ctx, 'b');
    const [first = -1, second = first] = ints(ctx.params, 'axes');
    const resolve = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
    e.helpers.push('keras_dot');
    const y = ctx.out('out');
    const normalize = ctx.params['normalize'] ? 'True' : 'False';
    e.forward.push(`${y} = keras_dot(${asChannelsLast(a)}, ${asChannelsLast(b)}, ${resolve(first, a.shape.length)}, ${resolve(second, b.shape.length)}, normalize=${normalize})`);
    e.outputs['out'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    return e;
  },
};

const sampling: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    e.helpers.push('Sampling');
    e.modules.push(`${ctx.attr} = Sampling(deterministic=${ctx.params['deterministic'] ? 'True' : 'False'})`);
    const y = ctx.out('z');
    e.forward.push(`${y} = self.${ctx.attr}(${asChannelsLast(one(ctx, 'mu'))}, ${asChannelsLast(one(ctx, 'logvar'))})`);
    e.outputs['z'] = { expr: y, channelsFirst: false, shape: ctx.outputShapes['z'] as Shape };
    return e;
  },
};

/** nn.LSTM computes Keras' LSTM exactly only with tanh, sigmoid gates and no dropout inside the cell. */
export function nnLstmComputes(p: Readonly<Record<string, unknown>>): boolean {
  return p['activation'] === 'tanh' && p['recurrentActivation'] === 'sigmoid' && (p['dropout'] as number) === 0 && (p['recurrentDropout'] as number) === 0;
}

/** LSTM as nn.LSTM (its fused kernels); rules-recurrent.ts takes the other LSTMs. */
export const nnLstm: LayerRule = {
  kind: 'export',
  emit(ctx) {
    const e = empty();
    const x = one(ctx);
    const units = num(ctx.params, 'units');
    const features = x.shape[2] as number;
    const useBias = ctx.params['useBias'] as boolean;
    e.modules.push(`${ctx.attr} = nn.LSTM(${features}, ${units}, batch_first=True${useBias ? '' : ', bias=False'})`);
    if (useBias) {
      // Keras has one bias per gate, PyTorch two (bias_ih + bias_hh): the second is held at zero.
      e.modules.push(`${ctx.attr}.bias_hh_l0.data.zero_()`, `${ctx.attr}.bias_hh_l0.requires_grad_(False)`);
    }
    let input = asChannelsLast(x);
    if (ctx.params['goBackwards']) {
      e.forward.push(`# go_backwards: Keras reads the sequence from the end and returns the outputs in that order.`);
      input = `torch.flip(${input}, dims=[1])`;
    }
    const h0 = ctx.inputs['initialH']?.[0];
    const c0 = ctx.inputs['initialC']?.[0];
    const state = h0 && c0 ? `(${asChannelsLast(h0)}.unsqueeze(0).contiguous(), ${asChannelsLast(c0)}.unsqueeze(0).contiguous())` : 'None';
    const seq = `${ctx.attr}_seq`;
    const h = ctx.out('h');
    const c = ctx.out('c');
    if (x.mask) {
      e.helpers.push('masked_lstm');
      const mask = ctx.params['goBackwards'] ? `torch.flip(${x.mask}, dims=[1])` : x.mask;
      e.forward.push(`# Keras skips masked (padding) steps: the state is carried over them.`);
      e.forward.push(`${seq}, (${h}, ${c}) = masked_lstm(self.${ctx.attr}, ${input}, ${mask}, ${state})`);
    } else {
      e.forward.push(`${seq}, (${h}, ${c}) = self.${ctx.attr}(${input}${state === 'None' ? '' : `, ${state}`})`);
    }
    e.forward.push(`${h}, ${c} = ${h}[0], ${c}[0]`);
    const returnSequences = ctx.params['returnSequences'] as boolean;
    const out = ctx.out('out');
    e.forward.push(`${out} = ${returnSequences ? seq : h}`);
    e.outputs['out'] = { expr: out, channelsFirst: false, shape: ctx.outputShapes['out'] as Shape };
    // Keras passes the input's mask on with the sequence (not reversed by go_backwards).
    if (x.mask && returnSequences) e.outputs['out'].mask = x.mask;
    if (ctx.params['returnState']) {
      e.outputs['h'] = { expr: h, channelsFirst: false, shape: ctx.outputShapes['h'] as Shape };
      e.outputs['c'] = { expr: c, channelsFirst: false, shape: ctx.outputShapes['c'] as Shape };
    }
    // Gate order is i, f, c(g), o in both; Keras has one bias, PyTorch two: bias_hh is held at zero.
    e.init.push(`nn.init.xavier_uniform_(model.${ctx.attr}.weight_ih_l0)`);
    e.init.push(`orthogonal_blocks_(model.${ctx.attr}.weight_hh_l0, 4)`);
    e.helpers.push('orthogonal_blocks_');
    if (useBias) {
      e.init.push(`nn.init.zeros_(model.${ctx.attr}.bias_ih_l0)`);
      if (ctx.params['unitForgetBias']) e.init.push(`nn.init.ones_(model.${ctx.attr}.bias_ih_l0[${units}:${2 * units}])  # Keras' unit_forget_bias`);
    }
    const k = weight(ctx, 'kernel');
    const r = weight(ctx, 'recurrent_kernel');
    if (k && r) {
      e.state.push(entry(`${ctx.attr}.weight_ih_l0`, transposeArray(k.values, k.shape, [1, 0])));
      e.state.push(entry(`${ctx.attr}.weight_hh_l0`, transposeArray(r.values, r.shape, [1, 0])));
      const b = useBias ? weight(ctx, 'bias') : null;
      if (b) {
        e.state.push(entry(`${ctx.attr}.bias_ih_l0`, b));
        e.state.push({ key: `${ctx.attr}.bias_hh_l0`, shape: [4 * units], values: new Float32Array(4 * units) });
      }
    }
    return e;
  },
};

/** Python helpers model.py includes when a rule needs them. */
export const HELPERS: Readonly<Record<string, string>> = {
  Sampling: `class Sampling(nn.Module):
    """z = mu + exp(logvar / 2) * eps (the reparameterization trick); mu when not training if deterministic."""

    def __init__(self, deterministic=False):
        super().__init__()
        self.deterministic = deterministic

    def forward(self, mu, logvar):
        if self.deterministic and not self.training:
            return mu
        return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)`,
  masked_lstm: `def masked_lstm(lstm, x, mask, state=None):
    """nn.LSTM over a batch with Keras masking: at a masked step the state and output carry over."""
    batch, time = x.shape[0], x.shape[1]
    if state is None:
        zeros = x.new_zeros(1, batch, lstm.hidden_size)
        state = (zeros, zeros)
    h, c = state
    outputs = []
    out = x.new_zeros(batch, lstm.hidden_size)
    for t in range(time):
        step, (h1, c1) = lstm(x[:, t : t + 1], (h, c))
        keep = mask[:, t].view(1, batch, 1)
        h = torch.where(keep, h1, h)
        c = torch.where(keep, c1, c)
        out = torch.where(keep[0], step[:, 0], out)
        outputs.append(out)
    return torch.stack(outputs, dim=1), (h, c)`,
  keras_dot: `def keras_dot(a, b, axis_a, axis_b, normalize=False):
    """Keras' Dot per sample: a's axis_a times b's axis_b (batch = axis 0); the output is a without its
    axis, then b without batch and axis ([batch, 1] when nothing is left). normalize: L2 along the axes
    first, dividing by sqrt(max(sum of squares, 1e-7)) as tfjs."""
    if normalize:
        a = a / a.square().sum(axis_a, keepdim=True).clamp(min=1e-7).sqrt()
        b = b / b.square().sum(axis_b, keepdim=True).clamp(min=1e-7).sqrt()
    a_rest = [a.shape[i] for i in range(1, a.dim()) if i != axis_a]
    b_rest = [b.shape[i] for i in range(1, b.dim()) if i != axis_b]
    size = a.shape[axis_a]
    left = a.movedim(axis_a, -1).reshape(a.shape[0], -1, size)
    right = b.movedim(axis_b, 1).reshape(b.shape[0], size, -1)
    out = (left @ right).reshape(a.shape[0], *a_rest, *b_rest)
    return out.unsqueeze(1) if out.dim() == 1 else out`,
  orthogonal_blocks_: `def orthogonal_blocks_(weight, gates):
    """Keras' orthogonal recurrent kernel [units, gates*units] as PyTorch's [gates*units, units]."""
    with torch.no_grad():
        kernel = torch.empty(weight.shape[1], weight.shape[0])
        nn.init.orthogonal_(kernel)
        weight.copy_(kernel.t())`,
};

const refuse = (reason: string): LayerRule => ({ kind: 'refuse', reason });

/** The rule of each catalogue type (layers and inputs; losses are in model-py.ts). */
export const BASIC_RULES: Readonly<Record<string, LayerRule>> = {
  Noise: refuse(
    "a GAN's noise comes from tfjs' random generator, which PyTorch cannot repeat; export the generator with its noise as an input (replace the Noise node by an Input of its size)",
  ),
  Dense: dense,
  Activation: activation,
  Dropout: dropout,
  Flatten: flatten,
  Reshape: reshape,
  OneHot: oneHot,
  Conv1D: convRule(1),
  Conv2D: { ...convRule(2), refuse: (p) => (p['timeDistributed'] === true ? 'not exported yet: Conv2D per time step (TimeDistributed) is not covered by the PyTorch export rules in this version' : activationRefusal(p)) } as LayerRule,
  Conv2DTranspose: conv2dTranspose,
  MaxPool1D: poolRule(1, 'max'),
  AvgPool1D: poolRule(1, 'avg'),
  MaxPool2D: poolRule(2, 'max'),
  AvgPool2D: poolRule(2, 'avg'),
  GlobalMaxPool1D: globalPoolRule(1, 'max'),
  GlobalAvgPool1D: globalPoolRule(1, 'avg'),
  GlobalMaxPool2D: globalPoolRule(2, 'max'),
  GlobalAvgPool2D: globalPoolRule(2, 'avg'),
  Add: mergeRule('add'),
  Subtract: mergeRule('subtract'),
  Multiply: mergeRule('multiply'),
  Average: mergeRule('average'),
  Concatenate: concatenate,
  Embedding: embedding,
  Sampling: sampling,
  Dot: dot,
  SeparableConv2D: separableConv2d,
};
