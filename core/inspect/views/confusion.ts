/** A softmax classifier's confusion matrix over the first samples of the inspection split. */
import * as tf from '@tensorflow/tfjs-core';
import { classificationHead, classNamesOf } from '../roles';
import { rowsOf } from '../session';
import { heatmap } from '../picture';
import { defineView } from '../view';

/** Samples per forward pass. */
const CHUNK = 256;

export const confusionView = defineView({
  kind: 'confusion',
  title: 'Confusion',
  available: (s) => classificationHead(s.compiled) !== null,
  request: () => ({ kind: 'confusion', samples: 1000 }),
  compute(s, { samples }) {
    const head = classificationHead(s.compiled);
    if (!head) throw new Error('the confusion matrix needs a softmax classifier (SparseCategoricalCrossentropy)');
    const split = s.inspectionSplit();
    const total = Math.min(samples, split.size);
    const counts = new Int32Array(head.classes * head.classes);
    const labelName = s.featureNames[head.labelFeed] as string;
    for (let start = 0; start < total; start += CHUNK) {
      const input = s.feedsFor(split, rowsOf(split, start, Math.min(CHUNK, total - start)));
      try {
        const predicted = tf.tidy(() => {
          const inputs = s.compiled.modelInputs.map((i) => input.feeds[i] as tf.Tensor);
          const outputs = s.compiled.model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false });
          const logits = Array.isArray(outputs) ? (outputs[head.output] as tf.Tensor) : (outputs as tf.Tensor);
          return tf.argMax(logits, -1);
        });
        const p = predicted.dataSync();
        predicted.dispose();
        const truth = input.batch.features[labelName]?.data;
        for (let i = 0; i < p.length; i++) {
          const t = truth?.[i] ?? -1;
          if (t >= 0 && t < head.classes) counts[t * head.classes + (p[i] as number)]! += 1;
        }
      } finally {
        input.dispose();
      }
    }
    const names = classNamesOf(s.dataset) ?? [];
    return { kind: 'confusion', classes: Array.from({ length: head.classes }, (_, i) => names[i] ?? String(i)), counts, samples: total };
  },
  transfers: (result) => [result.counts.buffer],
  picture: (result) => [[heatmap(result.counts, result.classes.length, result.classes.length, true)]],
});
