/** Benchmarks of the training UI: the e2e setup (web build, system Chromium), another folder. */
import { defineConfig } from '@playwright/test';
import path from 'node:path';
import base from '../../playwright.config';

const root = path.resolve(import.meta.dirname, '../..');

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '**/*.bench.ts',
  timeout: 600_000,
  outputDir: path.join(root, 'test-results'),
  webServer: base.webServer && !Array.isArray(base.webServer) ? { ...base.webServer, cwd: root } : base.webServer,
});
