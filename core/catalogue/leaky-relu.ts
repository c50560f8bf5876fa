/**
 * The LeakyReLU every Netwright layer builds (the Activation node and the `leakyRelu` activation of
 * Dense and convolutions). It computes tfjs' fused `leakyRelu` kernel, except inside
 * `twiceDifferentiable`: there it computes x * step(x, alpha), the same values, because tfjs 4.22's
 * gradient of LeakyRelu is made with Greater, which has no gradient of its own, so a gradient of a
 * gradient through it (a WGAN-GP critic's penalty) throws. x * step(x, alpha) differentiates into
 * step(x, alpha) (Step's gradient is 0), which differentiates again.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

let twiceDifferentiableDepth = 0;

/** Runs `fn` (synchronously) with every LeakyReLU applied in it differentiable twice. */
export function twiceDifferentiable<T>(fn: () => T): T {
  twiceDifferentiableDepth++;
  try {
    return fn();
  } finally {
    twiceDifferentiableDepth--;
  }
}

/** leakyRelu(x, alpha), as a product whose gradient has a gradient (see the file's comment). */
export function leakyReluTwiceDifferentiable(x: tf.Tensor, alpha: number): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.step(x, alpha)));
}

export class LeakyReLULayer extends tfl.layers.Layer {
  /** tfjs' own name: a saved model loads with tfjs' LeakyReLU, which computes the same. */
  static readonly className = 'LeakyReLU';
  readonly alpha: number;

  constructor(args: LayerArgs & { alpha: number }) {
    super(args);
    this.alpha = args.alpha;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!x) throw new Error(`${this.name} expects one input`);
    return twiceDifferentiableDepth > 0 ? leakyReluTwiceDifferentiable(x, this.alpha) : tf.leakyRelu(x, this.alpha);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}
