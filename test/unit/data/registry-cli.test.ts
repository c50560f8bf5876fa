/**
 * The registry (specs match the loaded data), the platform purity of core/data/index.ts, and the
 * `netwright datasets` command (in-process and through bin/netwright.mjs).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetIds, getDatasetSpec, listDatasets, loadDataset, resolveDatasetFeature } from '../../../core/data';
import { runCli } from '../cli/run-cli';
import { dataSource, ensureBuilt } from './helpers';

const ROOT = resolve(__dirname, '../../..');

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('registry', () => {
  it('lists all datasets of the issue', () => {
    expect(datasetIds().sort()).toEqual(
      ['mnist', 'fashion-mnist', 'iris', 'penguins', 'spirals', 'moons', 'circles', 'xor', 'blobs', 'waves', 'dates', 'g2p-cmudict', 'en-fr', 'reverse', 'sort', 'sentiment'].sort(),
    );
  });

  it.each(datasetIds())('%s: the spec (known without data) matches the loaded batches', async (id) => {
    const spec = getDatasetSpec(id);
    const dataset = await loadDataset(id, dataSource());
    expect(dataset.spec).toEqual(spec);
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(dataset[name].size).toBe(spec.sizes[name]);
      const batch = dataset[name].gather([0, dataset[name].size - 1]);
      for (const f of [...spec.features, ...spec.labels]) {
        const feature = batch.features[f.name];
        expect(feature?.shape, `${id}.${f.name}`).toEqual(f.shape);
        expect(feature?.dtype).toBe(f.dtype);
        expect(feature?.data.length).toBe(2 * f.shape.reduce((a, b) => a * b, 1));
        expect(feature?.data instanceof (f.dtype === 'int32' ? Int32Array : Float32Array)).toBe(true);
        if (f.vocabulary) {
          const size = spec.vocabularies[f.vocabulary]?.tokens.length as number;
          expect(Math.max(...(feature?.data ?? []))).toBeLessThan(size);
        }
        if (f.classNames) expect(Math.max(...(feature?.data ?? []))).toBeLessThan(f.classNames.length);
      }
      expect(Object.keys(batch.features).sort()).toEqual([...spec.features, ...spec.labels].map((f) => f.name).sort());
    }
  }, 120_000);

  it('resolves features for shape inference', () => {
    const found = resolveDatasetFeature('mnist', 'image');
    expect('feature' in found && found.feature.shape).toEqual([28, 28, 1]);
    expect(resolveDatasetFeature('mnist', 'nope')).toEqual({ error: expect.stringContaining("has no feature 'nope'") as string });
    expect(resolveDatasetFeature('nope', 'x')).toEqual({ error: "unknown dataset 'nope'" });
    const moons = resolveDatasetFeature('dates', 'decoderInput');
    expect('feature' in moons && moons.feature.role).toBe('decoder-input');
  });
});

describe('platform purity', () => {
  it('nothing reachable from core/data/index.ts imports fs, node: modules or the DOM-only APIs', () => {
    const seen = new Set<string>();
    const pending = [join(ROOT, 'core/data/index.ts')];
    const external: string[] = [];
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)) {
        const spec = match[1] as string;
        const typeOnly = /^(?:import|export)\s+type\s/.test(match[0]);
        if (spec.startsWith('.')) pending.push(resolve(dirname(file), `${spec}.ts`));
        else if (!typeOnly) external.push(spec);
      }
      expect(text, file).not.toMatch(/\b(document|window)\./);
    }
    expect(seen.has(join(ROOT, 'core/data/node-source.ts'))).toBe(false);
    // zod comes with the option declarations (core/catalogue/params.ts), pure like fflate.
    expect([...new Set(external)].sort()).toEqual(['fflate', 'zod']);
  });
});

describe('netwright datasets', () => {
  it('prints a table with id, task, sizes and feature shapes', async () => {
    const { code, stdout } = await runCli(['datasets']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+task\s+train\s+val\s+test\s+features\s+labels$/);
    expect(lines).toHaveLength(2 + listDatasets().length);
    expect(stdout).toMatch(/mnist\s+image-classification\s+55000\s+5000\s+10000\s+image\[28,28,1\]\s+label\[\]:int32/);
    expect(stdout).toMatch(/en-fr\s+seq2seq\s+10000\s+1000\s+1000\s+encoderInput\[9\]:int32/);
  });

  it('--json gives the specs as data', async () => {
    const { code, stdout } = await runCli(['datasets', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { id: string; task: string; sizes: object; features: { name: string; shape: number[] }[] }[];
    expect(rows.map((r) => r.id)).toEqual(datasetIds());
    for (const row of rows) {
      const spec = getDatasetSpec(row.id);
      expect(row.sizes).toEqual(spec.sizes);
      expect(row.task).toBe(spec.task);
      expect(row.features.map((f) => f.shape)).toEqual(spec.features.map((f) => f.shape));
    }
  });

  it('works through bin/netwright.mjs', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'bin/netwright.mjs'), 'datasets'], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/fashion-mnist\s+image-classification\s+55000/);
  });
});
