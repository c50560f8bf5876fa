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
  // Two spec files at once (E2E_WORKERS to change it): CI has 2 cores, and one worker left them
  // idle much of the time. Measured on 2 shared cores at load 20-31 (2026-12-05): all 80 tests
  // passed in 17.8 min with two workers, 25.7 min with one (load 12-30); backend-agreement and
  // backend-gradients (both webgl on SwiftShader) ran side by side in 2.9 and 1.2 min.
  workers: Number(process.env.E2E_WORKERS ?? 2),
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
        // The page is drawn and composited on the CPU (Skia) rather than through SwiftShader's
        // emulated GL; WebGL and WebGPU still run on SwiftShader in the GPU process. In
        // editor-layout.spec.ts that cut Chromium's GPU process from 24.5 to 5.2 CPU-s and the
        // whole file from ~69 to ~50 CPU-s (load ~20).
        '--disable-gpu-rasterization',
        '--disable-gpu-compositing',
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
