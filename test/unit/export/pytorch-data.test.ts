/**
 * The dataset of an exported PyTorch project (data/<split>.npz) and the app's zip of the project:
 * each .npy holds the split's rows exactly as one gather of the whole split gives them; the bytes
 * stream out as rows are gathered (each row gathered once, no split held whole); the CLI writes the
 * same bytes; the zip (deflated by the platform's zlib) holds every file byte for byte, reports
 * increasing progress and stops when cancelled; NumPy reads the streamed .npz.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../core/data';
import { concatBytes } from '../../../core/data/bytes';
import { nodeFileSource } from '../../../core/data/node-source';
import type { Dataset, DatasetSplit } from '../../../core/data/types';
import { buildPytorchProject, dataFiles, ExportCancelled, npyBytes, splitNpz, zipProject } from '../../../core/export/pytorch';
import { analyzeGraph, parseGraphText } from '../../../core/graph';
import { runCli } from '../cli/run-cli';
import { PYTHON } from './pytorch-oracle';

const examples = resolve(__dirname, '../../../examples');

function example(name: string) {
  const parsed = parseGraphText(readFileSync(join(examples, `${name}.json`), 'utf8'));
  if (!parsed.ok) throw new Error(`${name}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.graph;
}

/** The oracle: each feature of one gather of the whole split, as a .npy file. */
function wholeSplitNpy(split: DatasetSplit): Map<string, Uint8Array> {
  const whole = split.gather(Uint32Array.from({ length: split.size }, (_, i) => i));
  const out = new Map<string, Uint8Array>();
  for (const [name, f] of Object.entries(whole.features)) {
    const values = f.data;
    out.set(`${name}.npy`, npyBytes(values instanceof Int32Array ? { dtype: 'int32', shape: [split.size, ...f.shape], values } : { dtype: 'float32', shape: [split.size, ...f.shape], values }));
  }
  return out;
}

function expectSameNpy(npz: Uint8Array, split: DatasetSplit, label: string): void {
  const files = unzipSync(npz);
  const expected = wholeSplitNpy(split);
  expect(Object.keys(files).sort(), label).toEqual([...expected.keys()].sort());
  for (const [name, bytes] of expected) expect(Buffer.from(files[name] ?? []).equals(Buffer.from(bytes)), `${label}/${name}`).toBe(true);
}

/** The split, counting the rows its gathers are asked for. */
function counting(split: DatasetSplit): { split: DatasetSplit; rows: () => number } {
  let rows = 0;
  const wrapped: DatasetSplit = {
    name: split.name,
    size: split.size,
    batchCount: (b, d) => split.batchCount(b, d),
    batches: (o) => split.batches(o),
    gather: (r) => {
      rows += r.length;
      return split.gather(r);
    },
  };
  return { split: wrapped, rows: () => rows };
}

describe('PyTorch project data', () => {
  it("streams each split's .npz as its rows are gathered (each row once): the .npy files equal one gather of the whole split", async () => {
    // sentiment: int token ids and labels (two features of different widths), in chunks of 1,000 rows.
    const dataset = await loadDataset('sentiment', nodeFileSource(), {});
    for (const original of [dataset.train, dataset.validation, dataset.test]) {
      const { split, rows } = counting(original);
      const chunks = [...splitNpz(split, 1000)];
      expectSameNpy(concatBytes(chunks.map((c) => c.bytes)), original, original.name);
      expect(rows(), `${original.name}: rows gathered`).toBe(original.size);
      // Streamed: before the last rows were gathered, the widest feature's earlier rows had gone out.
      const beforeLast = chunks.filter((c) => c.rows < original.size).reduce((n, c) => n + c.bytes.byteLength, 0);
      const widest = Math.max(...Object.values(original.gather([0]).features).map((f) => f.data.byteLength));
      expect(beforeLast, original.name).toBeGreaterThanOrEqual(widest * Math.floor((original.size - 1) / 1000) * 1000);
      expect(chunks.every((c, i) => i === 0 || c.rows >= (chunks[i - 1]?.rows ?? 0))).toBe(true);
      expect(chunks.at(-1)?.rows).toBe(original.size);
    }
  });

  it('NumPy reads a streamed .npz (data descriptors, stored entries) with the same arrays', (context) => {
    if (spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status !== 0) {
      if (process.env['CI']) throw new Error(`${PYTHON} has no numpy: the .npz check cannot run in CI`);
      context.skip();
    }
    const split: DatasetSplit = {
      name: 'train',
      size: 5,
      batchCount: () => 1,
      batches: () => [][Symbol.iterator](),
      gather: (rows) => ({
        size: rows.length,
        indices: Uint32Array.from(rows),
        features: {
          image: { dtype: 'float32', shape: [2, 3], data: Float32Array.from({ length: rows.length * 6 }, (_, i) => (rows[Math.floor(i / 6)] as number) + (i % 6) / 10) },
          label: { dtype: 'int32', shape: [], data: Int32Array.from(rows, (r) => 7 * r) },
        },
      }),
    };
    const dir = mkdtempSync(join(tmpdir(), 'netwright-npz-'));
    writeFileSync(join(dir, 'train.npz'), concatBytes([...splitNpz(split, 2)].map((c) => c.bytes)));
    const script = `import json, numpy as np
a = np.load("train.npz")
print(json.dumps({k: {"dtype": str(a[k].dtype), "shape": list(a[k].shape), "values": a[k].reshape(-1).tolist()} for k in sorted(a.files)}))`;
    const run = spawnSync(PYTHON, ['-c', script], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const read = JSON.parse(run.stdout) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
    expect(read['label']).toEqual({ dtype: 'int32', shape: [5], values: [0, 7, 14, 21, 28] });
    expect(read['image']?.dtype).toBe('float32');
    expect(read['image']?.shape).toEqual([5, 2, 3]);
    const expected = Array.from({ length: 30 }, (_, i) => Math.fround(Math.floor(i / 6) + (i % 6) / 10));
    expect(read['image']?.values).toEqual(expected);
  });

  it('zips the project with the data streamed in and increasing progress; the zip holds the same files', async () => {
    const graph = example('playground-spirals');
    const dataset = await loadDataset('spirals', nodeFileSource(), {});
    const project = buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights: null, withData: true });
    const reports: { fraction: number; stage: string }[] = [];
    const zip = await zipProject(project, 'spirals-pytorch', { dataset, chunkRows: 100, onProgress: (fraction, stage) => reports.push({ fraction, stage }) });
    const files = unzipSync(zip);
    const data = dataFiles(dataset);
    expect(Object.keys(files).sort()).toEqual([...project.files.keys(), ...data.map((d) => d.path)].map((p) => `spirals-pytorch/${p}`).sort());
    for (const [path, bytes] of project.files) expect(Buffer.from(files[`spirals-pytorch/${path}`] ?? []).equals(Buffer.from(bytes)), path).toBe(true);
    for (const { path, split } of data) expectSameNpy(files[`spirals-pytorch/${path}`] ?? new Uint8Array(), split, path);
    expect(reports.some((r) => /^compressing data\/train\.npz \(100 of [0-9,]+ rows\)$/.test(r.stage))).toBe(true);
    expect(reports.every((r, i) => i === 0 || r.fraction >= (reports[i - 1]?.fraction ?? 0))).toBe(true);
    expect(reports.at(-1)?.fraction).toBe(1);
  });

  it('stops when cancelled, between chunks, with ExportCancelled', async () => {
    const graph = example('playground-spirals');
    const dataset: Dataset = await loadDataset('spirals', nodeFileSource(), {});
    const project = buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights: null, withData: true });
    const cancel = new AbortController();
    const stages: string[] = [];
    const zipping = zipProject(project, 'spirals-pytorch', {
      dataset,
      chunkRows: 50,
      signal: cancel.signal,
      onProgress: (_, stage) => {
        stages.push(stage);
        if (stage.startsWith('compressing data/train.npz')) cancel.abort();
      },
    });
    await expect(zipping).rejects.toBeInstanceOf(ExportCancelled);
    expect(stages.filter((s) => s.startsWith('compressing data/')).length).toBe(1);
  });

  it('netwright export --with-data writes data/<split>.npz with those arrays', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netwright-pt-data-'));
    const r = await runCli(['export', join(examples, 'playground-spirals.json'), '--format', 'pytorch', '--with-data', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/data\/train\.npz, data\/validation\.npz, data\/test\.npz/);
    const dataset = await loadDataset('spirals', nodeFileSource(), {});
    const splits = dataFiles(dataset);
    expect(readdirSync(join(out, 'data')).sort()).toEqual(splits.map((d) => `${d.split.name}.npz`).sort());
    for (const { path, split } of splits) expectSameNpy(readFileSync(join(out, path)), split, path);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).not.toMatch(/The data is not included/);
  });
});
