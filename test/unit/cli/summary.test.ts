import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, serializeGraph } from '../../../core/graph';
import { runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'netwright-cli-'));

function writeGraph(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function mlpText(units = 128): string {
  const g = new GraphBuilder('MLP');
  const x = g.add('Input', { shape: [28, 28, 1] });
  const o = g.add('Dense', { units: 10 }, g.add('Dense', { units, activation: 'relu' }, g.add('Flatten', {}, x)));
  g.add('CategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [10] }) });
  return serializeGraph(g.build());
}

describe('netwright summary', () => {
  it('prints the Keras-like table', async () => {
    const r = await runCli(['summary', writeGraph('mlp.json', mlpText())]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Total params: 101,770');
    expect(r.stdout).toMatch(/dense \(Dense\)\s+\[batch, 128\]\s+100,480\s+flatten/);
  });

  it('prints JSON with --json', async () => {
    const r = await runCli(['summary', '--json', writeGraph('mlp2.json', mlpText(64))]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { valid: boolean; totals: { total: number } };
    expect(json.valid).toBe(true);
    expect(json.totals.total).toBe(784 * 64 + 64 + 64 * 10 + 10);
  });

  it('exits 1 with the errors of an invalid graph', async () => {
    const broken = mlpText().replace('"units": 128', '"units": -4');
    const r = await runCli(['summary', writeGraph('bad.json', broken)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\$\.nodes\[2\]\.params\.units: Too small/);
    const shapeBroken = mlpText().replace('"type": "Flatten"', '"type": "Dropout"');
    const r2 = await runCli(['summary', writeGraph('shape.json', shapeBroken)]);
    expect(r2.code).toBe(1);
  });

  it('exits 2 on unreadable input', async () => {
    const r = await runCli(['summary', join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such file/);
    expect((await runCli(['summary', dir])).code).toBe(2);
  });
});
