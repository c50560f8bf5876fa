/**
 * The Dense layer as one kernel forwards and one per gradient on wasm with Netwright's SIMD module
 * (core/engine/simd/dense.c). tfjs' own Dense runs a fused matmul (XNNPACK, which repacks the
 * weights at every call since they change every step), and backwards a dozen kernels: reshapes, the
 * activation's gradient, two products (the transposed operands copied first) and the bias sum.
 *
 * `FusedDense` is tfjs-layers' Dense with `call` routed through that op when the SIMD module runs
 * on the active backend; everything else (weights, names, config, tfjs save/load, the layer's
 * output as the inspected activation) is the stock layer's. It is registered under tfjs' own class
 * name "Dense", so saved models stay in the standard format and load as this class. Activations
 * the kernel lacks run after a linear fused op, as tfjs does. Calls inside a nested gradient (whose
 * backward pass is differentiated again), other backends and
 * `useStockDense(true)` (or NETWRIGHT_STOCK_DENSE=1; the bench compares both) keep tfjs' path.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DENSE, isDenseActivation, type DenseAttrs } from '../../../engine/simd/dense-kernels';
import { simdReady } from '../../../engine/simd/kernels';

let stockDense = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NETWRIGHT_STOCK_DENSE'] === '1';

/** true: every Dense layer runs tfjs' own kernels (for comparisons); false: the fused op where it can. */
export function useStockDense(stock: boolean): void {
  stockDense = stock;
}

/** Whether Dense layers run the fused op now (wasm with the SIMD module, not switched off). */
export function fusedDenseReady(): boolean {
  return !stockDense && simdReady();
}

/**
 * act(x·kernel + bias) as one kernel, x [..., k] (leading axes folded into rows), kernel [k, n];
 * `activation` one of the kernel's (linear, relu, sigmoid, tanh). Differentiable (dense-kernels.ts).
 */
export function fusedDense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null, activation: DenseAttrs['activation']): tf.Tensor {
  const k = x.shape[x.rank - 1] as number;
  const n = kernel.shape[1] as number;
  return tf.tidy(() => {
    const rows = x.rank === 2 ? x : tf.reshape(x, [-1, k]);
    const inputs: tf.NamedTensorMap = bias ? { x: rows, kernel, bias } : { x: rows, kernel };
    const y = tf.engine().runKernel(DENSE, inputs, { activation } as unknown as tf.NamedAttrMap) as tf.Tensor;
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), n]);
  });
}

interface WeightHandle {
  read(): tf.Tensor;
}
/** The private fields of tfjs-layers' Dense the fused call reads. */
interface DenseInternals {
  kernel: WeightHandle;
  bias: WeightHandle | null;
  activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
}

type CallInputs = Parameters<tfl.layers.Layer['call']>[0];
type CallKwargs = Parameters<tfl.layers.Layer['call']>[1];
type DenseConstructor = new (args: DenseArgs) => tfl.layers.Layer;
export type DenseArgs = Parameters<typeof tfl.layers.dense>[0];

/** Marks our subclass so a second evaluation of this module (hot reload) subclasses tfjs' own class. */
const ORIGINAL: unique symbol = Symbol.for('netwright.dense.original');

function stockDenseClass(): DenseConstructor {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap['Dense'];
  if (!entry) throw new Error('tfjs-layers has no registered Dense class');
  const cls = entry[0] as unknown as DenseConstructor & { [ORIGINAL]?: DenseConstructor };
  return cls[ORIGINAL] ?? cls;
}

const StockDense = stockDenseClass();

/** The layer's call as the fused op, or null when tfjs' path must run. */
function fusedCall(layer: DenseInternals, inputs: CallInputs): tf.Tensor | null {
  if (!fusedDenseReady()) return null;
  // Inside a gradient within a gradient (WGAN-GP's penalty differentiates the critic's gradient):
  // the outer one differentiates this call's backward pass, whose kernels have no gradients.
  if (tf.engine().state.gradientDepth > 1) return null;
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (!x || (Array.isArray(inputs) && inputs.length !== 1) || x.dtype !== 'float32' || x.rank < 2 || x.size === 0) return null;
  const name = layer.activation.getClassName();
  return tf.tidy(() => {
    const y = fusedDense(x, layer.kernel.read(), layer.bias ? layer.bias.read() : null, isDenseActivation(name) ? name : 'linear');
    return isDenseActivation(name) ? y : layer.activation.apply(y);
  });
}

export class FusedDense extends StockDense {
  static readonly className = 'Dense';
  static readonly [ORIGINAL] = StockDense;
  override call(inputs: CallInputs, kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    const fused = fusedCall(this as unknown as DenseInternals, inputs);
    if (!fused) return super.call(inputs, kwargs);
    this.invokeCallHook(inputs, kwargs);
    return fused;
  }
}
tf.serialization.registerClass(FusedDense as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** A Dense layer (tfjs-layers' arguments) that takes the fused op where it can. */
export function denseLayer(args: DenseArgs): tfl.layers.Layer {
  return new FusedDense(args);
}
