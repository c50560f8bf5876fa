import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactsFromExport } from '../../../core/engine/export';
import { GraphBuilder, serializeGraph } from '../../../core/graph';
import { runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'netwright-train-'));

function moonsGraph(dataset = 'moons'): string {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const o = g.add('Dense', { units: 2 }, g.add('Dense', { units: 8, activation: 'tanh' }, x));
  g.add('SparseCategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
  g.training({ dataset: { id: dataset, options: {} }, epochs: 2, learningRate: 0.01 });
  const path = join(dir, `${dataset}.json`);
  writeFileSync(path, serializeGraph(g.build()));
  return path;
}

describe('netwright train', () => {
  it('prints JSON lines per epoch, evaluates on test and saves a loadable model', async () => {
    const out = join(dir, 'run');
    const r = await runCli(['train', moonsGraph(), '--json', '--epochs', '3', '--seed', '5', '--backend', 'cpu', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.event === 'epoch').map((l) => l.epoch)).toEqual([1, 2, 3]);
    const done = lines.at(-1) as { event: string; status: string; test: { samples: number; metrics: { accuracy: number } }; manifest: { seed: number; backend: string } };
    expect(done).toMatchObject({ event: 'done', status: 'completed', test: { samples: 200 }, manifest: { seed: 5, backend: 'cpu' } });

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { seed: number; graphHash: string };
    expect(manifest.seed).toBe(5);
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory(artifactsFromExport({ modelJson: readFileSync(join(out, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(out, 'weights.bin'))) })),
    );
    const prediction = model.predict(tf.tensor2d([[0.5, 0.25]])) as tf.Tensor;
    expect(prediction.shape).toEqual([1, 2]);
    expect(Array.from(prediction.dataSync()).every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('explains an unknown dataset, an unknown backend and a missing file', async () => {
    const bad = await runCli(['train', moonsGraph('nope')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown dataset "nope"|has no feature|unknown dataset 'nope'/);
    const backend = await runCli(['train', moonsGraph(), '--backend', 'cuda']);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/unknown backend "cuda"/);
    expect((await runCli(['train', join(dir, 'missing.json')])).code).toBe(2);
    expect((await runCli(['train', moonsGraph(), '--epochs', '0'])).code).toBe(2);
  });
});
