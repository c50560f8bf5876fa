/**
 * The seq2seq metrics of SequenceCrossentropy: token accuracy over the unmasked positions, and
 * exact match, the share of sequences whose every unmasked token is right. Under teacher forcing
 * a sequence is an exact match exactly when greedy decoding reproduces it (END included): step t
 * of greedy decoding sees the true prefix as long as every earlier step was right (decode.test.ts
 * checks this on a trained model).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../../core/engine/metrics';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Logits [1 sequence per row, T, vocab 4] whose argmax is the given id at each position. */
function logitsFor(ids: number[][]): tf.Tensor3D {
  return tf.tensor3d(ids.map((row) => row.map((id) => [0, 1, 2, 3].map((v) => (v === id ? 2 : -1)))));
}

describe('SequenceCrossentropy metrics', () => {
  it('token accuracy and exact match of a hand-computed batch', () => {
    // Targets (0 = PAD, masked out), and predictions with the mistakes marked:
    //   row 0: 3 1 2 0  predicted 3 1 2 1 -> the wrong id sits on padding: 3/3 right, exact
    //   row 1: 2 2 1 3  predicted 2 2 1 1 -> last token wrong:             3/4 right, not exact
    //   row 2: 1 3 0 0  predicted 1 3 0 0 ->                               2/2 right, exact
    //   row 3: 3 3 3 0  predicted 1 3 2 0 -> two wrong:                    1/3 right, not exact
    const target = tf.tensor2d([[3, 1, 2, 0], [2, 2, 1, 3], [1, 3, 0, 0], [3, 3, 3, 0]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0]]);
    const prediction = logitsFor([[3, 1, 2, 1], [2, 2, 1, 1], [1, 3, 0, 0], [1, 3, 2, 0]]);
    const before = tf.memory().numTensors;
    const metrics = tf.tidy(() => METRICS.SequenceCrossentropy!({ prediction, target, mask }, {}));
    expect(tf.memory().numTensors).toBe(before + 2);
    // Tokens: (3 + 3 + 2 + 1) right of (3 + 4 + 2 + 3) = 9 / 12; sequences: 2 of 4.
    expect(metrics['tokenAccuracy']?.dataSync()[0]).toBeCloseTo(9 / 12, 6);
    expect(metrics['exactMatch']?.dataSync()[0]).toBeCloseTo(2 / 4, 6);
    // Without a mask, PAD (id 0) targets are left out: the same result.
    const unmasked = tf.tidy(() => METRICS.SequenceCrossentropy!({ prediction, target }, { padId: 0 }));
    expect(unmasked['exactMatch']?.dataSync()[0]).toBeCloseTo(2 / 4, 6);
    tf.dispose([target, mask, prediction, ...Object.values(metrics), ...Object.values(unmasked)]);
  });
});
