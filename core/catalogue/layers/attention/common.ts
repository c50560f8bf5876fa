/**
 * What the attention layers share: the tensor math of masking and softmax, projections of
 * sequences by a kernel, and the shape checks with messages that say what to do.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { dimsCompatible, formatShape, lastDim, ShapeError, type Dim, type Shape } from '../../../shapes/shape';

/** The constructor options every tfjs layer takes (name, trainable, ...). */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * Added to the score of a masked position. exp(-1e9) underflows to exactly 0 in float32, so a
 * masked position gets exactly zero weight, and unlike -Infinity it never produces NaN when a whole
 * row is masked (that row then spreads its weight evenly).
 */
export const MASKED_SCORE = -1e9;

/**
 * Softmax over the last axis (source positions) of scores [..., Tq, Tv], after masking:
 * - `causal`: query position i may only attend to source positions j <= i;
 * - `keyMask` [batch, Tv]: source positions whose mask value is <= 0.5 (padding) get no weight.
 * `leadingAxes` is the number of axes between the batch and Tq (1 for multi-head scores).
 */
export function maskedSoftmax(scores: tf.Tensor, causal: boolean, keyMask: tf.Tensor | undefined, leadingAxes = 0): tf.Tensor {
  return tf.tidy(() => {
    const tq = scores.shape[scores.rank - 2] as number;
    const tv = scores.shape[scores.rank - 1] as number;
    let masked = scores;
    if (causal) {
      // Lower triangle (j <= i) of a [Tq, Tv] matrix of ones: the allowed positions.
      const allowed = tf.linalg.bandPart(tf.ones([tq, tv]), -1, 0);
      masked = tf.add(masked, tf.mul(tf.sub(1, allowed), MASKED_SCORE));
    }
    if (keyMask) {
      const keep = tf.cast(tf.greater(keyMask, 0.5), 'float32');
      const batch = keyMask.shape[0] as number;
      const broadcastable = tf.reshape(keep, [batch, ...new Array<number>(leadingAxes + 1).fill(1), tv]);
      masked = tf.add(masked, tf.mul(tf.sub(1, broadcastable), MASKED_SCORE));
    }
    return tf.softmax(masked, -1);
  });
}

/** x [..., dIn] · kernel [dIn, dOut] -> [..., dOut] (a Dense without bias on the last axis). */
export function project(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const dIn = x.shape[x.rank - 1] as number;
    const dOut = kernel.shape[kernel.shape.length - 1] as number;
    const flat = tf.reshape(x, [-1, dIn]);
    const y = tf.matMul(flat, tf.reshape(kernel, [dIn, dOut]));
    return tf.reshape(y, [...x.shape.slice(0, -1), dOut]);
  });
}

/** A sequence input [batch, T, d] with a known d; the message says how to get one. */
export function requireSequence(shape: Shape, what: string, port: string): { time: Dim; features: number } {
  if (shape.length !== 3) {
    const hint =
      shape.length === 2
        ? 'it has no time axis; feed a sequence (e.g. an RNN with return sequences, an Embedding, or a Reshape to [T, d])'
        : 'reshape it to [batch, time, features]';
    throw new ShapeError(`${what} expects "${port}" of shape [batch, time, features] but got ${formatShape(shape)}; ${hint}`, port);
  }
  return { time: shape[1] ?? null, features: lastDim(shape, `${what} "${port}"`, port) };
}

/** Two sequences that are attended together must have the same number of time steps. */
export function requireSameLength(a: Dim, b: Dim, what: string, portA: string, portB: string): void {
  if (!dimsCompatible(a, b)) {
    throw new ShapeError(
      `${what} needs "${portA}" and "${portB}" with the same number of time steps but got ${a} and ${b}; wire both from the same sequence`,
      portB,
    );
  }
}

/** A padding mask [batch, Tv]: 1 for a real source position, 0 for padding. */
export function checkKeyMask(mask: Shape, sourceTime: Dim, what: string): void {
  if (mask.length !== 2) {
    throw new ShapeError(
      `${what} expects "mask" of shape [batch, source time] (1 = real token, 0 = padding) but got ${formatShape(mask)}`,
      'mask',
    );
  }
  if (!dimsCompatible(mask[1] ?? null, sourceTime)) {
    throw new ShapeError(
      `${what} needs a "mask" with one entry per source position (${sourceTime}) but got ${mask[1]}; build the mask from the same token ids as the source`,
      'mask',
    );
  }
}

export function configBoolean(config: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = config[key];
  return typeof v === 'boolean' ? v : fallback;
}
export function configNumber(config: Record<string, unknown>, key: string, fallback: number): number {
  const v = config[key];
  return typeof v === 'number' ? v : fallback;
}

/**
 * Wiring of a multi-input attention layer. tfjs' `predict` frees an intermediate tensor once its
 * recipients have run, but it counts a layer that gets the same tensor twice (self-attention:
 * query = value) as one recipient while decrementing twice, and a multi-output layer runs once
 * per output: the tensor was freed before the second output was computed. So each distinct tensor
 * is passed once, and `slots` says which position holds each role (-1: not wired).
 */
export function dedupeInputs<T>(roles: readonly (T | undefined)[]): { unique: T[]; slots: number[] } {
  const unique: T[] = [];
  const slots = roles.map((t) => {
    if (t === undefined) return -1;
    const seen = unique.indexOf(t);
    if (seen >= 0) return seen;
    unique.push(t);
    return unique.length - 1;
  });
  return { unique, slots };
}

/** Build/computeOutputShape receive one shape when a layer has a single input. */
export function shapeList(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
  return Array.isArray(inputShape[0]) ? (inputShape as tfl.Shape[]) : [inputShape as tfl.Shape];
}

export function tensorList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

export function configSlots(config: Record<string, unknown>, fallback: number[]): number[] {
  const v = config['inputSlots'];
  return Array.isArray(v) && v.length === fallback.length && v.every((x) => typeof x === 'number') ? (v as number[]) : fallback;
}

/** The item at a slot, for a role that must be wired. */
export function atSlot<T>(items: readonly T[], slot: number | undefined, what: string): T {
  const item = slot === undefined || slot < 0 ? undefined : items[slot];
  if (item === undefined) throw new Error(`${what} is not wired`);
  return item;
}
