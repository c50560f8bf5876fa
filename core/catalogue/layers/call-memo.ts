/**
 * tfjs-layers 4.22's executor (`execute`, used by `model.apply` on concrete tensors) walks the
 * graph's symbolic tensors, not its layers: a layer with k outputs that the model uses is CALLED k
 * times per forward pass, and the results of the later calls are dropped. The seq2seq encoder
 * (an LSTM returning its sequence, h and c) ran its whole forward pass three times per step.
 * A `CallMemo` lets such a layer hand back the result of its previous call when the call is the
 * same: the same input tensors (alive), the same weight buffers (an optimizer step or setWeights
 * replaces a variable's buffer: `Variable.assign` gives it a new dataId), the same training flag
 * and mask, and a result that is still alive. The gradient tape then holds one op, whose outputs
 * the model uses.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What decides a call's result besides the layer's code. */
export interface CallIdentity {
  inputs: readonly (tf.Tensor | null | undefined)[];
  /** The layer's weights (tfjs LayerVariables expose the current value through read()). */
  weights: readonly { read(): tf.Tensor }[];
  training: boolean;
}

interface Remembered {
  inputs: (tf.Tensor | null | undefined)[];
  weightBuffers: object[];
  training: boolean;
  result: tf.Tensor | tf.Tensor[];
}

function alive(t: tf.Tensor | null | undefined): boolean {
  return t === null || t === undefined || !t.isDisposed;
}

export class CallMemo {
  private last: Remembered | null = null;

  /** The previous result when `call` is the same call, else runs `compute` and remembers it. */
  run(identity: CallIdentity, compute: () => tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const weightBuffers = identity.weights.map((w) => w.read().dataId);
    const last = this.last;
    if (
      last &&
      last.training === identity.training &&
      last.inputs.length === identity.inputs.length &&
      last.inputs.every((t, i) => t === identity.inputs[i] && alive(t)) &&
      last.weightBuffers.length === weightBuffers.length &&
      last.weightBuffers.every((b, i) => b === weightBuffers[i]) &&
      (Array.isArray(last.result) ? last.result : [last.result]).every((t) => !t.isDisposed)
    ) {
      return last.result;
    }
    const result = compute();
    // Only concrete calls are remembered (symbolic calls return SymbolicTensors, not tf.Tensors).
    const tensors = Array.isArray(result) ? result : [result];
    this.last = tensors.every((t) => t instanceof tf.Tensor) ? { inputs: [...identity.inputs], weightBuffers, training: identity.training, result } : null;
    return result;
  }

  /** Forgets the last result (the layer's weights or code path changed in a way dataIds do not show). */
  clear(): void {
    this.last = null;
  }
}
