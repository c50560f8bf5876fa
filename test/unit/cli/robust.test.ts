/**
 * The CLI keeps its exit codes (0 ok, 1 invalid graph / stopped / unexpected, 2 unreadable or
 * bad flags) for every failure, prints one bounded line per problem, and never dumps a stack
 * unless asked with --verbose.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/netwright';
import { runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'netwright-robust-'));
const spirals = readFileSync('examples/playground-spirals.json', 'utf8');

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function withDatasetOptions(options: Record<string, unknown>): string {
  const doc = JSON.parse(spirals) as { training: { dataset: { options: unknown } } };
  doc.training.dataset.options = options;
  return JSON.stringify(doc);
}

describe('CLI failures keep their exit codes and stay short', () => {
  it('summary of out-of-range dataset options: exit 1 naming the option path', async () => {
    const r = await runCli(['summary', file('size5.json', withDatasetOptions({ size: 5 }))]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('$.training.dataset.options.size');
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
  });

  it('train of out-of-range dataset options: exit 1, one short message', async () => {
    const r = await runCli(['train', file('size5-train.json', withDatasetOptions({ size: 5 })), '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('$.training.dataset.options.size');
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it('a hostile key of a million characters is shortened, not echoed', async () => {
    const doc = JSON.parse(spirals) as Record<string, unknown>;
    doc['k'.repeat(1_000_000)] = 1;
    for (const command of ['summary', 'train']) {
      const r = await runCli([command, file(`key-${command}.json`, JSON.stringify(doc))]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\$\[?/);
      expect(r.stderr.length).toBeLessThan(4000);
    }
  });

  it('a node parameter key of a million characters is shortened too', async () => {
    const doc = JSON.parse(spirals) as { nodes: { params: Record<string, unknown> }[] };
    (doc.nodes[1] as { params: Record<string, unknown> }).params['p'.repeat(1_000_000)] = 1;
    const r = await runCli(['summary', file('param-key.json', JSON.stringify(doc))]);
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThan(4000);
  });

  it('an unexpected exception is one line and exit 1; the stack only with --verbose', async () => {
    const explode = (program: Command) => {
      program.command('explode').action(() => {
        throw new TypeError(`boom ${'x'.repeat(100_000)}`);
      });
    };
    const capture = async (args: string[]) => {
      let stderr = '';
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array) => {
        stderr += String(chunk);
        return true;
      }) as typeof process.stderr.write;
      try {
        return { code: await main(['node', 'netwright', ...args], explode), stderr };
      } finally {
        process.stderr.write = write;
      }
    };
    const quiet = await capture(['explode']);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr.trim().split('\n')).toHaveLength(1);
    expect(quiet.stderr).toMatch(/^netwright: unexpected error: TypeError: boom x+/);
    expect(quiet.stderr.length).toBeLessThan(1000);
    const verbose = await capture(['--verbose', 'explode']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('through bin/netwright.mjs: a 10^12-parameter graph is refused with exit 1, no stack, no source dump', () => {
    const doc = JSON.parse(spirals) as { nodes: { type: string; params: Record<string, unknown> }[] };
    for (const node of doc.nodes) if (node.type === 'Dense') node.params.units = 1_000_000;
    const input = doc.nodes.find((n) => n.type === 'Input' && (n.params.feature ?? '') === 'point');
    if (input) input.params.feature = '';
    if (input) input.params.shape = [1_000_000];
    const path = file('huge.json', JSON.stringify(doc));
    const r = spawnSync(process.execPath, ['bin/netwright.mjs', 'train', path, '--backend', 'cpu'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/memory budget/);
    expect(r.stderr.length).toBeLessThan(4000);
  });
});
