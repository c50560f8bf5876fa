import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

// Main-process logic must load under plain Node, where `require('electron')` throws: only the two
// entry points may import Electron's runtime; the rest take it as a parameter (type imports only).
const ENTRY_POINTS = new Set(['main.ts', 'preload.ts']);
const VALUE_IMPORT_OF_ELECTRON = /^\s*import\s+(?!type\b)[^;]*from\s+['"]electron['"]/m;

describe('electron/ modules', () => {
  const files = readdirSync('electron').filter((f) => f.endsWith('.ts'));

  it('import Electron at runtime only in main.ts and preload.ts', () => {
    for (const file of files) {
      const source = readFileSync(path.join('electron', file), 'utf8');
      const importsElectron = VALUE_IMPORT_OF_ELECTRON.test(source) || /require\(['"]electron['"]\)/.test(source);
      expect(importsElectron, file).toBe(ENTRY_POINTS.has(file));
    }
  });

  it('all load in plain Node', async () => {
    for (const file of files.filter((f) => !ENTRY_POINTS.has(f))) {
      await expect(import(`../../../electron/${file}`), file).resolves.toBeTypeOf('object');
    }
  });
});
