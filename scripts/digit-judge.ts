/**
 * A judge of generated 28x28 images: the LeNet template (examples/lenet-*.json) trained here
 * through the engine on real images, then used to read generated ones. It gives what the GAN
 * measurements report: the fraction of samples classified as the class they were conditioned on,
 * the classifier's mean confidence on the samples, and a KID-style distance (unbiased MMD² with a
 * Gaussian kernel at the median-distance bandwidth) between generated and real test images in the
 * classifier's 84-wide fc2 features. Used by scripts/gan-samples.ts and the GAN image tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../core/data';
import { inspectionModel } from '../core/engine/compile';
import { mmd2 } from '../core/engine/gan';
import { compileSeeded, runTraining } from '../core/engine/run';
import type { GraphDocument } from '../core/graph';
import { getTemplate } from '../core/templates';

export interface Judged {
  /** Fraction of samples whose predicted class is the class asked for (null: no labels given). */
  conditioned: number | null;
  /** Mean of the classifier's top softmax probability over the samples. */
  confidence: number;
  /** KID-style MMD² between the samples' and real test images' fc2 features. */
  kid: number;
  /** How many samples fell in each predicted class (0..9). */
  histogram: number[];
}

export interface DigitJudge {
  /** Accuracy on the first `testCount` test images. */
  testAccuracy: number;
  judge(images: Float32Array, count: number, labels?: readonly number[]): Judged;
  dispose(): void;
}

export interface JudgeOptions {
  /** Training images for the classifier: the first this many, `epochs` times. */
  trainCount: number;
  epochs: number;
  /** Test images for the accuracy and the real side of the KID. */
  testCount: number;
}

function rows(t: tf.Tensor): number[][] {
  return (t as tf.Tensor2D).arraySync();
}

function medianDistance(points: readonly number[][]): number {
  const d: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i] as number[];
      const b = points[j] as number[];
      let s = 0;
      for (let k = 0; k < a.length; k++) s += ((a[k] as number) - (b[k] as number)) ** 2;
      d.push(Math.sqrt(s));
    }
  }
  d.sort((x, y) => x - y);
  return d[Math.floor(d.length / 2)] as number;
}

/** Trains the LeNet template for `dataset` (mnist or fashion-mnist) and returns the judge. */
export async function trainDigitJudge(dataset: Dataset, options: JudgeOptions): Promise<DigitJudge> {
  const id = dataset.spec.id === 'fashion-mnist' ? 'lenet-fashion-mnist' : 'lenet-mnist';
  const graph = getTemplate(id)?.build() as GraphDocument;
  graph.training.epochs = options.epochs;
  graph.training.validationSplit = 0;
  const compiled = compileSeeded(graph);
  const result = await runTraining(graph, compiled, dataset, { backend: tf.getBackend(), limit: options.trainCount, trackStats: false });
  result.trainer.dispose();
  if (result.status !== 'completed') throw new Error(`judge ${id}: training ended ${result.status}`);
  const { model } = inspectionModel(compiled, graph, [
    { nodeId: 'logits', port: 'out' },
    { nodeId: 'fc2', port: 'out' },
  ]);
  const apply = (x: tf.Tensor4D) => model.apply(x, { training: false }) as tf.Tensor[];

  const test = dataset.test.gather(Uint32Array.from({ length: options.testCount }, (_, i) => i));
  const testImages = (test.features.image as { data: Float32Array }).data;
  const testLabels = (test.features.label as { data: Int32Array }).data;
  const { accuracy, realFeatures } = tf.tidy(() => {
    const [logits, fc2] = apply(tf.tensor4d(testImages, [options.testCount, 28, 28, 1])) as [tf.Tensor, tf.Tensor];
    const predicted = tf.argMax(logits, -1).dataSync();
    let right = 0;
    predicted.forEach((p, i) => (right += p === testLabels[i] ? 1 : 0));
    // At most 500 real feature rows: the MMD is quadratic in them.
    return { accuracy: right / options.testCount, realFeatures: rows(tf.slice(fc2, 0, Math.min(500, options.testCount))) };
  });
  const bandwidth = medianDistance(realFeatures);

  return {
    testAccuracy: accuracy,
    judge(images, count, labels) {
      if (labels && labels.length !== count) throw new Error(`judge: ${count} images but ${labels.length} labels`);
      const { predicted, confidence, features } = tf.tidy(() => {
        const [logits, fc2] = apply(tf.tensor4d(images, [count, 28, 28, 1])) as [tf.Tensor, tf.Tensor];
        const probabilities = tf.softmax(logits);
        return {
          predicted: tf.argMax(probabilities, -1).dataSync() as Int32Array,
          confidence: tf.mean(tf.max(probabilities, -1)).dataSync()[0] as number,
          features: rows(fc2),
        };
      });
      const histogram = Array.from({ length: 10 }, () => 0);
      let right = 0;
      predicted.forEach((p, i) => {
        histogram[p] = (histogram[p] ?? 0) + 1;
        if (labels && p === labels[i]) right++;
      });
      return { conditioned: labels ? right / count : null, confidence, kid: mmd2(features, realFeatures, bandwidth), histogram };
    },
    dispose() {
      compiled.model.dispose();
    },
  };
}
