import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactsFromExport } from '../../../core/engine/export';
import { GraphBuilder, parseGraphText, serializeGraph } from '../../../core/graph';
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

  it('trains a GAN (examples/gan-2d.json) and prints each phase\'s loss and D(x), D(G(z))', async () => {
    const gan = join(__dirname, '../../../examples/gan-2d.json');
    const r = await runCli(['train', gan, '--epochs', '1', '--backend', 'cpu', '--limit', '256']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/epoch 1: loss [0-9.]+ {2}\[discriminator: d_loss [0-9.]+ \| generator: g_loss [0-9.]+\] {2}D\(x\) [0-9.]+ {2}D\(G\(z\)\) [0-9.]+/);
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

  it('--keep stores the run in the graph file; export writes the same model from it', async () => {
    const file = moonsGraph();
    const out = join(dir, 'kept-run');
    const r = await runCli(['train', file, '--epochs', '2', '--backend', 'cpu', '--keep', '--out', out]);
    expect(r.stderr).toMatch(/^Training/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`kept the run in ${file}`);
    const reread = parseGraphText(readFileSync(file, 'utf8'));
    expect(reread.ok).toBe(true);
    if (!reread.ok) return;
    const run = reread.graph.runs[0];
    expect(reread.graph.runs).toHaveLength(1);
    expect(run?.status).toBe('completed');
    expect(run?.curves.epochLoss).toHaveLength(2);
    expect(run?.curves.steps.length).toBe(run?.curves.epochSteps[1]);
    expect(run?.test?.metrics.accuracy).toBeGreaterThan(0);
    // The graph itself is unchanged by the run.
    expect(reread.graph.training.epochs).toBe(2);

    const exported = join(dir, 'exported');
    const e = await runCli(['export', file, '--out', exported]);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    const load = (d: string) =>
      tfl.loadLayersModel(tf.io.fromMemory(artifactsFromExport({ modelJson: readFileSync(join(d, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(d, 'weights.bin'))) })));
    const [fromTraining, fromFile] = await Promise.all([load(out), load(exported)]);
    const x = tf.tensor2d([[0.5, 0.25], [-1, 0.3]]);
    const a = fromTraining.predict(x) as tf.Tensor;
    const b = fromFile.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    fromTraining.dispose();
    fromFile.dispose();

    const summary = await runCli(['summary', file]);
    expect(summary.stdout).toMatch(/Kept runs \(netwright export .* --run <n> --out <dir>\):\n {2}1\. run-\d+ {2}moons \(command line, cpu, seed \d+\) {2}completed, 2 epochs, test accuracy 0\.\d{4}/);
    const missing = await runCli(['export', file, '--out', exported, '--run', '7']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/has no run "7"; its runs:\n {2}1\. run-\d+/);
    const none = await runCli(['export', moonsGraph('circles'), '--out', exported]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/keeps no runs/);
  });
});
