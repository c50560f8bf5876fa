/**
 * `npx tsx scripts/time-to-attention.ts [seconds] [every] [learningRate]`: trains the seq2seq-dates template as
 * the app does (wasm, its training setup, no statistics) and, every `every` steps (default 50),
 * prints the wall and CPU time since the start, the load average, the batch loss and how much of
 * the attention falls where it should on two fixed dates:
 *  - "2026-11-21" (already ISO): output character t comes from source character t, so the mass
 *    is the mean of the diagonal w[t][t] over the 10 output characters;
 *  - "21.11.2026": the year, month and day digits come from positions 6-9, 3-4 and 0-1, so the
 *    mass is the mean weight on each output digit's source digit.
 * Chance level is 1 / 10 (the source length). "Readable": both masses >= 0.5 (half of every output
 * character's attention on its source character: a clear diagonal in the heat map). Stops after
 * `seconds` of wall time (default 600). `learningRate` overrides the template's (for comparisons).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { batchToTensors } from '../core/data/tensors';
import { encodeText } from '../core/data/vocab';
import { START_ID } from '../core/data/types';
import { bindFeeds, compileSeeded } from '../core/engine/run';
import { Trainer } from '../core/engine/trainer';
import { attentionWeights } from '../core/engine/inspect';
import { getTemplate } from '../core/templates';
import { selectNodeBackend } from '../cli/node-backend';

interface Probe {
  source: string;
  target: string;
  /** Source position each output position should attend to (null: no single source character). */
  aligned: (number | null)[];
}

const PROBES: Probe[] = [
  { source: '2026-11-21', target: '2026-11-21', aligned: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
  { source: '21.11.2026', target: '2026-11-21', aligned: [6, 7, 8, 9, null, 3, 4, null, 0, 1] },
];

async function main(): Promise<void> {
  const limitSeconds = Number(process.argv[2] ?? 600);
  const every = Number(process.argv[3] ?? 50);
  await selectNodeBackend();
  await tf.setBackend('wasm');
  const graph = getTemplate('seq2seq-dates')!.build();
  if (process.argv[4] !== undefined) graph.training = { ...graph.training, learningRate: Number(process.argv[4]) };
  const dataset = await loadDataset(graph.training.dataset?.id as string, nodeFileSource());
  const compiled = compileSeeded(graph);
  const featureNames = bindFeeds(compiled, graph, dataset);
  const trainer = new Trainer(compiled, graph.training, { trackStats: false });
  const sourceVocabulary = dataset.spec.vocabularies['source']!;
  const targetVocabulary = dataset.spec.vocabularies['target']!;
  const [sourceLength, targetLength] = [dataset.spec.features[0]!.shape[0]!, dataset.spec.features[2]!.shape[0]!];
  const probeFeeds = () => {
    const byFeature: Record<string, tf.Tensor> = {};
    const encoder = new Int32Array(PROBES.length * sourceLength);
    const mask = new Float32Array(PROBES.length * sourceLength);
    const decoder = new Int32Array(PROBES.length * targetLength);
    PROBES.forEach((p, i) => {
      const src = encodeText(sourceVocabulary, p.source);
      src.forEach((id, j) => ((encoder[i * sourceLength + j] = id), (mask[i * sourceLength + j] = 1)));
      [START_ID, ...encodeText(targetVocabulary, p.target)].slice(0, targetLength).forEach((id, j) => (decoder[i * targetLength + j] = id));
    });
    byFeature['encoderInput'] = tf.tensor2d(encoder, [PROBES.length, sourceLength], 'int32');
    byFeature['sourceMask'] = tf.tensor2d(mask, [PROBES.length, sourceLength]);
    byFeature['decoderInput'] = tf.tensor2d(decoder, [PROBES.length, targetLength], 'int32');
    return byFeature;
  };
  const probe = probeFeeds();
  const feedsOfProbe = compiled.feeds.map((f) => probe[f.feature] ?? tf.zeros([PROBES.length, ...(f.shape.slice(1) as number[])], f.dtype));
  const masses = () =>
    PROBES.map((p, i) => {
      const w = attentionWeights(compiled, graph, feedsOfProbe, i)[0]!.weights[0]!;
      const pairs = p.aligned.flatMap((s, t) => (s === null ? [] : [(w[t] as number[])[s] as number]));
      return pairs.reduce((a, b) => a + b, 0) / pairs.length;
    });
  console.log(`seq2seq-dates time to attention; wasm; learning rate ${graph.training.learningRate}; load at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('step  epoch  wall_s  cpu_s  loss    diag(ISO)  aligned(DD.MM.YYYY)  load1');
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  let step = 0;
  const report = (loss: number) => {
    const cpu = process.cpuUsage(cpu0);
    const [iso, dotted] = masses();
    console.log(
      `${String(step).padStart(5)}  ${(step / Math.ceil(dataset.train.size / graph.training.batchSize)).toFixed(2)}  ${((performance.now() - wall0) / 1000).toFixed(0).padStart(6)}  ${((cpu.user + cpu.system) / 1e6).toFixed(0).padStart(5)}  ${loss.toFixed(3)}  ${iso!.toFixed(3).padStart(9)}  ${dotted!.toFixed(3).padStart(19)}  ${os.loadavg()[0]!.toFixed(1)}`,
    );
  };
  report(NaN);
  for (let epoch = 0; (performance.now() - wall0) / 1000 < limitSeconds; epoch++) {
    for (const batch of dataset.train.batches({ batchSize: graph.training.batchSize, shuffle: true, seed: graph.training.seed + epoch })) {
      const byFeature = batchToTensors(tf, batch);
      const result = trainer.trainStep(featureNames.map((n) => byFeature[n] as tf.Tensor));
      tf.dispose(Object.values(byFeature));
      step++;
      if (step % every === 0) report(result.loss);
      if ((performance.now() - wall0) / 1000 >= limitSeconds) break;
    }
  }
  trainer.dispose();
}

await main();
