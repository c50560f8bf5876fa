/**
 * End-to-end tests: the built web app, served by scripts/web.mjs, in the system Chromium
 * (/usr/bin/chromium; Playwright's own browser downloads are never used).
 */
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT ?? 4173);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  // One worker unless E2E_WORKERS says more. A run used ~6 min of CPU in 21.5 min real (load 4-5),
  // so two workers should help on a quiet 2-core machine, but that is not proven: at load ~18,
  // backend-gradients (webgl on SwiftShader) ran beside backend-agreement and exceeded its 180 s timeout.
  workers: Number(process.env.E2E_WORKERS ?? 1),
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  forbidOnly: !!process.env.CI,
  // 'list' in CI too: it prints each test's duration; the slowest files are listed at the end.
  reporter: [['list']],
  reportSlowTests: { max: 15, threshold: 20_000 },
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
      ],
    },
  },
  webServer: {
    // The test script builds first; --no-build keeps the server from rebuilding during tests.
    command: `node scripts/web.mjs --no-build --port ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
