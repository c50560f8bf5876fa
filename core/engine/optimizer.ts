/** Optimizers and learning-rate schedules from the training setup. */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSetup } from '../graph/document';
import { adamUpdateOp, hasAdamUpdateKernel } from './kernels/adam';

/** `adamBeta1`: a training phase's own (DCGAN's 0.5); Keras' 0.9 otherwise. */
export function createOptimizer(setup: TrainingSetup, adamBeta1 = 0.9): tf.Optimizer {
  const lr = setup.learningRate;
  switch (setup.optimizer) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, setup.momentum);
    case 'adam':
      // Keras' defaults (beta1 0.9, beta2 0.999, epsilon 1e-7).
      return new FusedAdamOptimizer(lr, adamBeta1, 0.999, 1e-7);
    case 'rmsprop':
      // Keras' defaults: rho 0.9, no momentum.
      return tf.train.rmsprop(lr, 0.9, 0, 1e-7);
    case 'adagrad':
      return tf.train.adagrad(lr, 0.1);
  }
}

/** The learning rate for an epoch (0-based) under the setup's schedule. */
export function learningRateAt(setup: TrainingSetup, epoch: number): number {
  const base = setup.learningRate;
  const s = setup.schedule;
  switch (s.type) {
    case 'constant':
      return base;
    case 'step':
      return base * s.factor ** Math.floor(epoch / s.everyEpochs);
    case 'cosine': {
      const progress = Math.min(1, epoch / Math.max(1, setup.epochs - 1));
      return s.minLearningRate + 0.5 * (base - s.minLearningRate) * (1 + Math.cos(Math.PI * progress));
    }
  }
}

/**
 * Adam, RMSprop and Adagrad read their `learningRate` field on every update; SGD and momentum
 * keep a cached scalar that only `setLearningRate` refreshes.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  // Not `instanceof`: tfjs optimizers answer it by duck typing, so Adam "is" an SGDOptimizer.
  const sgd = optimizer as Partial<Pick<tf.SGDOptimizer, 'setLearningRate'>>;
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr);
  else (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

interface OptimizerVariable {
  originalName: string;
  variable: tf.Variable;
}

/** The state tfjs' AdamOptimizer keeps (private in its typings, the same fields at run time). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: (OptimizerVariable | undefined)[];
  accumulatedSecondMoment: (OptimizerVariable | undefined)[];
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * tfjs' AdamOptimizer whose per-variable update is one kernel on wasm and cpu (kernels/adam.ts)
 * instead of 14 elementwise ones; the same state (moments, beta powers, iterations: getWeights,
 * setWeights and dispose are tfjs'), the same float32 arithmetic in the same order. On other
 * backends (webgl, webgpu) it is tfjs' Adam unchanged.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!hasAdamUpdateKernel()) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    const list = Array.isArray(variableGradients) ? variableGradients : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const attrs = { beta1: state.beta1, beta2: state.beta2, epsilon: state.epsilon, learningRate: state.learningRate };
    tf.tidy(() => {
      list.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`Adam: no variable named ${name} to update`);
        // As tfjs: moments are created (zeros) at the first update, indexed by position.
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient == null) return;
        const m = (state.accumulatedFirstMoment[i] as OptimizerVariable).variable;
        const v = (state.accumulatedSecondMoment[i] as OptimizerVariable).variable;
        const [newValue, newM, newV] = adamUpdateOp(value, m, v, gradient, state.accBeta1, state.accBeta2, attrs);
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    this.incrementIterations();
  }
}
