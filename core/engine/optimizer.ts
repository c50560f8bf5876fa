/** Optimizers and learning-rate schedules from the training setup. */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSetup } from '../graph/document';

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
      return tf.train.adam(lr, adamBeta1, 0.999, 1e-7);
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
