/**
 * core/ is pure TypeScript shared by the UI, the engine worker and the Node CLI: it may not import
 * React, React Flow, Electron, zustand, or the renderer/electron/cli folders. Checked twice: by
 * scanning every import in core/, and by running the lint rule on examples that must fail.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { importSpecifiers } from './imports';

const ROOT = process.cwd();
const CORE = path.join(ROOT, 'core');
const FORBIDDEN_PACKAGES = [/^react(-dom)?(\/|$)/, /^electron(\/|$)/, /^@xyflow\//, /^zustand(\/|$)/, /^zundo(\/|$)/];
const FORBIDDEN_FOLDERS = [path.join(ROOT, 'renderer'), path.join(ROOT, 'electron'), path.join(ROOT, 'cli')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(entry) ? [full] : [];
  });
}

function violation(file: string, specifier: string): string | null {
  if (FORBIDDEN_PACKAGES.some((re) => re.test(specifier))) return specifier;
  if (specifier.startsWith('.')) {
    const target = path.resolve(path.dirname(file), specifier);
    if (FORBIDDEN_FOLDERS.some((folder) => target === folder || target.startsWith(folder + path.sep))) return specifier;
  }
  return null;
}

describe('core/ imports', () => {
  it('the scanner finds every kind of import (it can fail)', () => {
    const sample = `
      import React from 'react';
      import type { Node } from '@xyflow/react';
      export * from '../renderer/App';
      const e = await import('electron');
      const z = require('zustand');
      import './side-effect';
    `;
    expect(importSpecifiers(sample).sort()).toEqual(['../renderer/App', './side-effect', '@xyflow/react', 'electron', 'react', 'zustand']);
    const file = path.join(CORE, 'x', 'y.ts');
    expect(violation(file, '../../renderer/App')).toBe('../../renderer/App');
    expect(violation(file, '../../electron/api')).toBe('../../electron/api');
    expect(violation(file, 'react-dom/client')).toBe('react-dom/client');
    expect(violation(file, '../shapes/shape')).toBeNull();
    expect(violation(file, '@tensorflow/tfjs-core')).toBeNull();
  });

  it('no file in core/ imports UI, Electron or state libraries, or the renderer/electron/cli folders', () => {
    const files = sourceFiles(CORE);
    expect(files.length).toBeGreaterThan(0);
    const problems = files.flatMap((file) =>
      importSpecifiers(readFileSync(file, 'utf8'))
        .map((s) => violation(file, s))
        .filter((v): v is string => v !== null)
        .map((v) => `${path.relative(ROOT, file)} imports ${v}`),
    );
    expect(problems).toEqual([]);
  });

  it('the lint rule rejects the same imports in core/ and allows them in renderer/', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const lint = async (filePath: string, code: string) => {
      const [result] = await eslint.lintText(code, { filePath });
      return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').length;
    };
    const bad = [
      "import { useState } from 'react';",
      "import { createRoot } from 'react-dom/client';",
      "import { app } from 'electron';",
      "import { ReactFlow } from '@xyflow/react';",
      "import { create } from 'zustand';",
      "import { App } from '../../renderer/App';",
      "import { CHANNELS } from '../../electron/api';",
    ];
    for (const line of bad) {
      expect(await lint('core/engine/example.ts', `${line}\nexport const used = [${line.match(/\{ (\w+) \}/)?.[1]}];\n`), line).toBeGreaterThan(0);
    }
    expect(await lint('core/engine/example.ts', "import * as tf from '@tensorflow/tfjs-core';\nexport const t = tf;\n")).toBe(0);
    expect(await lint('renderer/example.ts', "import { useState } from 'react';\nexport const s = useState;\n")).toBe(0);
    // The renderer reaches Electron only through the IPC contract.
    expect(await lint('renderer/example.ts', "import { app } from 'electron';\nexport const a = app;\n")).toBeGreaterThan(0);
    expect(await lint('renderer/example.ts', "import { createIpcRouter } from '../electron/ipc';\nexport const r = createIpcRouter;\n")).toBeGreaterThan(0);
    expect(await lint('renderer/example.ts', "import type { NetwrightBridge } from '../electron/api';\nexport type B = NetwrightBridge;\n")).toBe(0);
  });
});
