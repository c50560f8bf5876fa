/**
 * tfjs-layers 4.22 recurrent layers with library defects worked around. Everything that builds an
 * LSTM, GRU, SimpleRNN or Bidirectional in Netwright goes through the factories here.
 *
 * 1. `RNN.apply` writes the initial states into the kwargs object it is given. The functional
 *    executor hands ONE kwargs object to every layer of a forward pass, and a training loop may
 *    reuse its own object across steps, so a second recurrent layer (or the same layer in the next
 *    step) finds stale concrete states there: it throws "When inputs is an array, neither
 *    initialState or constants should be provided", or, without an initial-state input of its own,
 *    silently starts from another layer's states. The subclasses below give `RNN.apply` a fresh
 *    copy of the kwargs each call. They are registered under tfjs' own class names ("LSTM", ...),
 *    so saved models stay in the standard tfjs/Keras layers format, and loading one (also inside a
 *    Bidirectional, which re-creates its inner layers by class name) yields the fixed classes.
 *    Bidirectional is subclassed the same way (it passes its kwargs to both inner layers).
 *    The same shared object keeps the last Keras mask the executor set, so a recurrent layer whose
 *    input has no mask (a decoder after an Embedding without maskZero) would apply the ENCODER's
 *    padding mask; the subclasses drop a mask their input cannot carry.
 *    The subclasses also free what tfjs leaves behind: the LSTM unit-forget-bias initializer's
 *    temporaries and the cell's last dropout masks (on dispose).
 * 2. The default recurrent initializer (orthogonal) calls chained tensor methods
 *    (`t.flatten()`, ...), which only the `@tensorflow/tfjs` union package registers; this project
 *    imports tfjs-core and tfjs-layers directly. The few methods it needs are added when missing.
 *    (Netwright's own layers use FastOrthogonal instead, see orthogonal.ts; the stock class stays
 *    usable.)
 * 3. Speed: on the cpu and wasm backends the subclasses run the whole sequence as one fused op
 *    (fused-recurrence.ts) instead of tfjs' unrolled steps, whenever the call needs nothing the
 *    fused op lacks (stateful layers, dropout while training, other activations); webgl
 *    and webgpu keep tfjs' path. `useStockRecurrence(true)` or the environment variable
 *    NETWRIGHT_STOCK_RECURRENT=1 turns the fused op off (the bench compares both in one run).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Replaces tfjs' orthogonal initializer (seconds per LSTM(256)) before any layer is built.
import './orthogonal';
import { fusedRecurrence, isFusedActivation, type FusedCellKind } from './fused-recurrence';
import { CallMemo } from '../call-memo';

type ChainedMethods = Record<'flatten' | 'stridedSlice' | 'sign' | 'transpose' | 'reshape', unknown>;

function ensureOrthogonalInitializerMethods(): void {
  const proto = tf.Tensor.prototype as unknown as Partial<ChainedMethods>;
  proto.flatten ??= function flatten(this: tf.Tensor) {
    return tf.reshape(this, [this.size]);
  };
  proto.stridedSlice ??= function stridedSlice(this: tf.Tensor, begin: number[], end: number[], strides?: number[]) {
    return tf.stridedSlice(this, begin, end, strides);
  };
  proto.sign ??= function sign(this: tf.Tensor) {
    return tf.sign(this);
  };
  proto.transpose ??= function transpose(this: tf.Tensor, perm?: number[]) {
    return tf.transpose(this, perm);
  };
  proto.reshape ??= function reshape(this: tf.Tensor, shape: number[]) {
    return tf.reshape(this, shape);
  };
}
ensureOrthogonalInitializerMethods();

let stockRecurrence =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NETWRIGHT_STOCK_RECURRENT'] === '1';

/** true: every recurrent layer runs tfjs' own unrolled steps (for comparisons); false: fused where it can. */
export function useStockRecurrence(stock: boolean): void {
  stockRecurrence = stock;
}

/** Backends where one fused op beats tfjs' many small kernels (dispatch-bound there). */
const FUSED_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm']);

interface WeightHandle {
  read(): tf.Tensor;
}
interface ActivationHandle {
  getClassName(): string;
}
/** The fields of tfjs' LSTMCell, GRUCell and SimpleRNNCell the fused op reads. */
interface CellInternals {
  units: number;
  kernel: WeightHandle;
  recurrentKernel: WeightHandle;
  bias: WeightHandle | null;
  activation: ActivationHandle;
  recurrentActivation?: ActivationHandle;
  dropout: number;
  recurrentDropout: number;
}

type CallInputs = Parameters<tfl.RNN['call']>[0];
type CallKwargs = Parameters<tfl.RNN['call']>[1];
type CallResult = ReturnType<tfl.RNN['call']>;

/** The layer's call as one fused op, or null when the call needs something only tfjs' path does. */
function fusedCall(layer: tfl.RNN, kind: FusedCellKind, inputs: CallInputs, kwargs: CallKwargs): CallResult | null {
  if (stockRecurrence || !FUSED_BACKENDS.has(tf.getBackend())) return null;
  if (layer.stateful) return null;
  const maskArg = kwargs?.['mask'] as tf.Tensor | (tf.Tensor | null)[] | null | undefined;
  const mask = (Array.isArray(maskArg) ? maskArg[0] : maskArg) ?? null;
  const cell = layer.cell as unknown as CellInternals;
  if (kwargs?.['training'] === true && (cell.dropout > 0 || cell.recurrentDropout > 0)) return null;
  const activation = cell.activation.getClassName();
  const recurrentActivation = cell.recurrentActivation?.getClassName() ?? 'sigmoid';
  if (!isFusedActivation(activation) || !isFusedActivation(recurrentActivation)) return null;
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (!x || x.rank !== 3 || x.dtype !== 'float32' || (x.shape[1] ?? 0) < 1) return null;
  if (mask && !tf.util.arraysEqual(mask.shape, x.shape.slice(0, 2))) return null;
  const initialState = kwargs?.['initialState'] as tf.Tensor[] | null | undefined;
  return tf.tidy(() => {
    const { sequence, states } = fusedRecurrence(
      { kind, units: cell.units, activation, recurrentActivation, goBackwards: layer.goBackwards },
      x,
      cell.kernel.read(),
      cell.recurrentKernel.read(),
      cell.bias ? cell.bias.read() : null,
      initialState ?? null,
      mask,
    );
    const output = layer.returnSequences ? sequence : states[0]!;
    return layer.returnState ? [output, ...states] : output;
  });
}

type ApplyInputs = Parameters<tfl.RNN['apply']>[0];
type ApplyKwargs = Parameters<tfl.RNN['apply']>[1];
type ApplyResult = ReturnType<tfl.RNN['apply']>;

/**
 * A private copy of the kwargs; states arrive in `inputs` when it is an array, never in both. A
 * `mask` is dropped when this layer's input can carry none: the executor only overwrites the shared
 * mask for layers whose input has one, so any other mask there belongs to another layer.
 */
function freshKwargs(inputs: ApplyInputs, kwargs: ApplyKwargs, inputCarriesMask: boolean): ApplyKwargs {
  if (kwargs == null) return kwargs;
  const copy = { ...kwargs };
  if (Array.isArray(inputs)) {
    delete copy['initialState'];
    delete copy['constants'];
  }
  if (!inputCarriesMask) delete copy['mask'];
  return copy;
}

function firstInput(inputs: ApplyInputs): unknown {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** The kwargs a recurrent layer's apply() passes on (freshKwargs), per layer. */
class FreshKwargs {
  /** Decided when the layer is wired into a graph (symbolically); unknown means keep any mask. */
  private inputCarriesMask = true;
  for(inputs: ApplyInputs, kwargs: ApplyKwargs): ApplyKwargs {
    const x = firstInput(inputs);
    if (x instanceof tfl.SymbolicTensor) this.inputCarriesMask = mayCarryMask(x);
    return freshKwargs(inputs, kwargs, this.inputCarriesMask);
  }
}

/**
 * Whether a tensor can carry a Keras mask when the model runs, following what tfjs' executor does:
 * Embedding(maskZero) and Masking create one, layers that support masking pass their first input's
 * on (recurrent layers only from their sequence output), every other layer drops it.
 */
export function mayCarryMask(t: tfl.SymbolicTensor): boolean {
  const layer = t.sourceLayer as tfl.layers.Layer | undefined;
  if (!layer) return false;
  const className = layer.getClassName();
  if (className === 'InputLayer') return false;
  if (className === 'Embedding') return layer.getConfig()['maskZero'] === true;
  if (className === 'Masking') return true;
  if (!layer.supportsMasking) return false;
  const config = layer.getConfig();
  if ('returnSequences' in config) {
    const outputIndex = t.outputTensorIndex ?? t.tensorIndex ?? 0;
    const first = t.inputs[0];
    return config['returnSequences'] === true && outputIndex === 0 && first !== undefined && mayCarryMask(first);
  }
  // Merge layers combine their inputs' masks; when unsure, keep the mask (tfjs' own behaviour).
  return t.inputs.some(mayCarryMask);
}

interface DropoutMaskHolder {
  dropoutMask?: tf.Tensor | tf.Tensor[] | null;
  recurrentDropoutMask?: tf.Tensor | tf.Tensor[] | null;
}

function disposeDropoutMasks(cell: DropoutMaskHolder): void {
  if (cell.dropoutMask) tf.dispose(cell.dropoutMask);
  if (cell.recurrentDropoutMask) tf.dispose(cell.recurrentDropoutMask);
  cell.dropoutMask = null;
  cell.recurrentDropoutMask = null;
}

export type RecurrentClassName = 'LSTM' | 'GRU' | 'SimpleRNN';
type RnnConstructor = typeof tfl.RNN;

/** Marks our subclasses so a second evaluation of this module (hot reload) subclasses tfjs' own class. */
const ORIGINAL: unique symbol = Symbol.for('netwright.rnn.original');

function tfjsClass(className: RecurrentClassName): RnnConstructor {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`tfjs-layers has no registered ${className} class`);
  const cls = entry[0] as unknown as RnnConstructor & { [ORIGINAL]?: RnnConstructor };
  return cls[ORIGINAL] ?? cls;
}

function fixedClass(className: RecurrentClassName): RnnConstructor {
  const Base = tfjsClass(className);
  class FreshKwargsRnn extends Base {
    static override className = className;
    static readonly [ORIGINAL] = Base;
    private readonly kwargsOf = new FreshKwargs();
    override apply(inputs: ApplyInputs, kwargs?: ApplyKwargs): ApplyResult {
      return super.apply(inputs, this.kwargsOf.for(inputs, kwargs));
    }
    /** tfjs' executor calls a layer once per output it uses (sequence, h, c): one computation serves all. */
    private readonly memo = new CallMemo();
    override call(inputs: CallInputs, kwargs: CallKwargs): CallResult {
      // A stateful layer's result also depends on the states its previous call left.
      if (this.stateful) return super.call(inputs, kwargs);
      const given = [
        ...(Array.isArray(inputs) ? inputs : [inputs]),
        ...((kwargs?.['initialState'] as tf.Tensor[] | null | undefined) ?? []),
        ...[kwargs?.['mask'] as tf.Tensor | (tf.Tensor | null)[] | null | undefined].flat(),
      ];
      return this.memo.run({ inputs: given, weights: this.weights, training: kwargs?.['training'] === true }, () =>
        fusedCall(this, className, inputs, kwargs) ?? super.call(inputs, kwargs),
      );
    }
    override build(inputShape: Parameters<tfl.RNN['build']>[0]): void {
      // The LSTM's unit-forget-bias initializer leaves its intermediate tensors behind.
      tf.tidy(() => super.build(inputShape));
    }
    override dispose(): ReturnType<tfl.RNN['dispose']> {
      const result = super.dispose();
      // The cell keeps its last dropout masks (for the backward pass) until its next call.
      if (result.refCountAfterDispose === 0) disposeDropoutMasks(this.cell as unknown as DropoutMaskHolder);
      return result;
    }
  }
  tf.serialization.registerClass(FreshKwargsRnn);
  return FreshKwargsRnn;
}

const FIXED: Record<RecurrentClassName, RnnConstructor> = {
  LSTM: fixedClass('LSTM'),
  GRU: fixedClass('GRU'),
  SimpleRNN: fixedClass('SimpleRNN'),
};

type BidirectionalArgs = Parameters<typeof tfl.layers.bidirectional>[0];
type BidirectionalLayer = ReturnType<typeof tfl.layers.bidirectional>;
type BidirectionalConstructor = (new (args: BidirectionalArgs) => BidirectionalLayer) & { className: string };

/** Bidirectional hands its kwargs (and so a stale mask) to both inner layers' `call`. */
function fixedBidirectional(): BidirectionalConstructor {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['Bidirectional'];
  if (!entry) throw new Error('tfjs-layers has no registered Bidirectional class');
  const registered = entry[0] as unknown as BidirectionalConstructor & { [ORIGINAL]?: BidirectionalConstructor };
  const Base = registered[ORIGINAL] ?? registered;
  class FreshKwargsBidirectional extends Base {
    static override className = 'Bidirectional';
    static readonly [ORIGINAL] = Base;
    private readonly kwargsOf = new FreshKwargs();
    override apply(inputs: ApplyInputs, kwargs?: ApplyKwargs): ApplyResult {
      return super.apply(inputs, this.kwargsOf.for(inputs, kwargs));
    }
    override dispose(): ReturnType<BidirectionalLayer['dispose']> {
      const result = super.dispose();
      // tfjs' Bidirectional does not dispose its two inner layers, whose cells keep their last dropout masks.
      if (result.refCountAfterDispose === 0) {
        const inner = this as unknown as { forwardLayer: tfl.RNN; backwardLayer: tfl.RNN };
        for (const layer of [inner.forwardLayer, inner.backwardLayer]) disposeDropoutMasks(layer.cell as unknown as DropoutMaskHolder);
      }
      return result;
    }
  }
  tf.serialization.registerClass(FreshKwargsBidirectional as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  return FreshKwargsBidirectional;
}
const FixedBidirectional = fixedBidirectional();

export function createBidirectional(args: BidirectionalArgs): BidirectionalLayer {
  return new FixedBidirectional(args);
}

export function createLstm(args: tfl.LSTMLayerArgs): tfl.RNN {
  return new FIXED.LSTM(args as unknown as tfl.RNNLayerArgs);
}
export function createGru(args: tfl.GRULayerArgs): tfl.RNN {
  return new FIXED.GRU(args as unknown as tfl.RNNLayerArgs);
}
export function createSimpleRnn(args: tfl.SimpleRNNLayerArgs): tfl.RNN {
  return new FIXED.SimpleRNN(args as unknown as tfl.RNNLayerArgs);
}
