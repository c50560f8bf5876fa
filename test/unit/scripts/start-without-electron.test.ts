/** `npm start` where the Electron runtime is missing: one clear paragraph, no stack trace. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('scripts/start.mjs without the Electron runtime', () => {
  it('explains how to get Electron and points to the web mode', () => {
    // An empty override folder guarantees "no binary" even where Electron is installed.
    const empty = mkdtempSync(path.join(os.tmpdir(), 'netwright-no-electron-'));
    try {
      const run = spawnSync(process.execPath, ['scripts/start.mjs'], {
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
        stdio: ['ignore', 'pipe', 'pipe'], // not a TTY: no question, just the command
        encoding: 'utf8',
        timeout: 30_000,
      });
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status).toBe(1);
      expect(output).toContain('the Electron runtime is not installed');
      expect(output).toContain('npm install');
      expect(output).toContain('To use the web version, run: npm run web');
      expect(output).not.toMatch(/^\s+at /m); // no stack trace
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
