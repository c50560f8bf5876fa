/**
 * The cost of the trainer's asynchronous reads: the same MLP step read with dataSync and with
 * data(), interleaved, on the default Node backend.   npx tsx scripts/bench-reads.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectNodeBackend } from '../cli/node-backend';
import { getTemplate } from '../core/templates';
import { loadDataset } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';
import { bindFeeds, compileSeeded } from '../core/engine/run';
import { Trainer } from '../core/engine/trainer';
import { batchToTensors } from '../core/data/tensors';

async function main() {
  await selectNodeBackend();
  const template = getTemplate('mlp-mnist');
  if (!template) throw new Error('no mlp-mnist template');
  const graph = template.build();
  const dataset = await loadDataset('mnist', nodeFileSource());
  const compiled = compileSeeded(graph);
  const names = bindFeeds(compiled, graph, dataset);
  const batch = dataset.train.gather(Array.from({ length: 64 }, (_, i) => i));
  const t = batchToTensors(tf, batch, [...new Set(names)]);
  const feeds = names.map((n) => t[n] as tf.Tensor);
  const a = new Trainer(compiled, graph.training, { trackStats: false });
  for (let i = 0; i < 5; i++) {
    a.trainStep(feeds);
    await a.trainStepAsync(feeds);
  }
  let sync = 0;
  let asyncT = 0;
  for (let r = 0; r < 10; r++) {
    let s = performance.now();
    for (let i = 0; i < 20; i++) a.trainStep(feeds);
    sync += performance.now() - s;
    s = performance.now();
    for (let i = 0; i < 20; i++) await a.trainStepAsync(feeds);
    asyncT += performance.now() - s;
  }
  console.log(`backend ${tf.getBackend()}: sync ${(sync / 200).toFixed(3)} ms/step, async ${(asyncT / 200).toFixed(3)} ms/step, ratio async/sync ${(asyncT / sync).toFixed(3)}`);
}
void main();
