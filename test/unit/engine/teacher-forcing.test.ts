import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, NO_FILES, START_ID } from '../../../core/data';
import { compileSeeded, teacherForcingFor } from '../../../core/engine/run';
import { Trainer } from '../../../core/engine/trainer';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function reverseModel(ratio: number): GraphDocument {
  const g = new GraphBuilder('reverse');
  const src = g.add('Input', { shape: [12], dtype: 'int32', feature: 'encoderInput' });
  const dec = g.add('Input', { shape: [13], dtype: 'int32', feature: 'decoderInput' });
  const enc = g.add('LSTM', { units: 8, returnState: true }, g.add('Embedding', { inputDim: 40, outputDim: 4 }, src));
  const d = g.add('LSTM', { units: 8, returnSequences: true }, { in: g.add('Embedding', { inputDim: 40, outputDim: 4 }, dec), initialH: enc.out('h'), initialC: enc.out('c') });
  const logits = g.add('Dense', { units: 40 }, d);
  g.add('SequenceCrossentropy', {}, { prediction: logits, target: g.add('Input', { shape: [13], dtype: 'int32', feature: 'decoderTarget' }) });
  g.training({ dataset: { id: 'reverse', options: {} }, teacherForcingRatio: ratio, batchSize: 4 });
  return g.build();
}

describe('teacher forcing with a ratio', () => {
  it('at ratio 0 feeds START then the model\'s own previous predictions, keeping padding', async () => {
    const graph = reverseModel(0);
    const dataset = await loadDataset('reverse', NO_FILES);
    const compiled = compileSeeded(graph);
    const binding = teacherForcingFor(compiled, dataset);
    expect(binding).not.toBeNull();
    const trainer = new Trainer(compiled, graph.training, binding ? { teacherForcing: binding } : {});
    const batch = dataset.train.gather([0, 1, 2, 3]);
    const feeds = compiled.feeds.map((f) => {
      const feature = batch.features[f.feature];
      if (!feature) throw new Error(f.feature);
      return tf.tensor(feature.data.slice(), [batch.size, ...feature.shape], feature.dtype);
    });
    const { feeds: mixed, created } = trainer.mixDecoderInputs(feeds);
    const truth = (feeds[binding?.decoderInputFeed ?? 0] as tf.Tensor).arraySync() as number[][];
    const logits = trainer.forward(feeds, false)[binding?.logitsOutput ?? 0] as tf.Tensor;
    const predicted = tf.argMax(logits, -1).arraySync() as number[][];
    const got = (mixed[binding?.decoderInputFeed ?? 0] as tf.Tensor).arraySync() as number[][];
    got.forEach((row, b) =>
      row.forEach((id, t) => {
        const expected = truth[b]?.[t] === 0 ? 0 : t === 0 ? START_ID : predicted[b]?.[t - 1];
        expect(id).toBe(expected);
      }),
    );
    created?.dispose();
    tf.dispose([...feeds, logits]);
  });

  it('at ratio 1 leaves the batch as it is', async () => {
    const graph = reverseModel(1);
    const dataset = await loadDataset('reverse', NO_FILES);
    const compiled = compileSeeded(graph);
    const trainer = new Trainer(compiled, graph.training, { teacherForcing: teacherForcingFor(compiled, dataset) ?? undefined });
    const feeds = [tf.zeros([1, 12], 'int32')];
    expect(trainer.mixDecoderInputs(feeds)).toEqual({ feeds, created: null });
    tf.dispose(feeds);
  });
});
