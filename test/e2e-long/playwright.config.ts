/**
 * Long end-to-end scripts, not part of `npm run test:e2e` (each trains for minutes):
 *   npm run build:web && E2E_PORT=4340 npx playwright test -c test/e2e-long/playwright.config.ts
 * Same browser and server as the suite (../../playwright.config.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import suite from '../../playwright.config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  ...suite,
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: `${root}test-results`,
  timeout: 30 * 60_000,
  webServer: { ...(suite.webServer as object), cwd: root } as typeof suite.webServer,
});
