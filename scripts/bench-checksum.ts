/**
 * What verifying kept weights' checksum adds to reading a graph file: the same file parsed with
 * checksum null (as a version 2 run) and with its checksum, interleaved, for three weight sizes.
 *   npx tsx scripts/bench-checksum.ts
 */
import { fromByteArray } from 'base64-js';
import { GraphBuilder, parseGraphText, serializeGraph, toSavedRun, weightsChecksum } from '../core/graph';

function fileFor(floats: number, withChecksum: boolean): string {
  const g = new GraphBuilder('bench');
  g.add('Input', { shape: [2], feature: 'point' });
  const graph = g.build();
  const bytes = new Uint8Array(floats * 4);
  // Varied bytes (Knuth's multiplicative hash of the index), so base64 is not all one character.
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.imul(i, 2654435761) >>> 24;
  const specs = [{ layer: 'dense', name: 'dense/kernel', shape: [floats], dtype: 'float32' as const }];
  const weights = { specs, data: fromByteArray(bytes), checksum: withChecksum ? weightsChecksum(specs, bytes) : null };
  const run = toSavedRun({ id: 'r', name: 'r', status: 'completed', graph, manifest: { graphHash: 'a'.repeat(64), graphName: 'b', dataset: { id: 'moons', version: 1, options: {} }, seed: 1, backend: 'cpu', tfjsVersion: '4.22.0', training: graph.training, limit: null, startedAt: '' }, curves: { steps: [], losses: [], epochSteps: [], epochLoss: [], validationLoss: [], metrics: {}, validationMetrics: {} }, test: null, weights });
  return serializeGraph({ ...graph, runs: [run] });
}
for (const floats of [101_770, 2_000_000, 8_000_000]) {
  const a = fileFor(floats, false);
  const b = fileFor(floats, true);
  // Median of 3 parses.
  const time = (text: string) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = parseGraphText(text);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      times.push(performance.now() - t);
    }
    return times.sort((x, y) => x - y)[1] as number;
  };
  // Interleaved so that machine load affects both alike.
  let ta = 0;
  let tb = 0;
  for (let round = 0; round < 3; round++) {
    ta += time(a) / 3;
    tb += time(b) / 3;
  }
  console.log(`${floats} floats (${(b.length / 1e6).toFixed(1)} MB file): parse without checksum ${ta.toFixed(1)} ms, with checksum ${tb.toFixed(1)} ms, ratio ${(tb / ta).toFixed(2)}`);
}
