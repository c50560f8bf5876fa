/**
 * Benchmarks of the training UI: the e2e setup (web build, system Chromium), another folder.
 * BENCH_BASELINE=<folder of another web build> serves that build too (on E2E_PORT + 1), so the
 * bench compares both builds side by side, interleaved, in one run.
 */
import { defineConfig } from '@playwright/test';
import path from 'node:path';
import base from '../../playwright.config';

const root = path.resolve(import.meta.dirname, '../..');
const PORT = Number(process.env.E2E_PORT ?? 4173);
const baseline = process.env.BENCH_BASELINE;
const server = base.webServer && !Array.isArray(base.webServer) ? { ...base.webServer, cwd: root } : null;

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '**/*.bench.ts',
  timeout: 1_800_000,
  outputDir: path.join(root, 'test-results'),
  // No Playwright trace: while it records, every action (each mouse move of a pan) snapshots the
  // DOM in the page, which costs the main thread more than the app does.
  use: { ...base.use, trace: 'off', screenshot: 'off', video: 'off' },
  webServer: server
    ? [
        server,
        ...(baseline
          ? [{ ...server, command: `node scripts/web.mjs --root ${JSON.stringify(path.resolve(baseline))} --port ${PORT + 1}`, url: `http://127.0.0.1:${PORT + 1}/` }]
          : []),
      ]
    : base.webServer,
});
