/**
 * One rule per tfjs layer class that Netwright's catalogue builds (the stock classes and
 * Netwright's registered custom ones). Values keep tfjs' channels-last layout between layers; a
 * convolution or pooling transposes to ONNX's channels-first around its operator (ONNX Runtime
 * folds the back-to-back transposes).
 */
import { attr } from './builder';
import { OnnxExportError, type LayerRule, type OnnxValue, type RuleContext } from './context';
import { attentionRule, multiHeadAttentionRule } from './attention';
import { activation, activationName, convPads, linear, numberList, permute, toChannelsFirst, toChannelsLast } from './ops';
import { bidirectional, recurrentLayer, recurrentOutputs } from './recurrent';

const INT64_MAX = Number.MAX_SAFE_INTEGER;

function one(ctx: RuleContext, name: string, keepMask = false): OnnxValue[] {
  const first = ctx.inputs[0];
  return [{ name, shape: ctx.outputShapes[0] ?? [], dtype: 'float', ...(keepMask && first?.mask ? { mask: first.mask } : {}) }];
}

function input(ctx: RuleContext, i = 0): OnnxValue {
  const v = ctx.inputs[i];
  if (!v) throw new OnnxExportError(`${ctx.layer.name}: input ${i} missing`);
  return v;
}

/** Spatial sizes of a channels-last value. */
function spatial(v: OnnxValue): (number | null)[] {
  return v.shape.slice(1, -1);
}

/** Conv1D / Conv2D (stock or dilated): kernel [k..., in, out] -> ONNX [out, in, k...]. */
function conv(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const x = input(ctx);
  const rank = x.shape.length;
  const n = rank - 2;
  if (config['dataFormat'] === 'channelsFirst') throw new OnnxExportError(`${ctx.layer.name}: channelsFirst data has no ONNX rule here`);
  const kernel = ctx.weight('kernel');
  const k = kernel.shape.slice(0, n);
  const strides = numberList(config['strides'], n, 1);
  const dilations = numberList(config['dilationRate'], n, 1);
  const pads = convPads(String(config['padding']), spatial(x), k, strides, dilations);
  const w = b.initializer('kernel', ...initArgs(permute(kernel, [n + 1, n, ...Array.from({ length: n }, (_, i) => i)])));
  const bias = config['useBias'] !== false ? ctx.init('bias') : undefined;
  const y = b.op('Conv', [toChannelsFirst(b, x.name, rank), w, ...(bias ? [bias] : [])], {
    kernel_shape: attr.ints(k),
    strides: attr.ints(strides),
    dilations: attr.ints(dilations),
    pads: attr.ints(pads),
  });
  return one(ctx, activation(b, toChannelsLast(b, y, rank), activationName(config)));
}

function initArgs(w: { values: Float32Array; shape: number[] }): [Float32Array, number[]] {
  return [w.values, w.shape];
}

/** SeparableConv2D: a depthwise Conv (group = in) then a 1x1 Conv. */
function separableConv(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const x = input(ctx);
  const depthwise = ctx.weight('depthwise_kernel'); // [kh, kw, in, mult]
  const pointwise = ctx.weight('pointwise_kernel'); // [1, 1, in·mult, out]
  const [kh, kw, channels, mult] = depthwise.shape as [number, number, number, number];
  const strides = numberList(config['strides'], 2, 1);
  const dilations = numberList(config['dilationRate'], 2, 1);
  const pads = convPads(String(config['padding']), spatial(x), [kh, kw], strides, dilations);
  // Output channel c·mult + m of the grouped conv is depthwise[:, :, c, m].
  const dw = permute(depthwise, [2, 3, 0, 1]);
  const dwName = b.initializer('depthwise_kernel', dw.values, [channels * mult, 1, kh, kw]);
  const pw = permute(pointwise, [3, 2, 0, 1]);
  const pwName = b.initializer('pointwise_kernel', pw.values, pw.shape);
  const mid = b.op('Conv', [toChannelsFirst(b, x.name, 4), dwName], {
    group: attr.int(channels),
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints(strides),
    dilations: attr.ints(dilations),
    pads: attr.ints(pads),
  });
  const bias = config['useBias'] !== false ? ctx.init('bias') : undefined;
  const y = b.op('Conv', [mid, pwName, ...(bias ? [bias] : [])], { kernel_shape: attr.ints([1, 1]) });
  return one(ctx, activation(b, toChannelsLast(b, y, 4), activationName(config)));
}

/** Conv2DTranspose: kernel [kh, kw, out, in] -> ONNX [in, out, kh, kw]; pads from tfjs' output size. */
function convTranspose(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const x = input(ctx);
  const kernel = ctx.weight('kernel');
  const [kh, kw] = kernel.shape as [number, number];
  const strides = numberList(config['strides'], 2, 1);
  const dilations = numberList(config['dilationRate'], 2, 1);
  const out = ctx.outputShapes[0] ?? [];
  const begin: number[] = [];
  const end: number[] = [];
  const outputPadding: number[] = [];
  [0, 1].forEach((i) => {
    const n = x.shape[i + 1];
    const target = out[i + 1];
    if (typeof n !== 'number' || typeof target !== 'number') throw new OnnxExportError(`${ctx.layer.name}: Conv2DTranspose needs known spatial sizes to export`);
    const k = i === 0 ? kh : kw;
    const full = (strides[i] as number) * (n - 1) + (k - 1) * (dilations[i] as number) + 1;
    // tfjs' output is the gradient of a conv with its padding: crop the excess (odd element at
    // the end, as 'same' pads), or add output padding at the end when the output is longer.
    const crop = Math.max(full - target, 0);
    begin.push(Math.floor(crop / 2));
    end.push(crop - Math.floor(crop / 2));
    outputPadding.push(Math.max(target - full, 0));
  });
  const w = permute(kernel, [3, 2, 0, 1]);
  const bias = config['useBias'] !== false ? ctx.init('bias') : undefined;
  const y = b.op('ConvTranspose', [toChannelsFirst(b, x.name, 4), b.initializer('kernel', w.values, w.shape), ...(bias ? [bias] : [])], {
    kernel_shape: attr.ints([kh, kw]),
    strides: attr.ints(strides),
    dilations: attr.ints(dilations),
    pads: attr.ints([...begin, ...end]),
    output_padding: attr.ints(outputPadding),
  });
  return one(ctx, activation(b, toChannelsLast(b, y, 4), activationName(config)));
}

function pool(op: 'MaxPool' | 'AveragePool'): LayerRule {
  return (ctx) => {
    const { b, config } = ctx;
    const x = input(ctx);
    const rank = x.shape.length;
    const n = rank - 2;
    const size = numberList(config['poolSize'], n, 2);
    const strides = numberList(config['strides'] ?? config['poolSize'], n, size[0] ?? 2);
    const pads = convPads(String(config['padding']), spatial(x), size, strides, new Array<number>(n).fill(1));
    // tfjs' 'same' average pooling divides by the real (unpadded) elements: count_include_pad 0.
    const y = b.op(op, [toChannelsFirst(b, x.name, rank)], {
      kernel_shape: attr.ints(size),
      strides: attr.ints(strides),
      pads: attr.ints(pads),
      ...(op === 'AveragePool' ? { count_include_pad: attr.int(0) } : {}),
    });
    return one(ctx, toChannelsLast(b, y, rank));
  };
}

function globalPool(op: 'ReduceMean' | 'ReduceMax'): LayerRule {
  return (ctx) => {
    const x = input(ctx);
    const axes = Array.from({ length: x.shape.length - 2 }, (_, i) => i + 1);
    return one(ctx, ctx.b.op(op, [x.name], { axes: attr.ints(axes), keepdims: attr.int(0) }));
  };
}

function dense(ctx: RuleContext): OnnxValue[] {
  const bias = ctx.config['useBias'] !== false ? ctx.init('bias') : undefined;
  const y = linear(ctx.b, input(ctx).name, ctx.init('kernel'), bias);
  return one(ctx, activation(ctx.b, y, activationName(ctx.config)), true);
}

function identity(ctx: RuleContext): OnnxValue[] {
  const x = input(ctx);
  return [{ ...x, shape: ctx.outputShapes[0] ?? x.shape }];
}

function embedding(ctx: RuleContext): OnnxValue[] {
  const { b } = ctx;
  const ids = input(ctx);
  const indices = ids.dtype === 'int32' || ids.dtype === 'int64' ? ids.name : b.op('Cast', [ids.name], { to: attr.int(6) });
  const out = b.op('Gather', [ctx.init('embeddings'), indices], { axis: attr.int(0) });
  let mask: string | undefined;
  if (ctx.config['maskZero'] === true) {
    const zero = ids.dtype === 'float' ? b.scalar(0) : b.constant([0], ids.dtype, []);
    mask = b.op('Not', [b.op('Equal', [ids.name, zero])]);
  }
  return [{ name: out, shape: ctx.outputShapes[0] ?? [], dtype: 'float', ...(mask ? { mask } : {}) }];
}

function merge(op: 'Sum' | 'Mean' | 'Max' | 'Min' | 'Mul'): LayerRule {
  return (ctx) => {
    const names = ctx.inputs.map((v) => v.name);
    if (op !== 'Mul') return one(ctx, ctx.b.op(op, names));
    return one(ctx, names.slice(1).reduce((acc, n) => ctx.b.op('Mul', [acc, n]), names[0] as string));
  };
}

function batchNorm(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const x = input(ctx);
  const rank = x.shape.length;
  const axisValue = Array.isArray(config['axis']) ? (config['axis'] as number[])[0] : config['axis'];
  const axis = ((Number(axisValue ?? -1) % rank) + rank) % rank;
  if (axis !== rank - 1) {
    // tfjs reads the statistics at (flat index mod channels), right only for the last axis: on
    // another axis the cpu and wasm backends alike do not compute BatchNorm (the textbook formula
    // differs by 2.1 relative on [batch, 4, 3], axis 1; onnx-types.test.ts), so no export matches it.
    throw new OnnxExportError(`BatchNorm on axis ${axis} of a rank-${rank} input: TensorFlow.js (cpu and wasm backends alike) computes it as if the channels were the last axis, so the ONNX model could not match; use axis -1`);
  }
  const epsilon = Number(config['epsilon'] ?? 1e-3);
  const mean = ctx.weight('moving_mean');
  const variance = ctx.weight('moving_variance');
  const gamma = ctx.maybeWeight('gamma');
  const beta = ctx.maybeWeight('beta');
  // Per-channel constants broadcast along `axis`: [C, 1, ..., 1] for the axes after it.
  const dims = [mean.values.length, ...new Array<number>(rank - 1 - axis).fill(1)];
  const c = (name: string, values: Float32Array) => b.initializer(name, values, dims);
  // tfjs: (x - mean) · rsqrt(var + eps) · gamma + beta.
  let y = b.op('Sub', [x.name, c('moving_mean', mean.values)]);
  y = b.op('Mul', [y, b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [c('moving_variance', variance.values), b.scalar(epsilon)])])])]);
  if (gamma) y = b.op('Mul', [y, c('gamma', gamma.values)]);
  if (beta) y = b.op('Add', [y, c('beta', beta.values)]);
  return one(ctx, y, true);
}

function layerNorm(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const x = input(ctx);
  const rank = x.shape.length;
  const axes = (Array.isArray(config['axis']) ? (config['axis'] as number[]) : [Number(config['axis'] ?? -1)]).map((a) => ((a % rank) + rank) % rank);
  if (axes.length !== 1) throw new OnnxExportError(`${ctx.layer.name}: LayerNormalization over several axes has no ONNX rule here`);
  const axis = axes[0] as number;
  const epsilon = Number(config['epsilon'] ?? 1e-3);
  const mean = b.op('ReduceMean', [x.name], { axes: attr.ints([axis]), keepdims: attr.int(1) });
  const centered = b.op('Sub', [x.name, mean]);
  const variance = b.op('ReduceMean', [b.op('Mul', [centered, centered])], { axes: attr.ints([axis]), keepdims: attr.int(1) });
  let y = b.op('Mul', [centered, b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, b.scalar(epsilon)])])])]);
  const trailing = new Array<number>(rank - 1 - axis).fill(1);
  const gamma = ctx.maybeWeight('gamma');
  const beta = ctx.maybeWeight('beta');
  if (gamma) y = b.op('Mul', [y, b.initializer('gamma', gamma.values, [gamma.values.length, ...trailing])]);
  if (beta) y = b.op('Add', [y, b.initializer('beta', beta.values, [beta.values.length, ...trailing])]);
  return one(ctx, y, true);
}

function reshape(ctx: RuleContext): OnnxValue[] {
  const x = input(ctx);
  // tfjs keeps the dimension to infer as -1 or (once built) null.
  const target = (ctx.config['targetShape'] as (number | null)[]).map((d) => (d === null ? -1 : Number(d)));
  const known = x.shape.slice(1);
  if (known.some((d) => d === null)) throw new OnnxExportError(`${ctx.layer.name}: Reshape of an input with an unknown size has no ONNX rule here`);
  // The one -1 resolved here, so that the batch can be the inferred axis.
  const total = (known as number[]).reduce((a, d) => a * d, 1);
  const fixed = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const resolved = target.map((d) => (d === -1 ? total / fixed : d));
  return one(ctx, ctx.b.op('Reshape', [x.name, ctx.b.constant([-1, ...resolved])]));
}

function recurrent(ctx: RuleContext): OnnxValue[] {
  const x = input(ctx);
  const states = ctx.inputs.slice(1).map((v) => v.name);
  const result = recurrentLayer(ctx.b, ctx.layer, x, states, x.mask);
  return recurrentOutputs(ctx.layer, result, x, ctx.outputShapes);
}

function affineCoupling(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const x = input(ctx);
  const logScale = ctx.weight('log_scale');
  const x2Size = logScale.values.length;
  const x1Size = (x.shape[1] as number) - x2Size;
  const [x1, x2] = b.node('Split', [x.name, b.constant([x1Size, x2Size])], { axis: attr.int(1) }, 2, 'halves') as [string, string];
  const hiddenAct = String(config['hiddenActivation'] ?? 'relu');
  const mlp = (prefix: string): string => {
    const pre = linear(b, x2, ctx.init(`${prefix}_kernel1`), ctx.init(`${prefix}_bias1`));
    const hidden = b.op(hiddenAct === 'tanh' ? 'Tanh' : 'Relu', [pre]);
    return linear(b, hidden, ctx.init(`${prefix}_kernel2`), ctx.init(`${prefix}_bias2`));
  };
  const raw = mlp('g');
  const logScale1 = config['scaleTanh'] === false ? raw : b.op('Tanh', [raw]);
  const shift = mlp('f');
  const s = b.initializer('log_scale', logScale.values, logScale.shape);
  const y1 = b.op('Add', [b.op('Mul', [b.op('Exp', [logScale1]), x1]), shift]);
  const y2 = b.op('Mul', [b.op('Exp', [s]), x2]);
  const sumS = b.op('ReduceSum', [s, b.constant([0])], { keepdims: attr.int(1) });
  const logDet = b.op('Add', [b.op('ReduceSum', [logScale1, b.constant([1])], { keepdims: attr.int(1) }), sumS]);
  return [
    { name: b.op('Concat', [y1, y2], { axis: attr.int(1) }), shape: ctx.outputShapes[0] ?? [], dtype: 'float' },
    { name: logDet, shape: ctx.outputShapes[1] ?? [], dtype: 'float' },
  ];
}

function sampling(ctx: RuleContext): OnnxValue[] {
  const { b } = ctx;
  const mu = input(ctx, 0);
  const logvar = input(ctx, 1);
  if (ctx.config['deterministic'] === true) return one(ctx, b.op('Identity', [mu.name]));
  // Sampled in inference too, as the node says: z = mu + exp(logvar / 2) · eps, eps ~ N(0, I).
  const eps = b.op('RandomNormalLike', [mu.name], { dtype: attr.int(1) });
  return one(ctx, b.op('Add', [mu.name, b.op('Mul', [b.op('Exp', [b.op('Mul', [logvar.name, b.scalar(0.5)])]), eps])]));
}

function positionalEncoding(ctx: RuleContext): OnnxValue[] {
  const x = input(ctx);
  const [, length, depth] = x.shape;
  if (typeof length !== 'number' || typeof depth !== 'number') throw new OnnxExportError(`${ctx.layer.name}: PositionalEncoding needs a fixed sequence length to export`);
  const base = Number(ctx.config['base'] ?? 10_000);
  const table = new Float32Array(length * depth);
  for (let t = 0; t < length; t++) {
    for (let k = 0; k < depth; k++) {
      const angle = t / Math.pow(base, (2 * Math.floor(k / 2)) / depth);
      table[t * depth + k] = k % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return one(ctx, ctx.b.op('Add', [x.name, ctx.b.initializer('positional_encoding', table, [length, depth])]), true);
}

function positionEmbedding(ctx: RuleContext): OnnxValue[] {
  const { b } = ctx;
  const x = input(ctx);
  // The first T rows of the table, T from the input (the table stays whole: it is the weight).
  const length = b.op('Slice', [b.op('Shape', [x.name]), b.constant([1]), b.constant([2])]);
  const rows = b.op('Slice', [ctx.init('embeddings'), b.constant([0]), length, b.constant([0])]);
  return one(ctx, b.op('Add', [x.name, rows]), true);
}

function oneHot(ctx: RuleContext): OnnxValue[] {
  const { b } = ctx;
  const ids = input(ctx);
  const depth = Number(ctx.config['depth']);
  const asInt = ids.dtype === 'int32' ? ids.name : b.op('Cast', [ids.name], { to: attr.int(6) });
  const range = b.constant(Array.from({ length: depth }, (_, i) => i), 'int32');
  const hot = b.op('Equal', [b.op('Unsqueeze', [asInt, b.constant([-1])]), range]);
  return one(ctx, b.op('Cast', [hot], { to: attr.int(1) }));
}

function split(ctx: RuleContext): OnnxValue[] {
  const x = input(ctx);
  const sizes = ctx.outputShapes.map((s) => s[s.length - 1] as number);
  const outs = ctx.b.node('Split', [x.name, ctx.b.constant(sizes)], { axis: attr.int(-1) }, sizes.length, ctx.layer.name);
  return outs.map((name, i) => ({ name, shape: ctx.outputShapes[i] ?? [], dtype: 'float' as const }));
}

function upSampling(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const [sh, sw] = numberList(config['size'], 2, 2) as [number, number];
  const nearest = config['interpolation'] !== 'bilinear';
  // tfjs resizes with align_corners = false and half_pixel_centers = false: 'asymmetric'.
  const y = b.op('Resize', [toChannelsFirst(b, input(ctx).name, 4), '', b.constant([1, 1, sh, sw], 'float')], {
    mode: attr.string(nearest ? 'nearest' : 'linear'),
    coordinate_transformation_mode: attr.string('asymmetric'),
    ...(nearest ? { nearest_mode: attr.string('floor') } : {}),
  });
  return one(ctx, toChannelsLast(b, y, 4));
}

function sides(v: unknown): [[number, number], [number, number]] {
  if (typeof v === 'number') return [[v, v], [v, v]];
  const [a, b] = v as (number | number[])[];
  const pair = (p: number | number[] | undefined): [number, number] => (typeof p === 'number' ? [p, p] : [Number(p?.[0] ?? 0), Number(p?.[1] ?? 0)]);
  return [pair(a), pair(b)];
}

function cropping(ctx: RuleContext): OnnxValue[] {
  const [[top, bottom], [left, right]] = sides(ctx.config['cropping']);
  const b = ctx.b;
  const end = (n: number) => (n === 0 ? INT64_MAX : -n);
  return one(ctx, b.op('Slice', [input(ctx).name, b.constant([top, left]), b.constant([end(bottom), end(right)]), b.constant([1, 2])]));
}

function zeroPadding(ctx: RuleContext): OnnxValue[] {
  const [[top, bottom], [left, right]] = sides(ctx.config['padding']);
  return one(ctx, ctx.b.op('Pad', [input(ctx).name, ctx.b.constant([0, top, left, 0, 0, bottom, right, 0])]));
}

/** Rules by tfjs class name (`layer.getClassName()`). */
/** Wrapped classes whose rule works on one step [batch, ...] as on [batch·time, ...]. */
const PER_STEP_RULES: Readonly<Record<string, LayerRule>> = { Conv2D: conv, NetwrightDilatedConv2D: conv };

/**
 * TimeDistributed (Conv2D per time step): batch and time merged into one axis, the wrapped
 * layer's rule, then split back, with the sizes read at run time (batch and time may be dynamic).
 * The wrapper's weights are the wrapped layer's, so ctx.weight/init serve both.
 */
function timeDistributed(ctx: RuleContext): OnnxValue[] {
  const { b } = ctx;
  const inner = (ctx.layer as unknown as { layer: RuleContext['layer'] }).layer;
  const rule = PER_STEP_RULES[inner.getClassName()];
  if (!rule) throw new OnnxExportError(`${ctx.layer.name}: TimeDistributed(${inner.getClassName()}) has no ONNX rule here`);
  const x = input(ctx);
  const shape = b.op('Shape', [x.name]);
  const batchTime = b.op('Slice', [shape, b.constant([0]), b.constant([2])]);
  const stepShape = b.op('Slice', [shape, b.constant([2]), b.constant([INT64_MAX])]);
  const merged = b.op('Reshape', [x.name, b.op('Concat', [b.constant([-1]), stepShape], { axis: attr.int(0) })]);
  const out = ctx.outputShapes[0] ?? [];
  const [y] = rule({
    ...ctx,
    layer: inner,
    config: inner.getConfig() as Record<string, unknown>,
    inputs: [{ name: merged, shape: [null, ...x.shape.slice(2)], dtype: x.dtype }],
    outputShapes: [[null, ...out.slice(2)]],
  });
  if (!y) throw new OnnxExportError(`${ctx.layer.name}: the wrapped layer's rule gave no output`);
  const outStep = b.op('Slice', [b.op('Shape', [y.name]), b.constant([1]), b.constant([INT64_MAX])]);
  const split = b.op('Reshape', [y.name, b.op('Concat', [batchTime, outStep], { axis: attr.int(0) })]);
  return [{ name: split, shape: out, dtype: 'float' }];
}

export const LAYER_RULES: Readonly<Record<string, LayerRule>> = {
  Dense: dense,
  Flatten: (ctx) => one(ctx, ctx.b.op('Flatten', [input(ctx).name], { axis: attr.int(1) })),
  Dropout: identity,
  Activation: (ctx) => one(ctx, activation(ctx.b, input(ctx).name, activationName(ctx.config)), true),
  LeakyReLU: (ctx) => one(ctx, ctx.b.op('LeakyRelu', [input(ctx).name], { alpha: attr.float(Number(ctx.config['alpha'] ?? 0.3)) }), true),
  Reshape: reshape,
  Permute: (ctx) => one(ctx, ctx.b.op('Transpose', [input(ctx).name], { perm: attr.ints([0, ...(ctx.config['dims'] as number[])]) })),
  RepeatVector: (ctx) =>
    one(ctx, ctx.b.op('Tile', [ctx.b.op('Unsqueeze', [input(ctx).name, ctx.b.constant([1])]), ctx.b.constant([1, Number(ctx.config['n']), 1])])),
  Embedding: embedding,
  Conv1D: conv,
  Conv2D: conv,
  NetwrightDilatedConv1D: conv,
  NetwrightDilatedConv2D: conv,
  SeparableConv2D: separableConv,
  NetwrightSeparableConv2D: separableConv,
  NetwrightDilatedSeparableConv2D: separableConv,
  Conv2DTranspose: convTranspose,
  MaxPooling1D: pool('MaxPool'),
  MaxPooling2D: pool('MaxPool'),
  AveragePooling1D: pool('AveragePool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalAveragePooling1D: globalPool('ReduceMean'),
  GlobalAveragePooling2D: globalPool('ReduceMean'),
  GlobalMaxPooling1D: globalPool('ReduceMax'),
  GlobalMaxPooling2D: globalPool('ReduceMax'),
  Cropping2D: cropping,
  ZeroPadding2D: zeroPadding,
  UpSampling2D: upSampling,
  Concatenate: (ctx) => one(ctx, ctx.b.op('Concat', ctx.inputs.map((v) => v.name), { axis: attr.int(Number(ctx.config['axis'] ?? -1)) })),
  Add: merge('Sum'),
  Average: merge('Mean'),
  Multiply: merge('Mul'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  NetwrightSubtract: (ctx) => one(ctx, ctx.b.op('Sub', [input(ctx, 0).name, input(ctx, 1).name])),
  NetwrightSplit: split,
  NetwrightOneHot: oneHot,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  LSTM: recurrent,
  GRU: recurrent,
  SimpleRNN: recurrent,
  Bidirectional: (ctx) => {
    // The Bidirectional node has no initial-state ports; a model with them can only come from elsewhere.
    if (ctx.inputs.length > 1) throw new OnnxExportError(`${ctx.layer.name}: Bidirectional with initial states has no ONNX rule here`);
    return bidirectional(ctx.b, ctx.layer, input(ctx), ctx.outputShapes);
  },
  NetwrightAttention: attentionRule,
  NetwrightMultiHeadAttention: multiHeadAttentionRule,
  NetwrightPositionalEncoding: positionalEncoding,
  NetwrightPositionEmbedding: positionEmbedding,
  NetwrightSampling: sampling,
  NetwrightAffineCoupling: affineCoupling,
  TimeDistributed: timeDistributed,
};
