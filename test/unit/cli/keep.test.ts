/**
 * `train --keep` never loses either side: edits saved to the graph file while it trained stay,
 * and the run is merged into the current file, or written beside it when that file is gone or no
 * longer valid.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, parseGraphText, serializeGraph, toSavedRun, type GraphDocument, type SavedRun } from '../../../core/graph';
import { contentHash, keepRunInFile } from '../../../cli/keep-run';

const dir = mkdtempSync(join(tmpdir(), 'netwright-keep-'));

function moons(name = 'moons'): GraphDocument {
  const g = new GraphBuilder(name);
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const o = g.add('Dense', { units: 2 }, g.add('Dense', { units: 8, activation: 'tanh' }, x), 'out');
  g.add('SparseCategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
  g.training({ dataset: { id: 'moons', options: {} }, epochs: 2, learningRate: 0.01 });
  return g.build();
}

function run(graph: GraphDocument, id: string): SavedRun {
  return toSavedRun({
    id,
    name: id,
    status: 'completed',
    graph,
    manifest: { graphHash: 'a'.repeat(64), graphName: graph.metadata.name, dataset: { id: 'moons', version: 1, options: {} }, seed: 1, backend: 'cpu', tfjsVersion: '4.22.0', training: graph.training, limit: null, startedAt: '2026-12-04T00:00:00.000Z' },
    curves: { steps: [1], losses: [0.5], epochSteps: [1], epochLoss: [0.5], validationLoss: [null], metrics: {}, validationMetrics: {} },
    test: null,
    weights: null,
  });
}

function readDoc(path: string): GraphDocument {
  const parsed = parseGraphText(readFileSync(path, 'utf8'));
  if (!parsed.ok) throw new Error(`${path} does not parse: ${JSON.stringify(parsed.errors)}`);
  return parsed.graph;
}

describe('keepRunInFile', () => {
  it('unchanged file: the run is appended to the graph as read', async () => {
    const file = join(dir, 'same.json');
    const graph = moons();
    const text = serializeGraph(graph);
    writeFileSync(file, text);
    expect(await keepRunInFile(file, contentHash(text), graph, run(graph, 'run-a'))).toEqual({ kind: 'kept', file });
    expect(readDoc(file).runs.map((r) => r.id)).toEqual(['run-a']);
  });

  it('edited meanwhile: the edit stays and the run joins it', async () => {
    const file = join(dir, 'edited.json');
    const graph = moons();
    const text = serializeGraph(graph);
    writeFileSync(file, text);
    const edited = { ...graph, metadata: { ...graph.metadata, name: 'renamed while training' } };
    writeFileSync(file, serializeGraph(edited));
    expect(await keepRunInFile(file, contentHash(text), graph, run(graph, 'run-b'))).toEqual({ kind: 'merged', file });
    const now = readDoc(file);
    expect(now.metadata.name).toBe('renamed while training');
    expect(now.runs.map((r) => r.id)).toEqual(['run-b']);
  });

  it('no longer valid: the file is left as it is and the run is written beside it', async () => {
    const file = join(dir, 'broken.json');
    const graph = moons();
    const text = serializeGraph(graph);
    writeFileSync(file, '{"half": ');
    const outcome = await keepRunInFile(file, contentHash(text), graph, run(graph, 'run-c'));
    expect(outcome).toMatchObject({ kind: 'beside', file: join(dir, 'broken.run-1.json') });
    expect(outcome.kind === 'beside' && outcome.reason).toMatch(/no longer a valid graph/);
    expect(readFileSync(file, 'utf8')).toBe('{"half": ');
    expect(readDoc(join(dir, 'broken.run-1.json')).runs.map((r) => r.id)).toEqual(['run-c']);
    // A second time takes the next free name.
    const again = await keepRunInFile(file, contentHash(text), graph, run(graph, 'run-d'));
    expect(again).toMatchObject({ kind: 'beside', file: join(dir, 'broken.run-2.json') });
  });

  it('deleted meanwhile: written beside, saying so', async () => {
    const file = join(dir, 'gone.json');
    const graph = moons();
    const outcome = await keepRunInFile(file, contentHash(serializeGraph(graph)), graph, run(graph, 'run-e'));
    expect(outcome).toMatchObject({ kind: 'beside', file: join(dir, 'gone.run-1.json'), reason: 'it no longer exists' });
  });
});

/** Runs `netwright train --keep` and calls `duringTraining` after its first epoch line. */
function trainKeep(file: string, duringTraining: () => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/netwright.mjs', 'train', file, '--keep', '--json', '--epochs', '20', '--backend', 'cpu'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let edited = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!edited && stdout.includes('"event":"epoch"')) {
        edited = true;
        duringTraining();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('netwright train --keep with the file edited while it trains', () => {
  it('merges the run into the edited file', async () => {
    const file = join(dir, 'cli-merge.json');
    const graph = moons();
    writeFileSync(file, serializeGraph(graph));
    const r = await trainKeep(file, () => writeFileSync(file, serializeGraph({ ...graph, metadata: { ...graph.metadata, description: 'saved by the app meanwhile' } })));
    expect(r.code).toBe(0);
    const now = readDoc(file);
    expect(now.metadata.description).toBe('saved by the app meanwhile');
    expect(now.runs).toHaveLength(1);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1) as string)).toMatchObject({ event: 'done', kept: { kind: 'merged' } });
  }, 120_000);

  it('writes the run beside a file that no longer parses, and says so', async () => {
    const file = join(dir, 'cli-broken.json');
    writeFileSync(file, serializeGraph(moons()));
    const r = await trainKeep(file, () => writeFileSync(file, 'not json any more'));
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('not json any more');
    expect(r.stderr).toContain(`wrote it beside, to ${join(dir, 'cli-broken.run-1.json')}`);
    expect(readDoc(join(dir, 'cli-broken.run-1.json')).runs).toHaveLength(1);
    rmSync(join(dir, 'cli-broken.run-1.json'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);
});
