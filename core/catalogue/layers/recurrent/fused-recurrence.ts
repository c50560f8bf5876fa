/**
 * A whole recurrent sequence (LSTM, GRU with reset before, SimpleRNN) as ONE differentiable op.
 *
 * tfjs-layers unrolls a recurrent layer into ~15 small kernels per time step forwards and more
 * backwards; on cpu and wasm their dispatch, not the arithmetic, takes the time. Here:
 *  - forward: the input projection of every step is one matmul ([batch·time, in]·W); per step only
 *    h·U runs as a kernel (two for the GRU), the gate arithmetic runs in JavaScript on typed arrays;
 *  - backward through time: per step only dZ·Uᵀ runs as a kernel; dW, dU, db and dx are a few large
 *    matmuls over all steps at the end.
 * Registered with `tf.customGrad`, so the tape sees one node. A customGrad op has one output, so
 * the result is packed: [batch, time (+1 for the LSTM's final c), units]; `fusedRecurrence` slices
 * it into the sequence and the final states.
 * Tested against the stock tfjs layers (outputs, states, every gradient) in
 * test/unit/catalogue/fused-recurrence.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD, simdReady } from '../../../engine/simd/kernels';
import { tanh } from '../fast-math';

export type FusedCellKind = 'LSTM' | 'GRU' | 'SimpleRNN';

/** Activations with a JavaScript value and derivative that follow tfjs' kernels and gradients. */
export const FUSED_ACTIVATIONS = ['tanh', 'sigmoid', 'hardSigmoid', 'relu', 'linear', 'softsign'] as const;
export type FusedActivation = (typeof FUSED_ACTIVATIONS)[number];

export function isFusedActivation(name: string): name is FusedActivation {
  return (FUSED_ACTIVATIONS as readonly string[]).includes(name);
}

interface ActivationFns {
  value(x: number): number;
  /** d value / dx, given x and value(x). */
  derivative(x: number, y: number): number;
}

const ACTIVATIONS: Record<FusedActivation, ActivationFns> = {
  tanh: { value: tanh, derivative: (_x, y) => 1 - y * y },
  sigmoid: { value: (x) => 1 / (1 + Math.exp(-x)), derivative: (_x, y) => y * (1 - y) },
  // tfjs: clipByValue(0.2·x + 0.5, 0, 1), whose gradient passes where the clip's input is within [0, 1].
  hardSigmoid: {
    value: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
    derivative: (x) => {
      const y = 0.2 * x + 0.5;
      return y >= 0 && y <= 1 ? 0.2 : 0;
    },
  },
  relu: { value: (x) => (x > 0 ? x : 0), derivative: (x) => (x > 0 ? 1 : 0) },
  linear: { value: (x) => x, derivative: () => 1 },
  softsign: {
    value: (x) => x / (1 + Math.abs(x)),
    derivative: (x) => 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x))),
  },
};

export interface FusedRecurrenceSpec {
  kind: FusedCellKind;
  units: number;
  activation: FusedActivation;
  /** Gate activation; ignored by SimpleRNN. */
  recurrentActivation: FusedActivation;
  goBackwards: boolean;
}

export interface FusedRecurrenceResult {
  /** h after every processed step, in processing order (reversed input order with goBackwards, as tfjs). */
  sequence: tf.Tensor3D;
  /** Final states: [h] or, for the LSTM, [h, c]. */
  states: tf.Tensor2D[];
}

const GATES: Record<FusedCellKind, number> = { LSTM: 4, GRU: 3, SimpleRNN: 1 };

export function stateCount(kind: FusedCellKind): number {
  return kind === 'LSTM' ? 2 : 1;
}

/** Runs `x` [batch, time, features] through the cell; kernel [features, G·units], recurrent kernel [units, G·units]. */
export function fusedRecurrence(
  spec: FusedRecurrenceSpec,
  x: tf.Tensor,
  kernel: tf.Tensor,
  recurrentKernel: tf.Tensor,
  bias: tf.Tensor | null,
  initialState: readonly tf.Tensor[] | null,
  mask: tf.Tensor | null = null,
): FusedRecurrenceResult {
  const [batch, time, features] = x.shape as [number, number, number];
  const { kind, units } = spec;
  const width = GATES[kind] * units;
  if (x.rank !== 3) throw new Error(`fusedRecurrence: x must be [batch, time, features], got [${x.shape.join(', ')}]`);
  if (time < 1) throw new Error(`fusedRecurrence: the sequence needs at least one time step, got [${x.shape.join(', ')}]`);
  const expect = (t: tf.Tensor, shape: number[], what: string) => {
    if (!tf.util.arraysEqual(t.shape, shape)) {
      throw new Error(`fusedRecurrence (${kind}): ${what} must be [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
    }
  };
  expect(kernel, [features, width], 'kernel');
  expect(recurrentKernel, [units, width], 'recurrent kernel');
  if (bias) expect(bias, [width], 'bias');
  if (initialState) {
    if (initialState.length !== stateCount(kind)) {
      throw new Error(`fusedRecurrence (${kind}): expected ${stateCount(kind)} initial state(s), got ${initialState.length}`);
    }
    initialState.forEach((s, i) => expect(s, [batch, units], `initial state ${i}`));
  }
  const extra = kind === 'LSTM' ? 1 : 0;
  // Keras masking: a masked step (0) keeps the previous states and repeats the previous h as output.
  let keep: Uint8Array | null = null;
  if (mask) {
    expect(mask, [batch, time], 'mask');
    const values = mask.dataSync();
    keep = new Uint8Array(batch * time);
    for (let i = 0; i < keep.length; i++) keep[i] = values[i] ? 1 : 0;
  }
  const inputs: tf.Tensor[] = [x, kernel, recurrentKernel];
  if (bias) inputs.push(bias);
  if (initialState) inputs.push(...initialState);
  const firstState = bias ? 4 : 3;
  const simd = kind === 'LSTM' && spec.activation === 'tanh' && spec.recurrentActivation === 'sigmoid' && units % 4 === 0 && simdReady();
  const op = simd ? simdLstmOp(spec, bias !== null, initialState !== null, keep) : tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const t = args.slice(0, -1) as tf.Tensor[];
    const [xIn, kernelIn, recurrentIn] = t as [tf.Tensor, tf.Tensor, tf.Tensor];
    // Kept by the engine for the backward pass (the layer's tidy would free them otherwise).
    save([xIn, kernelIn, recurrentIn]);
    const run = new SequenceRun(spec, batch, time, features, extra, keep);
    const value = run.forward(xIn, kernelIn, recurrentIn, bias ? t[3]! : null, initialState ? t.slice(firstState) : null);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        run.backward(dy, saved[0]!, saved[1]!, saved[2]!, bias !== null, initialState !== null),
    };
  });
  const packed = op(...inputs);
  return tf.tidy(() => {
    const sequence = tf.slice(packed, [0, 0, 0], [batch, time, units]) as tf.Tensor3D;
    const h = tf.reshape(tf.slice(packed, [0, time - 1, 0], [batch, 1, units]), [batch, units]) as tf.Tensor2D;
    const states = [h];
    if (kind === 'LSTM') states.push(tf.reshape(tf.slice(packed, [0, time, 0], [batch, 1, units]), [batch, units]) as tf.Tensor2D);
    packed.dispose();
    return { sequence, states };
  });
}

/**
 * The LSTM (sigmoid gates, tanh candidate and cell) on wasm with Netwright's SIMD module
 * (core/engine/simd/kernels.c): the whole sequence forwards in one kernel (per step x_t·W + h·U as
 * tiled products, then the gates) and backwards in one (through time, then dx, dW, dU and the bias
 * gradient as large products over every step); what the backward pass needs is kept as tensors.
 */
function simdLstmOp(
  spec: FusedRecurrenceSpec,
  hasBias: boolean,
  hasInitial: boolean,
  keep: Uint8Array | null,
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const forwardAttrs = { goBackwards: spec.goBackwards } as unknown as tf.NamedAttrMap;
  const backwardAttrs = { goBackwards: spec.goBackwards, hasBias } as unknown as tf.NamedAttrMap;
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const t = args.slice(0, -1) as tf.Tensor[];
    const [x, kernel, recurrentKernel] = t as [tf.Tensor, tf.Tensor, tf.Tensor];
    const keepTensor = keep ? tf.tensor1d(Int32Array.from(keep), 'int32') : null;
    const inputs: tf.NamedTensorMap = { x, kernel, recurrentKernel };
    if (hasBias) inputs['bias'] = t[3]!;
    if (hasInitial) [inputs['h0'], inputs['c0']] = t.slice(hasBias ? 4 : 3) as [tf.Tensor, tf.Tensor];
    if (keepTensor) inputs['keep'] = keepTensor;
    const [packed, gates, cellOut, prevC, prevH] = tf.engine().runKernel(LSTM_SEQUENCE, inputs, forwardAttrs) as tf.Tensor[];
    save([x, kernel, recurrentKernel, gates!, cellOut!, prevC!, prevH!, ...(keepTensor ? [keepTensor] : [])]);
    return {
      value: packed!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ks, rs, gs, cs, pcs, phs, keeps] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        const gradInputs: tf.NamedTensorMap = { dy, x: xs, kernel: ks, recurrentKernel: rs, gates: gs, cellOut: cs, prevC: pcs, prevH: phs };
        if (keeps) gradInputs['keep'] = keeps;
        const grads = tf.engine().runKernel(LSTM_SEQUENCE_GRAD, gradInputs, backwardAttrs) as tf.Tensor[];
        // [dx, dKernel, dRecurrent, (dBias)] then the initial states' [dh0, dc0].
        if (hasInitial) return grads;
        tf.dispose(grads.slice(-2));
        return grads.slice(0, -2);
      },
    };
  });
}

/** A product of two matrices given as typed arrays or tensors; returns its values. */
function product(a: tf.Tensor, b: tf.Tensor): Float32Array {
  const result = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  const values = result.dataSync() as Float32Array;
  // On cpu dataSync hands out the tensor's own array; copy before the tensor goes.
  const copy = values.slice();
  result.dispose();
  return copy;
}

/** Sums of the columns of a row-major [rows, cols] matrix (accumulated in float64). */
function columnSums(values: Float32Array, rows: number, cols: number): Float32Array {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) sums[c]! += values[base + c]!;
  }
  return Float32Array.from(sums);
}

function matrix(values: Float32Array, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(values, [rows, cols]);
}

/**
 * One forward pass and what its backward pass needs, all in typed arrays laid out like x:
 * row b·time + t holds step t of sample b (t in input order).
 */
class SequenceRun {
  private readonly units: number;
  private readonly width: number;
  private readonly act: ActivationFns;
  private readonly gate: ActivationFns;
  /** Pre-activations of every gate, [batch·time, G·units] (the GRU's candidate includes (r·h)·Uh). */
  private preActivations = new Float32Array(0);
  /** h before each step, [batch·time, units]. */
  private previousH = new Float32Array(0);
  /** LSTM: c before and after each step; GRU: r·h before each step. */
  private previousC = new Float32Array(0);
  private nextC = new Float32Array(0);
  /** LSTM: the activated gates i, f, g, o of every step [batch·time, 4·units] and act(c) [batch·time, units], kept for the backward pass. */
  private gates = new Float32Array(0);
  private cellOut = new Float32Array(0);
  private resetH = new Float32Array(0);

  constructor(
    private readonly spec: FusedRecurrenceSpec,
    private readonly batch: number,
    private readonly time: number,
    private readonly features: number,
    private readonly extra: number,
    /** 1 where step t of sample b (row b·time + t) runs, 0 where the mask skips it; null: all run. */
    private readonly keep: Uint8Array | null,
  ) {
    this.units = spec.units;
    this.width = GATES[spec.kind] * spec.units;
    this.act = ACTIVATIONS[spec.activation];
    this.gate = ACTIVATIONS[spec.recurrentActivation];
  }

  /** Input-order step processed at position s. */
  private stepAt(s: number): number {
    return this.spec.goBackwards ? this.time - 1 - s : s;
  }

  forward(x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor | null, initial: tf.Tensor[] | null): tf.Tensor {
    const { batch, time, units, width, features, extra } = this;
    const rows = batch * time;
    // Not inside tf.tidy: tidy walks a returned typed array element by element (seconds here).
    const rowsOfX = tf.reshape(x, [rows, features]);
    const projected = product(rowsOfX, kernel);
    rowsOfX.dispose();
    const biasValues = bias ? (bias.dataSync() as Float32Array) : new Float32Array(width);
    this.preActivations = new Float32Array(rows * width);
    this.previousH = new Float32Array(rows * units);
    let h = initial ? (initial[0]!.dataSync() as Float32Array).slice() : new Float32Array(batch * units);
    let c = this.spec.kind === 'LSTM' ? (initial ? (initial[1]!.dataSync() as Float32Array).slice() : new Float32Array(batch * units)) : null;
    const out = new Float32Array(batch * (time + extra) * units);
    if (this.spec.kind === 'LSTM') {
      this.previousC = new Float32Array(rows * units);
      this.nextC = new Float32Array(rows * units);
      this.gates = new Float32Array(rows * width);
      this.cellOut = new Float32Array(rows * units);
    }
    let recurrentParts: tf.Tensor[] = [recurrentKernel];
    if (this.spec.kind === 'GRU') {
      this.resetH = new Float32Array(rows * units);
      recurrentParts = tf.split(recurrentKernel, [2 * units, units], 1);
    }
    try {
      for (let s = 0; s < time; s++) {
        const t = this.stepAt(s);
        const hTensor = matrix(h, batch, units);
        const recurrent = product(hTensor, recurrentParts[0]!);
        hTensor.dispose();
        const next = new Float32Array(batch * units);
        const pre = this.preActivations;
        const previousH = this.previousH;
        // The GRU's candidate columns get their recurrent part after the reset gate (gruStep).
        const recurrentWidth = recurrentParts[0]!.shape[1]!;
        for (let b = 0; b < batch; b++) {
          const row = b * time + t;
          for (let j = 0, hb = b * units, hr = row * units; j < units; j++) previousH[hr + j] = h[hb + j]!;
          const z = row * width;
          const hu = b * recurrentWidth;
          for (let j = 0; j < recurrentWidth; j++) pre[z + j] = projected[z + j]! + biasValues[j]! + recurrent[hu + j]!;
          for (let j = recurrentWidth; j < width; j++) pre[z + j] = projected[z + j]! + biasValues[j]!;
        }
        if (this.spec.kind === 'LSTM') this.lstmStep(t, c!, next);
        else if (this.spec.kind === 'SimpleRNN') this.simpleStep(t, next);
        else this.gruStep(t, h, next, recurrentParts[1]!);
        if (this.keep) this.applyMask(t, h, next);
        h = next;
        if (this.spec.kind === 'LSTM') {
          c = new Float32Array(batch * units);
          for (let b = 0; b < batch; b++) c.set(this.nextC.subarray((b * time + t) * units, (b * time + t + 1) * units), b * units);
        }
        for (let b = 0; b < batch; b++) out.set(h.subarray(b * units, (b + 1) * units), (b * (time + extra) + s) * units);
      }
    } finally {
      if (this.spec.kind === 'GRU') tf.dispose(recurrentParts);
    }
    if (c) for (let b = 0; b < batch; b++) out.set(c.subarray(b * units, (b + 1) * units), (b * (time + extra) + time) * units);
    return tf.tensor3d(out, [batch, time + extra, units]);
  }

  /** Masked rows keep the states they had: h (in `next`) and, for the LSTM, c. */
  private applyMask(t: number, h: Float32Array, next: Float32Array): void {
    const { batch, time, units } = this;
    for (let b = 0; b < batch; b++) {
      const row = b * time + t;
      if (this.keep![row]) continue;
      next.set(h.subarray(b * units, (b + 1) * units), b * units);
      if (this.spec.kind === 'LSTM') this.nextC.set(this.previousC.subarray(row * units, (row + 1) * units), row * units);
    }
  }

  private lstmStep(t: number, c: Float32Array, next: Float32Array): void {
    const { batch, time, units, width, act, gate, preActivations: pre, gates, previousC, nextC, cellOut } = this;
    for (let b = 0; b < batch; b++) {
      const row = b * time + t;
      const z = row * width;
      const r = row * units;
      for (let j = 0; j < units; j++) {
        const cPrev = c[b * units + j]!;
        const i = gate.value(pre[z + j]!);
        const f = gate.value(pre[z + units + j]!);
        const g = act.value(pre[z + 2 * units + j]!);
        const o = gate.value(pre[z + 3 * units + j]!);
        const cNext = f * cPrev + i * g;
        const ac = act.value(cNext);
        gates[z + j] = i;
        gates[z + units + j] = f;
        gates[z + 2 * units + j] = g;
        gates[z + 3 * units + j] = o;
        previousC[r + j] = cPrev;
        nextC[r + j] = cNext;
        cellOut[r + j] = ac;
        next[b * units + j] = o * ac;
      }
    }
  }

  private simpleStep(t: number, next: Float32Array): void {
    const { batch, time, units, act } = this;
    for (let b = 0; b < batch; b++) {
      const z = (b * time + t) * units;
      for (let j = 0; j < units; j++) next[b * units + j] = act.value(this.preActivations[z + j]!);
    }
  }

  /** tfjs' GRU (reset before): z, r gates; hh = act(x·Wh + bh + (r·h)·Uh); h' = z·h + (1 - z)·hh. */
  private gruStep(t: number, h: Float32Array, next: Float32Array, candidateKernel: tf.Tensor): void {
    const { batch, time, units, width, act, gate } = this;
    const reset = new Float32Array(batch * units);
    for (let b = 0; b < batch; b++) {
      const z = (b * time + t) * width;
      for (let j = 0; j < units; j++) reset[b * units + j] = gate.value(this.preActivations[z + units + j]!) * h[b * units + j]!;
    }
    const resetTensor = matrix(reset, batch, units);
    const candidate = product(resetTensor, candidateKernel);
    resetTensor.dispose();
    for (let b = 0; b < batch; b++) {
      const row = b * time + t;
      const z = row * width;
      this.resetH.set(reset.subarray(b * units, (b + 1) * units), row * units);
      for (let j = 0; j < units; j++) {
        const pre = this.preActivations[z + 2 * units + j]! + candidate[b * units + j]!;
        this.preActivations[z + 2 * units + j] = pre;
        const update = gate.value(this.preActivations[z + j]!);
        next[b * units + j] = update * h[b * units + j]! + (1 - update) * act.value(pre);
      }
    }
  }

  /** Gradients for [x, kernel, recurrentKernel, (bias), (initial states)] from dy, the packed output's gradient. */
  backward(dy: tf.Tensor, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, hasBias: boolean, hasInitial: boolean): tf.Tensor[] {
    const { batch, time, units, width, features, extra, act, gate } = this;
    const kind = this.spec.kind;
    const rows = batch * time;
    const { preActivations: pre, gates } = this;
    const dOut = dy.dataSync() as Float32Array;
    const dPre = new Float32Array(rows * width);
    let dh: Float32Array = new Float32Array(batch * units);
    const dc = new Float32Array(batch * units);
    if (kind === 'LSTM') for (let b = 0; b < batch; b++) dc.set(dOut.subarray((b * (time + extra) + time) * units, (b * (time + extra) + time + 1) * units), b * units);
    const stepGrad = new Float32Array(batch * width);
    // The gradient that skips a masked step unchanged (h was passed through).
    const passThrough = this.keep ? new Float32Array(batch * units) : null;
    // Transposed once so every step's product is an untransposed one (the fast path on wasm).
    let recurrentT: tf.Tensor | null = null;
    let gateKernelT: tf.Tensor | null = null;
    let candidateKernelT: tf.Tensor | null = null;
    if (kind === 'GRU') {
      const parts = tf.tidy(() => tf.split(recurrentKernel, [2 * units, units], 1).map((part) => tf.transpose(part)));
      gateKernelT = parts[0]!;
      candidateKernelT = parts[1]!;
    } else {
      recurrentT = tf.transpose(recurrentKernel);
    }
    try {
      for (let s = time - 1; s >= 0; s--) {
        const t = this.stepAt(s);
        passThrough?.fill(0);
        for (let b = 0; b < batch; b++) {
          const row = b * time + t;
          const z = row * width;
          const o = (b * (time + extra) + s) * units;
          if (this.keep && !this.keep[row]) {
            // dPre stays 0 for this row; dh and dc go to the previous step as they are.
            for (let j = 0; j < units; j++) passThrough![b * units + j] = dh[b * units + j]! + dOut[o + j]!;
            stepGrad.fill(0, b * width, (b + 1) * width);
            if (kind === 'GRU') dh.fill(0, b * units, (b + 1) * units);
            continue;
          }
          for (let j = 0; j < units; j++) {
            const k = b * units + j;
            const dhk = dh[k]! + dOut[o + j]!;
            if (kind === 'LSTM') {
              // The activations the forward pass kept (float32, as tfjs' kernels keep theirs).
              const zi = pre[z + j]!;
              const zf = pre[z + units + j]!;
              const zg = pre[z + 2 * units + j]!;
              const zo = pre[z + 3 * units + j]!;
              const i = gates[z + j]!;
              const f = gates[z + units + j]!;
              const g = gates[z + 2 * units + j]!;
              const og = gates[z + 3 * units + j]!;
              const cNext = this.nextC[row * units + j]!;
              const ac = this.cellOut[row * units + j]!;
              const dcTotal = dc[k]! + dhk * og * act.derivative(cNext, ac);
              dPre[z + j] = dcTotal * g * gate.derivative(zi, i);
              dPre[z + units + j] = dcTotal * this.previousC[row * units + j]! * gate.derivative(zf, f);
              dPre[z + 2 * units + j] = dcTotal * i * act.derivative(zg, g);
              dPre[z + 3 * units + j] = dhk * ac * gate.derivative(zo, og);
              dc[k] = dcTotal * f;
            } else if (kind === 'SimpleRNN') {
              const pre = this.preActivations[z + j]!;
              dPre[z + j] = dhk * act.derivative(pre, act.value(pre));
            } else {
              const zz = this.preActivations[z + j]!;
              const zh = this.preActivations[z + 2 * units + j]!;
              const update = gate.value(zz);
              const hh = act.value(zh);
              const hPrev = this.previousH[row * units + j]!;
              dPre[z + j] = dhk * (hPrev - hh) * gate.derivative(zz, update);
              dPre[z + 2 * units + j] = dhk * (1 - update) * act.derivative(zh, hh);
              // The part of dh_prev through the update gate's mix; the rest follows below.
              dh[k] = dhk * update;
            }
          }
          if (kind !== 'GRU') stepGrad.set(dPre.subarray(z, z + width), b * width);
        }
        if (kind === 'GRU') dh = this.gruBackStep(t, dh, dPre, gateKernelT!, candidateKernelT!);
        else {
          const g = matrix(stepGrad, batch, width);
          dh = product(g, recurrentT!);
          g.dispose();
        }
        if (passThrough) for (let k = 0; k < dh.length; k++) dh[k] = dh[k]! + passThrough[k]!;
      }
    } finally {
      tf.dispose([recurrentT, gateKernelT, candidateKernelT].filter((v): v is tf.Tensor => v !== null));
    }
    return tf.tidy(() => {
      const dPreT = matrix(dPre, rows, width);
      const x2d = tf.reshape(x, [rows, features]);
      const grads: tf.Tensor[] = [
        tf.reshape(tf.matMul(dPreT, kernel as tf.Tensor2D, false, true), x.shape),
        tf.matMul(x2d, dPreT, true, false),
      ];
      const hPrev = matrix(this.previousH, rows, units);
      if (kind === 'GRU') {
        const [dGates, dCandidate] = tf.split(dPreT, [2 * units, units], 1);
        grads.push(tf.concat([tf.matMul(hPrev, dGates!, true, false), tf.matMul(matrix(this.resetH, rows, units), dCandidate!, true, false)], 1));
      } else {
        grads.push(tf.matMul(hPrev, dPreT, true, false));
      }
      // Summed here: wasm's Sum over axis 0 transposes the whole [rows, width] matrix first.
      if (hasBias) grads.push(tf.tensor1d(columnSums(dPre, rows, width)));
      if (hasInitial) {
        grads.push(tf.tensor2d(dh, [batch, units]));
        if (kind === 'LSTM') grads.push(tf.tensor2d(dc, [batch, units]));
      }
      return grads;
    });
  }

  /** GRU step backwards: d(r·h) = dhh·Uhᵀ, then r's gradient, then dh_prev += [dz, dr]·U_zrᵀ. */
  private gruBackStep(t: number, dhDirect: Float32Array, dPre: Float32Array, gateKernelT: tf.Tensor, candidateKernelT: tf.Tensor): Float32Array {
    const { batch, time, units, width, gate } = this;
    const dCandidate = new Float32Array(batch * units);
    for (let b = 0; b < batch; b++) {
      const z = (b * time + t) * width;
      dCandidate.set(dPre.subarray(z + 2 * units, z + 3 * units), b * units);
    }
    const dCandidateTensor = matrix(dCandidate, batch, units);
    const dReset = product(dCandidateTensor, candidateKernelT);
    dCandidateTensor.dispose();
    const dGates = new Float32Array(batch * 2 * units);
    const dh = dhDirect;
    for (let b = 0; b < batch; b++) {
      const row = b * time + t;
      const z = row * width;
      for (let j = 0; j < units; j++) {
        const k = b * units + j;
        const zr = this.preActivations[z + units + j]!;
        const r = gate.value(zr);
        dPre[z + units + j] = dReset[k]! * this.previousH[row * units + j]! * gate.derivative(zr, r);
        dh[k] = dh[k]! + dReset[k]! * r;
      }
      dGates.set(dPre.subarray(z, z + 2 * units), b * 2 * units);
    }
    const dGatesTensor = matrix(dGates, batch, 2 * units);
    const viaGates = product(dGatesTensor, gateKernelT);
    dGatesTensor.dispose();
    for (let k = 0; k < dh.length; k++) dh[k] = dh[k]! + viaGates[k]!;
    return dh;
  }
}
