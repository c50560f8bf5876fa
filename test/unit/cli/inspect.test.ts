/**
 * `netwright inspect` over every example and every view it supports: each example is trained
 * for one tiny epoch and kept (`train --keep --limit 16`), then every view its run supports is
 * computed as JSON and drawn as a PNG. Together the examples cover every view of the registry.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VIEW_KINDS } from '../../../core/inspect/registry';
import { runCli } from './run-cli';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');
const dir = mkdtempSync(join(tmpdir(), 'netwright-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR, after checking the signature. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

const seen = new Set<string>();
/** Views each kind of example must offer (so the loop cannot pass by offering none). */
const EXPECTED: Record<string, string[]> = {
  'mlp-mnist': ['sample', 'activations', 'gradient-flow', 'histograms', 'confusion'],
  'seq2seq-dates': ['attention', 'decode'],
  'transformer-sentiment': ['attention', 'confusion'],
  'vae-mlp-mnist': ['vae', 'decode-latent'],
  'cvae-mnist': ['vae', 'decode-latent', 'generate'],
  'gan-2d': ['gan-samples', 'gan-field', 'gan-game', 'gan-interpolate'],
  'dcgan-mnist': ['gan-samples', 'gan-game', 'gan-interpolate'],
  'dcgan-fashion-mnist': ['gan-samples', 'gan-game', 'gan-interpolate'],
  'cgan-mnist': ['gan-samples', 'gan-game', 'gan-interpolate'],
};

describe('netwright inspect', () => {
  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort();

  it.each(examples)('computes and draws every view %s supports', async (name) => {
    const file = join(dir, name);
    copyFileSync(join(EXAMPLES, name), file);
    const trained = await runCli(['train', file, '--epochs', '1', '--limit', '16', '--batch-size', '16', '--keep']);
    expect(trained.code, trained.stderr).toBe(0);
    const listed = await runCli(['inspect', file, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const views = (JSON.parse(listed.stdout) as { views: string[] }).views;
    expect(views).toEqual(expect.arrayContaining(EXPECTED[name.replace(/\.json$/, '')] ?? ['sample', 'activations']));
    for (const view of views) {
      const png = join(dir, `${name}-${view}.png`);
      const out = await runCli(['inspect', file, '--run', '1', '--view', view, '--json', '--png', png]);
      const result = JSON.parse(out.stdout) as { kind: string; image?: unknown };
      expect(result.kind).toBe(view);
      seen.add(view);
      if (view === 'sample' && result.image === null) {
        // A sample of text or points: JSON only.
        expect(out.code).toBe(1);
        expect(out.stderr).toContain('has nothing to draw (the dataset has no images); use --json');
        continue;
      }
      expect(out.code, `${view}: ${out.stderr}`).toBe(0);
      const [width, height] = pngSize(png);
      expect(width * height, view).toBeGreaterThan(0);
    }
  }, 300_000);

  it('covered every view of the registry', () => {
    expect([...seen].sort()).toEqual([...VIEW_KINDS].sort());
  });

  it('refuses an unknown view and a view the run does not support, naming them', async () => {
    const file = join(dir, 'mlp-mnist.json');
    const unknown = await runCli(['inspect', file, '--view', 'saliency']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no view "saliency"; the views: ');
    const unsupported = await runCli(['inspect', file, '--view', 'attention']);
    expect(unsupported.code).toBe(1);
    expect(unsupported.stderr).toMatch(/does not support the attention view .* it supports: sample, activations/);
    const decoded = await runCli(['inspect', join(dir, 'seq2seq-dates.json'), '--view', 'decode', '--input', '1999-12-31']);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stdout).toContain('input: 1999-12-31');
  }, 120_000);
});
