/**
 * inspect, export and train read their graph through one helper (cli/read-graph.ts
 * readValidGraph): an unreadable file is exit 2 naming the file, an invalid graph exit 1 naming
 * the file and each problem's path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'netwright-read-'));
const missing = path.join(dir, 'missing.json');
const invalid = path.join(dir, 'invalid.json');
// An example whose first node lost its type: the problem has a path into the document.
const example = JSON.parse(readFileSync('examples/mlp-mnist.json', 'utf8')) as { nodes: Record<string, unknown>[] };
delete example.nodes[0]?.type;
writeFileSync(invalid, JSON.stringify(example));

const commands: Record<string, (file: string) => string[]> = {
  inspect: (file) => ['inspect', file],
  export: (file) => ['export', file, '--out', path.join(dir, 'out')],
  train: (file) => ['train', file],
};

describe('the commands that need a valid graph read it alike', () => {
  for (const [name, args] of Object.entries(commands)) {
    it(`${name}: a missing file is exit 2 naming it`, async () => {
      const r = await runCli(args(missing));
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`netwright: cannot read ${missing}: no such file\n`);
    });
    it(`${name}: an invalid graph is exit 1 naming the file and the problem's path`, async () => {
      const r = await runCli(args(invalid));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^netwright: ${invalid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid graph:\n  \\$\\.nodes\\[0\\]`));
    });
  }
});
