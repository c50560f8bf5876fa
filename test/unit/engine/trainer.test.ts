import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, type GraphDocument, type TrainingSetup } from '../../../core/graph';
import { compileGraph } from '../../../core/engine/compile';
import { Trainer } from '../../../core/engine/trainer';
import { learningRateAt } from '../../../core/engine/optimizer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function linearRegression(setup: Partial<TrainingSetup> = {}): GraphDocument {
  const g = new GraphBuilder('linreg');
  const x = g.add('Input', { shape: [3], feature: 'x' });
  const y = g.add('Input', { shape: [1], feature: 'y' });
  const d = g.add('Dense', { units: 1 }, x, 'linear');
  g.add('MeanSquaredError', {}, { prediction: d, target: y });
  g.training({ optimizer: 'sgd', learningRate: 0.1, ...setup });
  return g.build();
}

const X = [
  [1, 2, 3],
  [0, -1, 2],
  [4, 0.5, -2],
  [1, 1, 1],
];
const Y = [[1], [0], [2], [-1]];
const W = [0.5, -0.25, 0.1];
const B = 0.2;

/** Closed form: loss = mean (xW + b - y)^2, dW = 2/N X^T r, db = 2/N sum r. */
function closedForm(w: number[], b: number) {
  const r = X.map((row, i) => row.reduce((a, v, j) => a + v * (w[j] as number), b) - (Y[i]?.[0] as number));
  const n = X.length;
  const loss = r.reduce((a, v) => a + v * v, 0) / n;
  const dW = w.map((_, j) => (2 / n) * X.reduce((a, row, i) => a + (row[j] as number) * (r[i] as number), 0));
  const db = (2 / n) * r.reduce((a, v) => a + v, 0);
  return { loss, dW, db };
}

function setup(graph: GraphDocument, options = {}) {
  const compiled = compileGraph(graph);
  compiled.model.setWeights([tf.tensor2d(W, [3, 1]), tf.tensor1d([B])]);
  const trainer = new Trainer(compiled, graph.training, options);
  const feeds = compiled.feeds.map((f) => (f.feature === 'x' ? tf.tensor2d(X) : tf.tensor2d(Y)));
  return { compiled, trainer, feeds };
}

describe('the training step', () => {
  it('computes the loss and the SGD update of the closed form', () => {
    const { compiled, trainer, feeds } = setup(linearRegression());
    const expected = closedForm(W, B);
    const step = trainer.trainStep(feeds);
    expect(step.loss).toBeCloseTo(expected.loss, 5);
    const [kernel, bias] = compiled.model.getWeights();
    const k = Array.from((kernel as tf.Tensor).dataSync());
    k.forEach((v, j) => expect(v).toBeCloseTo((W[j] as number) - 0.1 * (expected.dW[j] as number), 5));
    expect((bias as tf.Tensor).dataSync()[0]).toBeCloseTo(B - 0.1 * expected.db, 5);
    const gradNorm = Math.sqrt(expected.dW.reduce((a, g) => a + g * g, expected.db * expected.db));
    expect(step.gradNorm).toBeCloseTo(gradNorm, 4);
    expect(step.metrics.meanSquaredError).toBeCloseTo(expected.loss, 5);
    const kernelStats = step.stats?.find((s) => s.name.endsWith('kernel'));
    expect(kernelStats?.nodeId).toBe('linear');
    const wNorm = Math.hypot(...W);
    expect(kernelStats?.weightNorm).toBeCloseTo(wNorm, 5);
    expect(kernelStats?.updateRatio).toBeCloseTo((0.1 * Math.hypot(...expected.dW)) / wNorm, 4);
    tf.dispose(feeds);
    trainer.dispose();
    compiled.model.dispose();
  });

  it('clips the gradient to the global norm', () => {
    const { compiled, trainer, feeds } = setup(linearRegression({ gradientClipNorm: 0.5 }));
    const expected = closedForm(W, B);
    const norm = Math.sqrt(expected.dW.reduce((a, g) => a + g * g, expected.db * expected.db));
    trainer.trainStep(feeds);
    const k = Array.from((compiled.model.getWeights()[0] as tf.Tensor).dataSync());
    k.forEach((v, j) => expect(v).toBeCloseTo((W[j] as number) - 0.1 * (expected.dW[j] as number) * (0.5 / norm), 5));
    tf.dispose(feeds);
    trainer.dispose();
  });

  it('refuses a non-finite step and keeps the last finite weights', () => {
    const { compiled, trainer, feeds } = setup(linearRegression());
    const bad = [tf.tensor2d([[Number.NaN, 0, 0], ...X.slice(1)]), feeds[1] as tf.Tensor];
    const x = compiled.feeds.findIndex((f) => f.feature === 'x');
    const batch = x === 0 ? bad : [bad[1] as tf.Tensor, bad[0] as tf.Tensor];
    const step = trainer.trainStep(batch);
    expect(step.nonFinite?.what).toBe('loss');
    expect(step.nonFinite?.lossNodeId).toBe('meansquarederror');
    expect(Array.from((compiled.model.getWeights()[0] as tf.Tensor).dataSync())).toEqual(Array.from(new Float32Array(W)));
    // A learning rate so large that the update overflows: the weights are restored.
    const huge = setup(linearRegression({ learningRate: 3e38 }));
    const step2 = huge.trainer.trainStep(huge.feeds);
    expect(step2.nonFinite?.what).toBe('weights');
    expect(Array.from((huge.compiled.model.getWeights()[0] as tf.Tensor).dataSync())).toEqual(Array.from(new Float32Array(W)));
    tf.dispose([...feeds, bad[0] as tf.Tensor, ...huge.feeds]);
  });

  it('leaks no tensors across many steps and evaluations', () => {
    const { trainer, feeds } = setup(linearRegression({ optimizer: 'adam', learningRate: 0.01 }));
    trainer.trainStep(feeds);
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) trainer.trainStep(feeds);
    trainer.evaluate([feeds, feeds]);
    expect(tf.memory().numTensors).toBe(after1);
    tf.dispose(feeds);
  });

  it('learns: the loss falls with each optimizer', () => {
    for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'] as const) {
      const { trainer, feeds } = setup(linearRegression({ optimizer, learningRate: { sgd: 0.05, momentum: 0.02, adam: 0.05, rmsprop: 0.05, adagrad: 0.3 }[optimizer] }));
      const first = trainer.trainStep(feeds).loss;
      let last = first;
      for (let i = 0; i < 100; i++) last = trainer.trainStep(feeds).loss;
      expect(last, optimizer).toBeLessThan(first * 0.5);
      tf.dispose(feeds);
    }
  });
});

describe('learning-rate schedules', () => {
  const base = linearRegression().training;
  it('step and cosine follow their formulas', () => {
    const step = { ...base, learningRate: 1, schedule: { type: 'step', everyEpochs: 2, factor: 0.5 } } as TrainingSetup;
    expect([0, 1, 2, 3, 4].map((e) => learningRateAt(step, e))).toEqual([1, 1, 0.5, 0.5, 0.25]);
    const cosine = { ...base, learningRate: 1, epochs: 3, schedule: { type: 'cosine', minLearningRate: 0 } } as TrainingSetup;
    expect(learningRateAt(cosine, 0)).toBeCloseTo(1);
    expect(learningRateAt(cosine, 1)).toBeCloseTo(0.5);
    expect(learningRateAt(cosine, 2)).toBeCloseTo(0);
  });
  it('the optimizer uses the scheduled rate', () => {
    const graph = linearRegression({ schedule: { type: 'step', everyEpochs: 1, factor: 0.1 } });
    const { compiled, trainer, feeds } = setup(graph);
    trainer.beginEpoch(1);
    const expected = closedForm(W, B);
    trainer.trainStep(feeds);
    const k = Array.from((compiled.model.getWeights()[0] as tf.Tensor).dataSync());
    k.forEach((v, j) => expect(v).toBeCloseTo((W[j] as number) - 0.01 * (expected.dW[j] as number), 5));
    tf.dispose(feeds);
  });
});

describe('the non-finite guard between statistics steps', () => {
  it('finds an overflowing update at the next step and can put back the weights of the last finite loss', () => {
    const graph = linearRegression({ learningRate: 3e38 });
    const compiled = compileGraph(graph);
    compiled.model.setWeights([tf.tensor2d(W, [3, 1]), tf.tensor1d([B])]);
    const trainer = new Trainer(compiled, graph.training, { statsEvery: 1000 });
    const feeds = compiled.feeds.map((f) => (f.feature === 'x' ? tf.tensor2d(X) : tf.tensor2d(Y)));
    // Step 0 is a statistics step (caught at once); step 1 is not, so its overflow is found later.
    const first = trainer.trainStep(feeds);
    expect(first.nonFinite?.what).toBe('weights');
    const unchecked = trainer.trainStep(feeds);
    expect(unchecked.nonFinite).toBeNull();
    const next = trainer.trainStep(feeds);
    expect(next.nonFinite?.what).toBe('loss');
    expect(trainer.undoLastUpdate()).toBe(true);
    expect(trainer.undoLastUpdate()).toBe(false);
    expect(Array.from((compiled.model.getWeights()[0] as tf.Tensor).dataSync())).toEqual(Array.from(new Float32Array(W)));
    tf.dispose(feeds);
    trainer.dispose();
  });
});
