/**
 * Keras layer classes (as TensorFlow.js and Keras write them) -> Netwright node types. A mapping
 * is exact or refused: every option that changes what the layer computes or how it trains is
 * either carried over to a node parameter with the same meaning or refused by name. Initializers
 * and seeds are not carried over: the imported weights replace them.
 */
import { ACTIVATIONS, type ActivationName } from '../catalogue/activations';
import { RNN_ACTIVATIONS } from '../catalogue/layers/recurrent/common';
import { describeValue, LayerRefusal } from './errors';

export interface MappedLayer {
  type: string;
  params: Record<string, unknown>;
  /** The node's input port of each of the layer's inputs, in order. */
  inputPorts: (count: number) => string[];
  /** The node's output port of each of the layer's output tensors (by index). */
  outputPorts: string[];
  /** A wrapper's weights are named after the layer it wraps. */
  weightsOf?: string;
}

type Config = Record<string, unknown>;

/** Options that say nothing about what the layer computes, or that imported weights replace. */
const IGNORED = new Set([
  'name',
  'trainable',
  'dtype',
  'batch_input_shape',
  'batch_shape',
  'input_dim',
  'input_length',
  'kernel_initializer',
  'bias_initializer',
  'recurrent_initializer',
  'embeddings_initializer',
  'gamma_initializer',
  'beta_initializer',
  'moving_mean_initializer',
  'moving_variance_initializer',
  'depthwise_initializer',
  'pointwise_initializer',
  'seed',
  'unroll',
  'implementation',
  // Keras 3 recurrent layers: whether to run on cuDNN (the same computation).
  'use_cudnn',
  'time_major',
  'sparse',
  'ragged',
  'module',
  'registered_name',
  'build_config',
]);

/** Options that must be absent or null (regularizers and constraints change training). */
const MUST_BE_NULL = [
  'kernel_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'recurrent_regularizer',
  'embeddings_regularizer',
  'gamma_regularizer',
  'beta_regularizer',
  'depthwise_regularizer',
  'pointwise_regularizer',
  'kernel_constraint',
  'bias_constraint',
  'recurrent_constraint',
  'embeddings_constraint',
  'gamma_constraint',
  'beta_constraint',
  'depthwise_constraint',
  'pointwise_constraint',
];

/** Reads a layer's config; remembers what it read so unknown options can be refused. */
class Options {
  private readonly read = new Set<string>(IGNORED);
  constructor(private readonly config: Config) {}

  has(key: string): boolean {
    return this.config[key] !== undefined;
  }

  raw(key: string): unknown {
    this.read.add(key);
    return this.config[key];
  }

  int(key: string, fallback?: number): number {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new LayerRefusal(`option ${key} = ${describeValue(v)}: expected an integer`);
    return v;
  }

  float(key: string, fallback?: number): number {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new LayerRefusal(`option ${key} = ${describeValue(v)}: expected a number`);
    return v;
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'boolean') throw new LayerRefusal(`option ${key} = ${describeValue(v)}: expected true or false`);
    return v;
  }

  /** An int or a list of ints (Keras writes `3` or `[3, 3]`). */
  ints(key: string, fallback?: number[]): number[] {
    const v = this.raw(key) ?? fallback;
    const list = typeof v === 'number' ? [v] : v;
    if (!Array.isArray(list) || !list.every((d) => Number.isInteger(d))) throw new LayerRefusal(`option ${key} = ${describeValue(v)}: expected integers`);
    return list as number[];
  }

  oneOf<T extends string>(key: string, options: readonly T[], fallback?: T): T {
    const v = this.raw(key) ?? fallback;
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
      throw new LayerRefusal(`option ${key} = ${describeValue(v)} has no equivalent in Netwright (it supports ${options.map((o) => `'${o}'`).join(', ')})`);
    }
    return v as T;
  }

  /** The option must be absent or equal to `value` (an option Netwright has only one way of). */
  require(key: string, value: unknown, why: string): void {
    const v = this.raw(key);
    if (v === undefined || v === null) return;
    if (JSON.stringify(v) !== JSON.stringify(value)) throw new LayerRefusal(`option ${key} = ${describeValue(v)} has no equivalent in Netwright (${why})`);
  }

  /** Refuses options that are set but were not read (an option this import doesn't know). */
  finish(): void {
    for (const key of MUST_BE_NULL) {
      const v = this.raw(key);
      if (v !== undefined && v !== null) {
        const kind = key.endsWith('constraint') ? 'constraints' : 'regularizers';
        throw new LayerRefusal(`option ${key} = ${describeValue(v)}: Netwright layers have no ${kind}; remove it from the model (weight decay can be added as a loss term later)`);
      }
    }
    if (this.config.trainable === false) throw new LayerRefusal('the layer is frozen (trainable: false); Netwright trains every layer, so frozen layers can\'t be imported as they are');
    // Keras 3 writes a dtype policy: { class_name: 'DTypePolicy', config: { name: 'float32' } }.
    const policy = this.config.dtype;
    const dtype = typeof policy === 'object' && policy !== null && 'config' in policy ? (policy as { config?: { name?: unknown } }).config?.name : policy;
    if (dtype !== undefined && dtype !== null && dtype !== 'float32' && dtype !== 'int32') throw new LayerRefusal(`dtype ${describeValue(dtype)}: only float32 layers can be imported`);
    for (const [key, value] of Object.entries(this.config)) {
      if (this.read.has(key)) continue;
      if (value === null || value === false || value === undefined) continue;
      throw new LayerRefusal(`option ${key} = ${describeValue(value)} is not known to the importer, so it can't be carried over exactly`);
    }
  }
}

/** Keras/tfjs activation names -> Netwright's (camelCase). */
function activationName(value: unknown, allowed: readonly string[]): string {
  const raw = typeof value === 'object' && value !== null && 'class_name' in value ? (value as { class_name: unknown }).class_name : value;
  if (typeof raw !== 'string') throw new LayerRefusal(`activation ${describeValue(value)}: expected a name`);
  const camel = raw === 'hard_sigmoid' ? 'hardSigmoid' : raw === 'leaky_relu' ? 'leakyRelu' : raw === 'silu' ? 'swish' : raw;
  if (!allowed.includes(camel)) throw new LayerRefusal(`activation '${raw}' has no equivalent in Netwright (it has ${allowed.join(', ')})`);
  return camel;
}

/** leakyRelu as a Dense/Conv activation means alpha 0.3 in Netwright; Keras' activation string has the same default slope only in Keras 2. */
function layerActivation(o: Options, key = 'activation', fallback = 'linear'): ActivationName {
  const name = activationName(o.raw(key) ?? fallback, ACTIVATIONS.filter((a) => a !== 'leakyRelu'));
  return name as ActivationName;
}

function channelsLast(o: Options): void {
  o.require('data_format', 'channels_last', 'Netwright images are channels-last [batch, height, width, channels]');
}

const one = (count: number) => Array.from({ length: count }, () => 'in');
const IN = (count: number): string[] => one(count);

function padding(o: Options): 'valid' | 'same' {
  return o.oneOf('padding', ['valid', 'same'] as const, 'valid');
}

function pair(o: Options, key: string, fallback: number[]): number[] {
  const v = o.ints(key, fallback);
  if (v.length !== 1 && v.length !== 2) throw new LayerRefusal(`option ${key} = ${describeValue(v)}: expected one or two numbers`);
  return v;
}

function single(o: Options, key: string, fallback: number): number {
  const v = o.ints(key, [fallback]);
  if (v.length !== 1) throw new LayerRefusal(`option ${key} = ${describeValue(v)}: expected one number`);
  return v[0] as number;
}

function recurrent(type: 'LSTM' | 'GRU' | 'SimpleRNN', o: Options): MappedLayer {
  if (o.raw('stateful') === true) throw new LayerRefusal('stateful recurrent layers keep state between batches; Netwright starts every batch from zero or a wired initial state');
  o.require('zero_output_for_mask', false, 'masked steps output the last state, as tfjs does');
  const states = type === 'LSTM' ? ['initialH', 'initialC'] : ['initialH'];
  const params: Record<string, unknown> = {
    units: o.int('units'),
    activation: activationName(o.raw('activation') ?? 'tanh', RNN_ACTIVATIONS),
    useBias: o.bool('use_bias', true),
    returnSequences: o.bool('return_sequences', false),
    returnState: o.bool('return_state', false),
    goBackwards: o.bool('go_backwards', false),
    dropout: o.float('dropout', 0),
    recurrentDropout: o.float('recurrent_dropout', 0),
  };
  if (type !== 'SimpleRNN') params.recurrentActivation = o.oneOf('recurrent_activation', ['sigmoid', 'hardSigmoid', 'hard_sigmoid'] as const, 'hardSigmoid') === 'sigmoid' ? 'sigmoid' : 'hardSigmoid';
  if (type === 'LSTM') params.unitForgetBias = o.bool('unit_forget_bias', true);
  if (type === 'GRU' && o.raw('reset_after') === true) {
    throw new LayerRefusal("reset_after = true (Keras 2's default GRU) has no equivalent: Netwright's GRU is tfjs' (reset_after = false), whose weights have another shape");
  }
  const outputs = params.returnState ? ['out', ...(type === 'LSTM' ? ['h', 'c'] : ['h'])] : ['out'];
  return { type, params, inputPorts: (n) => ['in', ...states].slice(0, n), outputPorts: outputs };
}

/**
 * Keras Bidirectional(LSTM | GRU | SimpleRNN): the wrapped layer is mapped as on its own, then every
 * option of it the Bidirectional node has no parameter for must be at the value the node computes with.
 * Weights: the file's forward then backward layer (kernel, recurrent_kernel, bias each), as the node's.
 */
function bidirectional(o: Options): MappedLayer {
  // merge_mode null (a list of both directions' outputs) must not fall back to the default.
  if (o.raw('merge_mode') === null) throw new LayerRefusal("option merge_mode = null has no equivalent (the node merges both directions: 'concat', 'sum', 'mul' or 'ave')");
  const mergeMode = o.oneOf('merge_mode', ['concat', 'sum', 'mul', 'ave'] as const, 'concat');
  o.require('backward_layer', null, 'the backward layer is a copy of the forward one');
  const spec = o.raw('layer');
  const inner = typeof spec === 'object' && spec !== null ? (spec as { class_name?: unknown; config?: unknown }) : {};
  const className = inner.class_name;
  if (className !== 'LSTM' && className !== 'GRU' && className !== 'SimpleRNN') {
    throw new LayerRefusal(`Bidirectional(${describeValue(className)}) has no equivalent (the node wraps LSTM, GRU or SimpleRNN)`);
  }
  const config = typeof inner.config === 'object' && inner.config !== null ? (inner.config as Config) : {};
  const label = `wrapped ${className}${typeof config.name === 'string' ? ` '${config.name}'` : ''}`;
  try {
    const wrapped = mapKerasLayer(className, config);
    const p = wrapped.params;
    const why = {
      useBias: ['use_bias', 'the Bidirectional node always has biases'],
      goBackwards: ['go_backwards', 'the Bidirectional node runs its forward layer forwards'],
    } as const;
    for (const [key, [option, reason]] of Object.entries(why)) {
      if (p[key] !== (key === 'useBias')) throw new LayerRefusal(`option ${option} = ${describeValue(p[key])} has no equivalent (${reason})`);
    }
    // unitForgetBias only initialises the forget gate's bias, which the imported weights replace.
    const params: Record<string, unknown> = {
      layer: className,
      units: p.units,
      returnSequences: p.returnSequences,
      mergeMode,
      activation: p.activation,
      returnState: p.returnState,
      dropout: p.dropout,
      recurrentDropout: p.recurrentDropout,
    };
    if (p.recurrentActivation !== undefined) params.recurrentActivation = p.recurrentActivation;
    const states = p.returnState ? (className === 'LSTM' ? ['h', 'c'] : ['h']) : [];
    const outputPorts = ['out', ...states.map((s) => `${s}Forward`), ...states.map((s) => `${s}Backward`)];
    return { type: 'Bidirectional', params, inputPorts: () => ['in'], outputPorts };
  } catch (err) {
    if (err instanceof LayerRefusal) throw new LayerRefusal(`${label}: ${err.message}`);
    throw err;
  }
}

type Mapper = (o: Options, config: Config) => MappedLayer;

const simple = (type: string, params: Record<string, unknown>): MappedLayer => ({ type, params, inputPorts: IN, outputPorts: ['out'] });

const MAPPERS: Record<string, Mapper> = {
  Dense: (o) => simple('Dense', { units: o.int('units'), activation: layerActivation(o), useBias: o.bool('use_bias', true) }),
  Conv2D: (o) => {
    channelsLast(o);
    o.require('groups', 1, 'grouped convolutions are not in the catalogue');
    return simple('Conv2D', {
      filters: o.int('filters'),
      kernelSize: pair(o, 'kernel_size', [3, 3]),
      strides: pair(o, 'strides', [1, 1]),
      padding: padding(o),
      dilationRate: pair(o, 'dilation_rate', [1, 1]),
      activation: layerActivation(o),
      useBias: o.bool('use_bias', true),
    });
  },
  Conv1D: (o) => {
    channelsLast(o);
    o.require('groups', 1, 'grouped convolutions are not in the catalogue');
    return simple('Conv1D', {
      filters: o.int('filters'),
      kernelSize: single(o, 'kernel_size', 3),
      strides: single(o, 'strides', 1),
      padding: padding(o),
      dilationRate: single(o, 'dilation_rate', 1),
      activation: layerActivation(o),
      useBias: o.bool('use_bias', true),
    });
  },
  Conv2DTranspose: (o) => {
    channelsLast(o);
    o.require('output_padding', null, 'the output size follows tfjs without output padding');
    o.require('dilation_rate', [1, 1], 'transposed convolutions are not dilated in the catalogue');
    return simple('Conv2DTranspose', {
      filters: o.int('filters'),
      kernelSize: pair(o, 'kernel_size', [3, 3]),
      strides: pair(o, 'strides', [1, 1]),
      padding: padding(o),
      activation: layerActivation(o),
      useBias: o.bool('use_bias', true),
    });
  },
  MaxPooling1D: (o) => pool1d('MaxPool1D', o),
  AveragePooling1D: (o) => pool1d('AvgPool1D', o),
  MaxPooling2D: (o) => pool2d('MaxPool2D', o),
  AveragePooling2D: (o) => pool2d('AvgPool2D', o),
  GlobalMaxPooling1D: (o) => globalPool('GlobalMaxPool1D', o),
  GlobalAveragePooling1D: (o) => globalPool('GlobalAvgPool1D', o),
  GlobalMaxPooling2D: (o) => globalPool('GlobalMaxPool2D', o),
  GlobalAveragePooling2D: (o) => globalPool('GlobalAvgPool2D', o),
  Flatten: (o) => {
    channelsLast(o);
    return simple('Flatten', {});
  },
  Dropout: (o) => {
    o.require('noise_shape', null, 'dropout masks are per element');
    return simple('Dropout', { rate: o.float('rate') });
  },
  Activation: (o) => simple('Activation', { activation: layerActivation(o, 'activation', 'linear') }),
  ReLU: (o) => {
    o.require('max_value', null, 'ReLU is not capped in the catalogue');
    o.require('threshold', 0, 'ReLU thresholds at 0 in the catalogue');
    const slope = o.float('negative_slope', 0);
    return slope === 0 ? simple('Activation', { activation: 'relu' }) : simple('Activation', { activation: 'leakyRelu', alpha: slope });
  },
  LeakyReLU: (o) => simple('Activation', { activation: 'leakyRelu', alpha: o.has('negative_slope') ? o.float('negative_slope') : o.float('alpha', 0.3) }),
  Softmax: (o) => {
    o.require('axis', -1, 'softmax is over the last axis in the catalogue');
    return simple('Activation', { activation: 'softmax' });
  },
  Reshape: (o) => simple('Reshape', { targetShape: o.ints('target_shape') }),
  Permute: (o) => simple('Permute', { dims: o.ints('dims') }),
  RepeatVector: (o) => simple('RepeatVector', { n: o.int('n') }),
  Embedding: (o) => simple('Embedding', { inputDim: o.int('input_dim'), outputDim: o.int('output_dim'), maskZero: o.bool('mask_zero', false) }),
  LSTM: (o) => recurrent('LSTM', o),
  GRU: (o) => recurrent('GRU', o),
  SimpleRNN: (o) => recurrent('SimpleRNN', o),
  Bidirectional: bidirectional,
  BatchNormalization: (o) => {
    const axis = o.ints('axis', [-1]);
    if (axis.length !== 1) throw new LayerRefusal(`option axis = ${describeValue(axis)}: one axis only`);
    o.require('renorm', false, 'batch renormalization is not in the catalogue');
    o.require('synchronized', false, 'there is one device');
    return simple('BatchNorm', { axis: axis[0], momentum: o.float('momentum', 0.99), epsilon: o.float('epsilon', 1e-3), center: o.bool('center', true), scale: o.bool('scale', true) });
  },
  LayerNormalization: (o) => {
    const axis = o.ints('axis', [-1]);
    if (axis.length !== 1) throw new LayerRefusal(`option axis = ${describeValue(axis)}: one axis only`);
    o.require('rms_scaling', false, 'RMS normalization is not in the catalogue');
    return simple('LayerNorm', { axis: axis[0], epsilon: o.float('epsilon', 1e-3), center: o.bool('center', true), scale: o.bool('scale', true) });
  },
  Concatenate: (o) => simple('Concatenate', { axis: o.int('axis', -1) }),
  Add: () => simple('Add', {}),
  Multiply: () => simple('Multiply', {}),
  Average: () => simple('Average', {}),
  Subtract: () => ({ type: 'Subtract', params: {}, inputPorts: () => ['a', 'b'], outputPorts: ['out'] }),
  TimeDistributed: (o) => {
    const inner = o.raw('layer');
    const spec = typeof inner === 'object' && inner !== null ? (inner as { class_name?: unknown; config?: unknown }) : {};
    const config = typeof spec.config === 'object' && spec.config !== null ? (spec.config as Config) : {};
    // Dense already works per time step on [batch, time, features]: the same weights, the same outputs.
    const weightsOf = typeof config.name === 'string' ? config.name : undefined;
    if (spec.class_name === 'Dense') return { ...mapKerasLayer('Dense', config), weightsOf };
    if (spec.class_name === 'Conv2D') {
      const conv = mapKerasLayer('Conv2D', config);
      return { ...conv, params: { ...conv.params, timeDistributed: true }, weightsOf };
    }
    throw new LayerRefusal(`TimeDistributed(${describeValue(spec.class_name)}) has no equivalent yet (TimeDistributed(Dense) and TimeDistributed(Conv2D) have)`);
  },
  NetwrightSubtract: () => ({ type: 'Subtract', params: {}, inputPorts: () => ['a', 'b'], outputPorts: ['out'] }),
  NetwrightReverseTime: () => simple('ReverseTime', {}),
  Dot: (o) => ({ type: 'Dot', params: { axes: o.ints('axes'), normalize: o.bool('normalize', false) }, inputPorts: () => ['a', 'b'], outputPorts: ['out'] }),
  ZeroPadding2D: (o) => {
    channelsLast(o);
    return simple('ZeroPadding2D', { padding: sides(o, 'padding') });
  },
  Cropping2D: (o) => {
    channelsLast(o);
    return simple('Cropping2D', { cropping: sides(o, 'cropping') });
  },
  UpSampling2D: (o) => {
    channelsLast(o);
    return simple('UpSampling2D', { size: pair(o, 'size', [2, 2]), interpolation: o.oneOf('interpolation', ['nearest', 'bilinear'] as const, 'nearest') });
  },
};

/** Keras' ((top, bottom), (left, right)) or (v, h) or n -> Netwright's flattened list. */
function sides(o: Options, key: string): number[] {
  const v = o.raw(key);
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Array.isArray(x) && x.length === 2)) return (v as number[][]).flat();
  throw new LayerRefusal(`option ${key} = ${describeValue(v)}: expected n, [vertical, horizontal] or [[top, bottom], [left, right]]`);
}

function pool1d(type: string, o: Options): MappedLayer {
  channelsLast(o);
  const poolSize = single(o, 'pool_size', 2);
  const strides = o.raw('strides');
  const stride = strides === null || strides === undefined ? poolSize : single(o, 'strides', poolSize);
  // Strides equal to the pool size are Netwright's default (written as none).
  return simple(type, { poolSize, strides: stride === poolSize ? [] : [stride], padding: padding(o) });
}

function pool2d(type: string, o: Options): MappedLayer {
  channelsLast(o);
  const poolSize = pair(o, 'pool_size', [2, 2]);
  const strides = o.raw('strides');
  const stride = strides === null || strides === undefined ? poolSize : pair(o, 'strides', poolSize);
  const same = JSON.stringify(stride.length === 1 ? [stride[0], stride[0]] : stride) === JSON.stringify(poolSize.length === 1 ? [poolSize[0], poolSize[0]] : poolSize);
  return simple(type, { poolSize, strides: same ? [] : stride, padding: padding(o) });
}

function globalPool(type: string, o: Options): MappedLayer {
  channelsLast(o);
  o.require('keepdims', false, 'global pooling drops the pooled axes in the catalogue');
  return simple(type, {});
}

/** Why some common Keras classes can't be imported, with what to do instead. */
const REFUSED: Record<string, string> = {
  Lambda: 'Lambda layers carry Python or JavaScript code and can\'t be imported; replace it with catalogue layers (Activation, Reshape, merge layers) before saving',
  TFOpLambda: 'TensorFlow operations written as layers carry code and can\'t be imported; write them with Keras layers before saving',
  SlicingOpLambda: 'tensor slicing written as a layer carries code and can\'t be imported; use a Split or Reshape layer before saving',
  Masking: 'Masking has no equivalent: Netwright masks padding with an Embedding\'s mask zero',
};

/** Maps one Keras layer (class and config) to a node type and its parameters, or refuses it. */
export function mapKerasLayer(className: string, config: Config): MappedLayer {
  const refused = REFUSED[className];
  if (refused) throw new LayerRefusal(refused);
  const mapper = MAPPERS[className];
  if (!mapper) throw new LayerRefusal(`the layer type ${className} has no equivalent in Netwright's catalogue`);
  const options = new Options(config);
  const mapped = mapper(options, config);
  options.finish();
  return mapped;
}

/** The Input node's parameters from an InputLayer's config. */
export function mapInputLayer(config: Config): { shape: (number | null)[]; dtype: 'float32' | 'int32' } {
  const shape = config.batch_input_shape ?? config.batch_shape;
  if (!Array.isArray(shape) || shape.length < 1 || !shape.every((d) => d === null || (Number.isInteger(d) && d >= 1 && d <= 1_000_000))) {
    throw new LayerRefusal(`batch_input_shape ${describeValue(shape)}: expected [null, ...sizes]`);
  }
  if (shape.length - 1 > 4) throw new LayerRefusal(`inputs of rank ${shape.length - 1} (${describeValue(shape)}) are not supported; Netwright inputs have at most 4 axes besides the batch`);
  const dtype = config.dtype ?? 'float32';
  if (config.sparse === true || config.ragged === true) throw new LayerRefusal('sparse and ragged inputs are not supported');
  if (dtype !== 'float32' && dtype !== 'int32') throw new LayerRefusal(`input dtype ${describeValue(dtype)}: only float32 and int32 inputs are supported`);
  return { shape: shape.slice(1) as (number | null)[], dtype };
}
