/**
 * node/ holds the Node-only helpers that electron/, cli/ and scripts/ share (one atomic write for
 * all of them). It depends on Node built-ins alone; core/ and renderer/ never import it.
 */
import { ESLint } from 'eslint';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSpecifiers } from './imports';

const ROOT = process.cwd();

function filesIn(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|tsx|mjs)$/.test(f))
    .map((f) => path.join(ROOT, dir, f));
}

describe('node/ (shared Node modules)', () => {
  it('imports only Node built-ins and its own files', () => {
    const files = filesIn('node');
    expect(files.length).toBeGreaterThan(0);
    const problems = files.flatMap((file) =>
      importSpecifiers(readFileSync(file, 'utf8'))
        .filter((s) => !s.startsWith('node:') && !(s.startsWith('.') && path.resolve(path.dirname(file), s).startsWith(path.join(ROOT, 'node'))))
        .map((s) => `${path.relative(ROOT, file)} imports ${s}`),
    );
    expect(problems).toEqual([]);
  });

  it('electron/, cli/ and scripts/ write files through node/atomic-write.ts; no other copy exists', () => {
    const users = ['electron', 'cli', 'scripts'].flatMap(filesIn).filter((f) => importSpecifiers(readFileSync(f, 'utf8')).some((s) => s.endsWith('node/atomic-write')));
    const folders = new Set(users.map((f) => path.relative(ROOT, f).split(path.sep)[0]));
    expect([...folders].sort()).toEqual(['cli', 'electron', 'scripts']);
    // A rename over a target outside node/ would be another hand-rolled atomic write.
    const copies = ['electron', 'cli', 'scripts'].flatMap(filesIn).filter((f) => /\brename\(/.test(readFileSync(f, 'utf8')));
    expect(copies.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('the lint rule keeps node/ out of core/ and the renderer, and core/ out of node/', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const lint = async (filePath: string, code: string) => {
      const [result] = await eslint.lintText(code, { filePath });
      return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').length;
    };
    const line = "import { writeFileAtomic } from '../../node/atomic-write';\nexport const w = writeFileAtomic;\n";
    expect(await lint('core/graph/example.ts', line)).toBeGreaterThan(0);
    expect(await lint('renderer/state/example.ts', line)).toBeGreaterThan(0);
    expect(await lint('cli/commands/example.ts', line)).toBe(0);
    expect(await lint('electron/example.ts', "import { writeFileAtomic } from '../node/atomic-write';\nexport const w = writeFileAtomic;\n")).toBe(0);
    expect(await lint('node/example.ts', "import { parseGraph } from '../core/graph';\nexport const p = parseGraph;\n")).toBeGreaterThan(0);
    expect(await lint('node/example.ts', "import { app } from 'electron';\nexport const a = app;\n")).toBeGreaterThan(0);
    expect(await lint('node/example.ts', "import { rename } from 'node:fs/promises';\nexport const r = rename;\n")).toBe(0);
  });
});
