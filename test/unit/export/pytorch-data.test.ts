/**
 * The dataset of an exported PyTorch project (data/<split>.npz) and the app's zip of the project:
 * the arrays are every split's rows as the data layer gathers them, the CLI writes exactly those,
 * and the zip streamed with progress holds the project's files byte for byte.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../core/data';
import { nodeFileSource } from '../../../core/data/node-source';
import { buildPytorchProject, datasetArrays, npyBytes, zipProject } from '../../../core/export/pytorch';
import { analyzeGraph, parseGraphText } from '../../../core/graph';
import { runCli } from '../cli/run-cli';

const examples = resolve(__dirname, '../../../examples');

function example(name: string) {
  const parsed = parseGraphText(readFileSync(join(examples, `${name}.json`), 'utf8'));
  if (!parsed.ok) throw new Error(`${name}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.graph;
}

describe('PyTorch project data', () => {
  it("holds every split's rows in order, as one gather of the whole split gives them, with progress", async () => {
    // sentiment: int token ids and labels, three splits larger than one gathered chunk.
    const dataset = await loadDataset('sentiment', nodeFileSource(), {});
    const reports: number[] = [];
    const arrays = datasetArrays(dataset, (fraction) => reports.push(fraction));
    for (const split of [dataset.train, dataset.validation, dataset.test]) {
      const whole = split.gather(Uint32Array.from({ length: split.size }, (_, i) => i));
      const exported = arrays.splits.get(split.name);
      expect(exported, split.name).toBeDefined();
      for (const [name, f] of Object.entries(whole.features)) {
        const array = exported?.get(name);
        expect(array?.shape, `${split.name}/${name}`).toEqual([split.size, ...f.shape]);
        expect(array?.dtype).toBe(f.dtype);
        expect(Buffer.from((array?.values ?? new Float32Array()).buffer).equals(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength))).toBe(true);
      }
    }
    expect(reports.length).toBeGreaterThan(2);
    expect(reports.every((f, i) => i === 0 || f > (reports[i - 1] as number))).toBe(true);
    expect(reports.at(-1)).toBe(1);
  });

  it('zips the project with increasing progress; the zip holds the same files', async () => {
    const graph = example('playground-spirals');
    const dataset = await loadDataset('spirals', nodeFileSource(), {});
    const project = buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights: null, data: datasetArrays(dataset) });
    const reports: { fraction: number; stage: string }[] = [];
    const zip = zipProject(project, 'spirals-pytorch', (fraction, stage) => reports.push({ fraction, stage }));
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual([...project.files.keys()].map((p) => `spirals-pytorch/${p}`).sort());
    for (const [path, bytes] of project.files) expect(Buffer.from(files[`spirals-pytorch/${path}`] ?? []).equals(Buffer.from(bytes)), path).toBe(true);
    expect(reports.map((r) => r.stage)).toContain('compressing data/train.npz');
    expect(reports.every((r, i) => i === 0 || r.fraction >= (reports[i - 1]?.fraction ?? 0))).toBe(true);
    expect(reports.at(-1)?.fraction).toBe(1);
  });

  it('netwright export --with-data writes data/<split>.npz with those arrays', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netwright-pt-data-'));
    const r = await runCli(['export', join(examples, 'playground-spirals.json'), '--format', 'pytorch', '--with-data', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const arrays = datasetArrays(await loadDataset('spirals', nodeFileSource(), {}));
    expect(readdirSync(join(out, 'data')).sort()).toEqual([...arrays.splits.keys()].map((s) => `${s}.npz`).sort());
    for (const [split, features] of arrays.splits) {
      const npz = unzipSync(readFileSync(join(out, 'data', `${split}.npz`)));
      expect(Object.keys(npz).sort()).toEqual([...features.keys()].map((f) => `${f}.npy`).sort());
      for (const [name, array] of features) expect(Buffer.from(npz[`${name}.npy`] ?? []).equals(Buffer.from(npyBytes(array))), `${split}/${name}`).toBe(true);
    }
    expect(readFileSync(join(out, 'README.md'), 'utf8')).not.toMatch(/The data is not included/);
  });
});
