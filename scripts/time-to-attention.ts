/**
 * `npx tsx scripts/time-to-attention.ts [seconds] [every] [learningRate] [options]`: trains the
 * seq2seq-dates template as the app does (wasm, its training setup, no statistics) and, every
 * `every` steps (default 50), prints the wall and CPU time of training since the start (evaluation
 * left out), the load average, the batch loss, the exact match on test samples and how much of
 * the attention falls where it should on two fixed dates (core/engine/attention-probe.ts; chance
 * 0.1, "readable": both >= 0.5). Stops after
 * `seconds` of wall time (default 600). `learningRate` overrides the template's (for comparisons).
 *
 * Options (to compare designs): --design dates|bridged picks the base (default: the template's,
 * 'dates'; 'bridged' is its design before session 8, still seq2seq-g2p's), the others override it:
 *   --encoder lstm|bidirectional  --bridge true|false  --score additive|general|dot|scaledDot
 *   --encoder-units N (per direction)  --units N (decoder)  --embedding N  --batch N  --clip X (0: none)
 *   --cosine-epochs E (cosine schedule over E epochs)
 *   --seed N  --exact N  (also report the exact match on the first N test samples, 0: off; default 500)
 *   --cpu S  (stop after S CPU seconds instead)  --stop readable|exact95  (stop at the first readable
 *   diagonal, or at exact match >= 0.95)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { batchToTensors } from '../core/data/tensors';
import { bindFeeds, compileSeeded, evaluateSplit } from '../core/engine/run';
import { Trainer } from '../core/engine/trainer';
import { dateAttentionProbe, READABLE_MASS } from '../core/engine/attention-probe';
import { SEQ2SEQ_BRIDGED_DESIGN, SEQ2SEQ_DATES_DESIGN, seq2seqAttentionGraph, type Seq2SeqDesign } from '../core/templates';
import { selectNodeBackend } from '../cli/node-backend';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      design: { type: 'string' },
      encoder: { type: 'string' },
      bridge: { type: 'string' },
      score: { type: 'string' },
      units: { type: 'string' },
      'encoder-units': { type: 'string' },
      embedding: { type: 'string' },
      batch: { type: 'string' },
      clip: { type: 'string' },
      'cosine-epochs': { type: 'string' },
      seed: { type: 'string' },
      exact: { type: 'string' },
      cpu: { type: 'string' },
      stop: { type: 'string' },
    },
  });
  const limitSeconds = Number(positionals[0] ?? 600);
  const every = Number(positionals[1] ?? 50);
  const cpuLimit = values.cpu === undefined ? Infinity : Number(values.cpu);
  const exactSamples = Number(values.exact ?? 500);
  const base = values.design === 'bridged' ? SEQ2SEQ_BRIDGED_DESIGN : SEQ2SEQ_DATES_DESIGN;
  const design: Seq2SeqDesign = {
    encoder: (values.encoder as Seq2SeqDesign['encoder'] | undefined) ?? base.encoder,
    bridge: values.bridge === undefined ? base.bridge : values.bridge === 'true',
    score: (values.score as Seq2SeqDesign['score'] | undefined) ?? base.score,
    encoderUnits: Number(values['encoder-units'] ?? base.encoderUnits),
    units: Number(values.units ?? base.units),
    embedding: Number(values.embedding ?? base.embedding),
    learningRate: Number(positionals[2] ?? base.learningRate),
    epochs: base.epochs,
  };
  await selectNodeBackend();
  await tf.setBackend('wasm');
  const graph = seq2seqAttentionGraph('dates', 'dates', 32, 11, design);
  if (values.batch !== undefined) graph.training.batchSize = Number(values.batch);
  if (values.clip !== undefined) graph.training.gradientClipNorm = Number(values.clip) > 0 ? Number(values.clip) : null;
  if (values.seed !== undefined) graph.training.seed = Number(values.seed);
  if (values['cosine-epochs'] !== undefined) {
    graph.training.schedule = { type: 'cosine', minLearningRate: 0 };
    graph.training.epochs = Number(values['cosine-epochs']);
  }
  const dataset = await loadDataset(graph.training.dataset?.id as string, nodeFileSource());
  const compiled = compileSeeded(graph);
  const featureNames = bindFeeds(compiled, graph, dataset);
  const trainer = new Trainer(compiled, graph.training, { trackStats: false });
  const probe = dateAttentionProbe(compiled, graph, dataset);
  const masses = () => probe.masses();
  const t = graph.training;
  console.log(`seq2seq-dates time to attention; wasm; design ${JSON.stringify(design)}; learning rate ${t.learningRate}, batch ${t.batchSize}, clip ${t.gradientClipNorm}, schedule ${JSON.stringify(t.schedule)} over ${t.epochs} epochs, seed ${t.seed}; load at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`step  epoch  wall_s  cpu_s  loss    diag(ISO)  aligned(DD.MM.YYYY)  exact(test ${exactSamples})  load1`);
  let wall0 = performance.now();
  let cpu0 = process.cpuUsage();
  let step = 0;
  const stepsPerEpoch = Math.ceil(dataset.train.size / t.batchSize);
  let stop = false;
  let readableAt: number | null = null;
  let exactAt: number | null = null;
  const report = async (loss: number) => {
    const cpu = process.cpuUsage(cpu0);
    const [iso, dotted] = masses();
    const exact = exactSamples > 0 ? (await evaluateSplit(trainer, dataset.test, featureNames, 250, exactSamples)).metrics['exactMatch'] ?? NaN : NaN;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const wallSeconds = (performance.now() - wall0) / 1000;
    console.log(
      `${String(step).padStart(5)}  ${(step / stepsPerEpoch).toFixed(2)}  ${wallSeconds.toFixed(0).padStart(6)}  ${cpuSeconds.toFixed(0).padStart(5)}  ${loss.toFixed(3)}  ${iso!.toFixed(3).padStart(9)}  ${dotted!.toFixed(3).padStart(19)}  ${exact.toFixed(3).padStart(16)}  ${os.loadavg()[0]!.toFixed(1)}`,
    );
    if (readableAt === null && iso! >= READABLE_MASS && dotted! >= READABLE_MASS) readableAt = step;
    if (exactAt === null && exact >= 0.95) exactAt = step;
    if ((values.stop === 'readable' && readableAt !== null) || (values.stop === 'exact95' && exactAt !== null)) stop = true;
  };
  // Evaluation time is not training time: it is left out of the CPU and wall clocks.
  const timed = async (loss: number) => {
    const [w, c] = [performance.now(), process.cpuUsage()];
    await report(loss);
    const c2 = process.cpuUsage(c);
    wall0 += performance.now() - w;
    cpu0 = { user: cpu0.user + c2.user, system: cpu0.system + c2.system };
  };
  const out = () => (performance.now() - wall0) / 1000 >= limitSeconds || cpuUsed() >= cpuLimit;
  const cpuUsed = () => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1e6;
  };
  await timed(NaN);
  for (let epoch = 0; !out() && !stop; epoch++) {
    trainer.beginEpoch(epoch);
    for (const batch of dataset.train.batches({ batchSize: t.batchSize, shuffle: true, seed: t.seed + epoch })) {
      const byFeature = batchToTensors(tf, batch);
      const result = trainer.trainStep(featureNames.map((n) => byFeature[n] as tf.Tensor));
      tf.dispose(Object.values(byFeature));
      step++;
      if (step % every === 0) await timed(result.loss);
      if (out() || stop) break;
    }
  }
  console.log(`readable diagonal at step ${readableAt ?? '-'}; exact match >= 0.95 at step ${exactAt ?? '-'}; load at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  probe.dispose();
  trainer.dispose();
}

await main();
