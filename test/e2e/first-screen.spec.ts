import { expect, test, type ConsoleMessage } from '@playwright/test';
import { mkdirSync } from 'node:fs';

test.describe('first screen (web mode)', () => {
  test('loads the shell, names a working tfjs backend and breaks no security rule', async ({ page }) => {
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
      // Workers report CSP violations as warnings.
      else if (/Content Security Policy/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
    });

    const response = await page.goto('/');
    expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);

    await expect(page.getByRole('banner')).toContainText('Netwright');
    await expect(page.getByTestId('file-name')).toHaveText('Untitled graph');

    // The canvas is a live React Flow pane with the empty-state hint.
    const canvas = page.getByTestId('canvas');
    await expect(canvas.locator('.react-flow__pane')).toBeVisible();
    await expect(canvas).toContainText('Drag a layer from the palette, or open a template');

    // The palette lists the catalogue; Dense is a core layer that must be there.
    const palette = page.getByRole('complementary', { name: 'Layer palette' });
    await expect(palette.getByRole('region', { name: 'Core' })).toContainText('Dense');
    await expect(page.getByRole('complementary', { name: 'Inspector' })).toContainText(
      'Select a node to edit its parameters',
    );

    // The worker probes backends; wait until the status bar names the one chosen.
    const backendName = page.getByTestId('backend-name');
    await expect(backendName).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
    const chosen = (await backendName.textContent()) ?? '';

    // Hovering explains why earlier backends were skipped.
    await backendName.hover();
    const details = page.getByRole('tooltip');
    await expect(details).toBeVisible();
    await expect(details).toContainText('TensorFlow.js 4.22.0');
    if (chosen !== 'webgpu') await expect(details).toContainText('webgpu skipped');
    // wasm works in every Chromium (it needs the CSP's 'wasm-unsafe-eval' and the served .wasm
    // files): it is chosen or a GPU backend beat it, never skipped. cpu is only a last resort.
    expect(chosen).not.toBe('cpu');
    await expect(details).not.toContainText('wasm skipped');
    // Netwright's wasm SIMD kernels (core/engine/simd) were fetched and compiled in the worker, and
    // run on the memory of tfjs' threaded wasm module (the page is cross-origin isolated).
    await expect(page.getByTestId('simd-kernels')).toHaveText(
      chosen === 'wasm' ? "Netwright SIMD kernels: in use on tfjs' wasm memory (shared: threaded build)" : 'Netwright SIMD kernels: compiled',
    );

    mkdirSync('docs/screenshots', { recursive: true });
    await page.mouse.move(720, 450); // close the tooltip for a clean picture
    await page.screenshot({ path: 'docs/screenshots/first-screen.png' });

    // No CSP violation, no uncaught error anywhere on the way.
    expect(problems).toEqual([]);
  });
});

test('keyboard shortcuts reach the shell as menu commands (web platform)', async ({ page }) => {
  await page.goto('/');
  const viewport = page.locator('.react-flow__viewport');
  await expect(viewport).toBeVisible();
  const scale = () => viewport.evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);
  await page.getByTestId('canvas').click({ position: { x: 200, y: 200 } });
  await page.keyboard.press('Control+Equal');
  await expect.poll(scale).toBeGreaterThan(1.05);
  await page.keyboard.press('Control+Digit0');
  await expect.poll(scale).toBeCloseTo(1, 5);
  await page.keyboard.press('Control+Minus');
  await expect.poll(scale).toBeLessThan(0.95);
});
