/**
 * `npm run bench:hostile`: the worst hostile inputs, one by one, through parseGraphText (and the
 * analyzer for a graph of 20,000 dangling wires): wall time, and how much the heap and the RSS
 * grew by the end of each (what is still held before a collection, so a lower bound of the peak). Printed, not asserted (timings are noisy on a shared machine). Run it on two commits
 * to compare; --expose-gc (the npm script passes it) makes the memory figures start from a
 * collected heap.
 */
import { analyzeGraph, createAnalyzer, GraphBuilder, LIMITS, parseGraphText, serializeGraph, toSavedRun, type GraphDocument } from '../core/graph';

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;

function baseText(): string {
  const g = new GraphBuilder('bench');
  const o = g.add('Dense', { units: 10 }, g.add('Dense', { units: 32 }, g.add('Flatten', {}, g.add('Input', { shape: [28, 28, 1] }))));
  g.add('CategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [10] }) });
  return serializeGraph(g.build());
}

function withMember(member: string): string {
  return `{${member},${baseText().slice(1)}`;
}

function withWeights(chars: number): string {
  const g = new GraphBuilder('weights');
  const h = g.add('Dense', { units: 3 }, g.add('Input', { shape: [2], feature: 'point' }), 'hidden');
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: h, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
  const graph = g.build();
  const run = toSavedRun({
    id: 'run-1',
    name: 'Run 1',
    status: 'completed',
    graph,
    manifest: { graphHash: 'f'.repeat(64), graphName: 'w', dataset: { id: 'moons', version: 1, options: {} }, seed: 1, backend: 'cpu', tfjsVersion: '4.22.0', training: graph.training, limit: null, startedAt: '2026-12-04T00:00:00.000Z' },
    curves: { steps: [], losses: [], epochSteps: [], epochLoss: [], validationLoss: [], metrics: {}, validationMetrics: {} },
    test: null,
    // No checksum: the data is swapped for an oversize string below, which is refused by size first.
    weights: { specs: [{ layer: 'hidden', name: 'hidden/kernel', shape: [2, 3], dtype: 'float32' }], data: 'A'.repeat(32), checksum: null },
  });
  return serializeGraph({ ...graph, runs: [run] }).replace(`"${'A'.repeat(32)}"`, `"${'A'.repeat(chars)}"`);
}

interface Measured {
  ms: number;
  heapMb: number;
  rssMb: number;
  outcome: string;
}

function measure(run: () => string): Measured {
  gc?.();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  const t0 = performance.now();
  let outcome: string;
  try {
    outcome = run();
  } catch (err) {
    outcome = `THREW ${(err as Error).name}: ${String((err as Error).message).slice(0, 80)}`;
  }
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  peakHeap = Math.max(peakHeap, after.heapUsed);
  peakRss = Math.max(peakRss, after.rss);
  return { ms, heapMb: (peakHeap - before.heapUsed) / MB, rssMb: (peakRss - before.rss) / MB, outcome };
}

function parseOutcome(text: string): string {
  const r = parseGraphText(text);
  if (r.ok) return 'accepted';
  const e = r.errors[0];
  const shown = `${e?.path}: ${e?.message}`;
  return `refused ${shown.length > 90 ? `${shown.slice(0, 90)}...` : shown}`;
}

const cases: [string, () => string][] = [
  ['2,000,000 keys in one object (~24 MB)', () => withMember(Array.from({ length: 2_000_000 }, (_, i) => `"k${i}":0`).join(','))],
  ['5,000,000-element array (~10 MB)', () => baseText().replace('"nodes": [', `"nodes": [${'0,'.repeat(5_000_000)}`)],
  ['one key of 40,000,000 characters', () => withMember(`"${'k'.repeat(40_000_000)}":1`)],
  ['nesting 1,000,000 levels deep', () => withMember(`"deep":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`)],
  [`base64 weights of ${(LIMITS.weightChars + 4).toLocaleString('en-US')} characters`, () => withWeights(LIMITS.weightChars + 4)],
  ['a 16 MB top-level array', () => `[${'1,'.repeat(8_000_000)}1]`],
  ['a 16 MB string value', () => withMember(`"description":"${'d'.repeat(16 * MB)}"`)],
];

console.log('hostile input                                   time      heap+     rss+   outcome');
for (const [name, build] of cases) {
  const text = build();
  const m = measure(() => parseOutcome(text));
  console.log(`${name.padEnd(46)} ${m.ms.toFixed(0).padStart(6)} ms ${m.heapMb.toFixed(0).padStart(6)} MB ${m.rssMb.toFixed(0).padStart(6)} MB   ${m.outcome}`);
}

// Analysis of a graph with 20,000 dangling wires into one node: the first pass and an edit.
const g = new GraphBuilder('dangling');
g.add('Dense', { units: 3 }, g.add('Input', { shape: [4] }));
const doc: GraphDocument = g.build();
const target = (doc.nodes[1] as GraphDocument['nodes'][number]).id;
for (let i = 0; i < 20_000; i++) doc.edges.push({ id: `w${i}`, source: { node: `ghost${i}`, port: 'out' }, target: { node: target, port: 'in' } });
const analyzer = createAnalyzer();
const first = measure(() => `${analyzer.analyze(doc).issues.length} issues`);
const edited: GraphDocument = { ...doc, metadata: { ...doc.metadata, name: 'edited' }, nodes: [...doc.nodes, { ...(doc.nodes[0] as GraphDocument['nodes'][number]), id: 'extra' }] };
const edit = measure(() => `${analyzer.analyze(edited).issues.length} issues`);
const fresh = measure(() => `${analyzeGraph(edited).issues.length} issues`);
for (const [name, m] of [['20,000 dangling wires: first analysis', first], ['20,000 dangling wires: one edit (cached)', edit], ['20,000 dangling wires: analyzeGraph', fresh]] as const) {
  console.log(`${name.padEnd(46)} ${m.ms.toFixed(0).padStart(6)} ms ${m.heapMb.toFixed(0).padStart(6)} MB ${m.rssMb.toFixed(0).padStart(6)} MB   ${m.outcome}`);
}
