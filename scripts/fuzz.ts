/**
 * `npm run fuzz -- --count N --seed S`: hostile graph files through parse + analyze + summary, in
 * process. Seeded mutations of valid documents (test/support/hostile-documents.ts) and, for one
 * document in twenty, a big hostile splice (millions of keys or elements, a huge key or string,
 * deep nesting, oversize weights, a non-object top level) of up to 16 MB. Prints how many were
 * tried, thrown, over the time or memory budget, refused with a path, and accepted.
 * Then hostile model files (test/support/hostile-models.ts: truncated or padded shards, huge shapes,
 * cyclic references, deep nesting, hostile values) through the importer, one in ten as many: each
 * must import or fail with an ImportError within its budget (3 s: a valid one is compiled).
 * Run with --expose-gc (the npm script does) so memory is measured from a collected heap.
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { analyzeGraph, formatSummary, parseGraphText, summarize } from '../core/graph';
import { mutate, mutationArb, templates, type Mutation } from '../test/support/hostile-documents';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ImportError } from '../core/import/errors';
import { importLayersModel } from '../core/import/layers-model';
import { baseModels, cloneModelCase, modelMutationArb, mutateModel, type ModelCase } from '../test/support/hostile-models';

const { values } = parseArgs({ options: { count: { type: 'string', default: '5000' }, seed: { type: 'string', default: '1' } } });
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- --count <n> --seed <s>');
  process.exit(2);
}

const TIME_BUDGET_MS = 1_000;
const MEMORY_BUDGET_BYTES = 200 * 1024 * 1024;
const MAX_TEXT_CHARS = 16 * 1024 * 1024;

type BigKind = 'manyKeys' | 'longArray' | 'longKey' | 'deep' | 'longString' | 'bigWeights' | 'topLevel';
const BIG_KINDS: readonly BigKind[] = ['manyKeys', 'longArray', 'longKey', 'deep', 'longString', 'bigWeights', 'topLevel'];

interface Case {
  base: number;
  mutations: Mutation[];
  big: { kind: BigKind; chars: number } | null;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  base: fc.nat(1),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
  big: fc.oneof(
    { arbitrary: fc.constant(null), weight: 19 },
    { arbitrary: fc.record({ kind: fc.constantFrom(...BIG_KINDS), chars: fc.integer({ min: 100_000, max: MAX_TEXT_CHARS }) }), weight: 1 },
  ),
});

/** Splices a big hostile member into a document's text, about `chars` characters of it. */
function splice(text: string, kind: BigKind, chars: number): string {
  const body = text.startsWith('{') ? text.slice(1) : `"x":${text}}`;
  const member = (m: string) => `{${m},${body}`;
  switch (kind) {
    case 'manyKeys': {
      const n = Math.floor(chars / 12);
      const parts: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) parts[i] = `"k${i}":0`;
      return member(parts.join(','));
    }
    case 'longArray':
      return text.includes('"nodes":[') ? text.replace('"nodes":[', `"nodes":[${'0,'.repeat(Math.floor(chars / 2))}`) : member(`"nodes":[${'0,'.repeat(Math.floor(chars / 2))}0]`);
    case 'longKey':
      return member(`"${'k'.repeat(chars)}":1`);
    case 'deep': {
      const n = Math.floor(chars / 2);
      return member(`"deep":${'['.repeat(n)}${']'.repeat(n)}`);
    }
    case 'longString':
      return member(`"description":"${'d'.repeat(chars)}"`);
    case 'bigWeights':
      return text.includes('"data":"') ? text.replace(/"data":"[A-Za-z0-9+/=]*"/, `"data":"${'A'.repeat(chars)}"`) : member(`"runs":[{"weights":{"specs":[],"data":"${'A'.repeat(chars)}"}}]`);
    case 'topLevel':
      return `[${'1,'.repeat(Math.floor(chars / 2))}1]`;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
const bases = templates();
const cases = fc.sample(caseArb, { numRuns: count, seed });
const tally = { tried: 0, thrown: 0, overTime: 0, overMemory: 0, refusedWithPath: 0, refusedWithoutPath: 0, accepted: 0, big: 0 };
const worst = { ms: 0, bytes: 0, msCase: '', bytesCase: '' };
const problems: string[] = [];
const started = performance.now();

for (const [index, c] of cases.entries()) {
  const doc = structuredClone(bases[c.base]) as Record<string, unknown>;
  let text: string;
  try {
    for (const m of c.mutations) mutate(doc, m);
    text = JSON.stringify(doc);
    if (c.big) {
      text = splice(text, c.big.kind, c.big.chars);
      tally.big++;
    }
  } catch (err) {
    // The generator itself failed (a mutation it cannot apply): not a finding about Netwright.
    problems.push(`case ${index}: generator: ${(err as Error).message}`);
    continue;
  }
  const label = c.big ? `case ${index} (${c.big.kind}, ${c.big.chars.toLocaleString('en-US')} chars)` : `case ${index}`;
  if (c.big) gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const t0 = performance.now();
  tally.tried++;
  try {
    const parsed = parseGraphText(text);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    if (parsed.ok) {
      formatSummary(summarize(parsed.graph, analyzeGraph(parsed.graph)));
      tally.accepted++;
    } else if (parsed.errors.length > 0 && parsed.errors.every((e) => e.path.startsWith('$'))) tally.refusedWithPath++;
    else {
      tally.refusedWithoutPath++;
      problems.push(`${label}: refused without a path`);
    }
  } catch (err) {
    tally.thrown++;
    problems.push(`${label}: threw ${(err as Error).name}: ${String((err as Error).message).slice(0, 200)}`);
  }
  const ms = performance.now() - t0;
  const bytes = Math.max(peakHeap, process.memoryUsage().heapUsed) - heapBefore;
  if (ms > TIME_BUDGET_MS) {
    tally.overTime++;
    problems.push(`${label}: ${ms.toFixed(0)} ms`);
  }
  if (bytes > MEMORY_BUDGET_BYTES) {
    tally.overMemory++;
    problems.push(`${label}: ${(bytes / 1024 / 1024).toFixed(0)} MB`);
  }
  if (ms > worst.ms) Object.assign(worst, { ms, msCase: label });
  if (bytes > worst.bytes) Object.assign(worst, { bytes, bytesCase: label });
}

console.log(`fuzz: ${count} documents, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s${gc ? '' : ' (no --expose-gc: memory figures are rough)'}`);
console.log(`  documents tried            ${tally.tried} (${tally.big} with a big hostile splice of up to 16 MB)`);
console.log(`  uncaught exceptions        ${tally.thrown}`);
console.log(`  over ${TIME_BUDGET_MS} ms                ${tally.overTime}`);
console.log(`  over ${MEMORY_BUDGET_BYTES / 1024 / 1024} MB of heap         ${tally.overMemory}`);
console.log(`  refused with a path        ${tally.refusedWithPath}`);
console.log(`  refused without a path     ${tally.refusedWithoutPath}`);
console.log(`  accepted                   ${tally.accepted}`);
console.log(`  slowest: ${worst.ms.toFixed(0)} ms (${worst.msCase}); most heap: ${(worst.bytes / 1024 / 1024).toFixed(1)} MB (${worst.bytesCase})`);
for (const p of problems.slice(0, 30)) console.log(`  ! ${p}`);

// Model files through the importer.
const MODEL_TIME_BUDGET_MS = 3_000;
await tf.setBackend('cpu');
const modelBases = baseModels();
const modelCount = Math.max(1, Math.floor(count / 10));
const modelCases = fc.sample(fc.record({ base: fc.nat(modelBases.length - 1), mutations: fc.array(modelMutationArb, { minLength: 1, maxLength: 3 }) }), { numRuns: modelCount, seed });
const models = { tried: 0, imported: 0, refused: 0, thrown: 0, overTime: 0, overMemory: 0 };
const modelProblems: string[] = [];
const importCase = (c: ModelCase) => importLayersModel({ modelJson: JSON.stringify(c.json), shard: (p) => c.shards.get(p) }, { name: 'fuzz', backend: 'cpu' });
// The first import compiles tfjs' code paths; it is not a finding about a file.
await importCase(cloneModelCase(modelBases[0] as ModelCase));
const tensorsBefore = tf.memory().numTensors;
let slowestModel = 0;
for (const [index, mc] of modelCases.entries()) {
  const c = cloneModelCase(modelBases[mc.base] as ModelCase);
  for (const m of mc.mutations) mutateModel(c, m);
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  models.tried++;
  try {
    await importCase(c);
    models.imported++;
  } catch (err) {
    if (err instanceof ImportError) models.refused++;
    else {
      models.thrown++;
      modelProblems.push(`model case ${index}: threw ${(err as Error).name}: ${String((err as Error).message).slice(0, 200)}`);
    }
  }
  const ms = performance.now() - t0;
  slowestModel = Math.max(slowestModel, ms);
  if (ms > MODEL_TIME_BUDGET_MS) {
    models.overTime++;
    modelProblems.push(`model case ${index}: ${ms.toFixed(0)} ms`);
  }
  if (process.memoryUsage().heapUsed - heapBefore > MEMORY_BUDGET_BYTES) {
    models.overMemory++;
    modelProblems.push(`model case ${index}: over ${MEMORY_BUDGET_BYTES / 1024 / 1024} MB`);
  }
}
const leaked = tf.memory().numTensors - tensorsBefore;
console.log(`fuzz: ${modelCount} model files (seed ${seed}): ${models.imported} imported, ${models.refused} refused with an ImportError, ${models.thrown} other exceptions, ${models.overTime} over ${MODEL_TIME_BUDGET_MS} ms, ${models.overMemory} over memory, ${leaked} tensors left; slowest ${slowestModel.toFixed(0)} ms`);
for (const p of modelProblems.slice(0, 30)) console.log(`  ! ${p}`);
process.exitCode = tally.thrown + tally.overTime + tally.overMemory + tally.refusedWithoutPath + models.thrown + models.overTime + models.overMemory + Math.abs(leaked) > 0 ? 1 : 0;
