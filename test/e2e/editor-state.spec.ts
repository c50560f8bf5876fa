/**
 * The editor as a person uses it, the state part (issue #12): one training setup that always shows
 * the document's values and refuses what the document would refuse; a document switch clears every
 * view of the previous model; unique node names; the graph's name in the header; dock tabs named
 * for what they hold.
 */
import { expect, test, type Page } from '@playwright/test';
import { clickPane, documentOf, openTemplate } from './editor-helpers';

async function open(page: Page, query = ''): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  // "Discard the unsaved changes?" when a template replaces an edited document: yes.
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`/${query}`);
  await expect(page.getByTestId('canvas')).toBeVisible();
  return problems;
}

/** The dock's field with this label (the setup form lives in the dock). */
const setupField = (page: Page, label: string) => page.getByTestId('training-dock').getByLabel(label, { exact: true });

for (const viewport of [
  { width: 1024, height: 700 },
  { width: 1600, height: 1000 },
]) {
  test.describe(`training setup at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test('the setup is shown once, and a field shows the document value after undo', async ({ page }) => {
      const problems = await open(page);
      await openTemplate(page, 'mlp-mnist');
      await clickPane(page);
      const epochs = setupField(page, 'Epochs');
      await expect(epochs).toBeVisible();
      await expect(epochs).toHaveValue('10');
      await epochs.fill('3');
      await epochs.press('Tab');
      expect((await documentOf(page)).training.epochs).toBe(3);
      await expect(epochs).toHaveValue('3');
      await clickPane(page);
      await page.keyboard.press('Control+z');
      expect((await documentOf(page)).training.epochs).toBe(10);
      await expect(epochs).toHaveValue('10');
      await page.keyboard.press('Control+Shift+z');
      await expect(epochs).toHaveValue('3');
      // A template load replaces the value too.
      await openTemplate(page, 'playground-spirals');
      await expect(setupField(page, 'Epochs')).toHaveValue('200');
      await expect(setupField(page, 'Learning rate')).toHaveValue('0.01');
      // One form: nowhere else on the page is there a learning-rate or epochs field.
      await expect(page.getByLabel('Learning rate', { exact: true })).toHaveCount(1);
      await expect(page.getByLabel('Epochs', { exact: true })).toHaveCount(1);
      await page.getByTestId('training-dock').screenshot({ path: `docs/screenshots/training-setup-${viewport.width}.png` });
      expect(problems).toEqual([]);
    });

    test('an out-of-range value is refused at the field with the reason and never reaches the document', async ({ page }) => {
      await open(page);
      await openTemplate(page, 'mlp-mnist');
      await clickPane(page);
      const before = await documentOf(page);
      const seed = setupField(page, 'Seed');
      await seed.fill('3000000000');
      await seed.press('Enter');
      await expect(page.getByTestId('training-dock').getByRole('alert').filter({ hasText: /Seed must be between 0 and 2147483647/ })).toBeVisible();
      expect((await documentOf(page)).training.seed).toBe(before.training.seed);
      await seed.press('Tab');
      await expect(seed).toHaveValue(String(before.training.seed));
      const clip = setupField(page, 'Clip gradient norm');
      await clip.fill('0');
      await clip.press('Enter');
      await expect(page.getByTestId('training-dock').getByRole('alert').filter({ hasText: /Clip gradient norm must be greater than 0/ })).toBeVisible();
      expect((await documentOf(page)).training.gradientClipNorm).toBeNull();
      // The document still saves as a file that opens.
      const errors = await page.evaluate(() => window.__netwright?.analyze().issues.filter((i) => i.severity === 'error').length);
      expect(errors).toBe(0);
    });
  });
}

test.describe('a document switch resets the views', () => {
  test.use({ viewport: { width: 1600, height: 1000 } });

  test('after training the MLP, opening a template clears status, curves, gradients and the overlay', async ({ page }) => {
    const problems = await open(page, '?trainLimit=256');
    await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
    await openTemplate(page, 'mlp-mnist');
    await setupField(page, 'Epochs').fill('1');
    await setupField(page, 'Epochs').press('Enter');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('run-state')).toHaveText(/completed/, { timeout: 90_000 });
    await page.getByTestId('tab-gradients').click();
    await expect(page.getByTestId('gradient-table')).toContainText('hidden');
    await page.getByTestId('edge-overlay-toggle').check();
    await expect.poll(() => page.evaluate(() => window.__netwright?.store.getState().edgeOverlay !== null)).toBe(true);

    await openTemplate(page, 'playground-spirals');
    await expect(page.getByTestId('training-progress')).toHaveCount(0);
    await expect(page.getByTestId('gradient-table')).toHaveCount(0);
    expect(await page.evaluate(() => window.__netwright?.store.getState().edgeOverlay)).toBeNull();
    await page.getByTestId('tab-curves').click();
    await expect(page.getByTestId('loss-chart')).toHaveCount(0);
    // The previous graph's run is still listed, under its own graph, not overlaid.
    await page.getByTestId('tab-runs').click();
    await expect(page.getByTestId('training-dock')).toContainText('MLP classifier (MNIST)');
    await page.getByTestId('training-dock').screenshot({ path: 'docs/screenshots/document-switch.png' });
    expect(problems).toEqual([]);
  });
});

test.describe('names and the header', () => {
  test('the header shows the template graph name', async ({ page }) => {
    await open(page);
    await expect(page.getByTestId('file-name')).toHaveText('Untitled graph');
    await openTemplate(page, 'mlp-mnist');
    await expect(page.getByTestId('file-name')).toHaveText('MLP classifier (MNIST)');
  });

  test('duplicate gives fresh names; renaming to a name in use is refused with the reason', async ({ page }) => {
    await open(page);
    await openTemplate(page, 'mlp-mnist');
    await page.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['hidden'], edges: [] }));
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('Control+d');
    const doc = await documentOf(page);
    const names = doc.nodes.map((n) => n.name ?? n.id);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('hidden_2');
    await page.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['logits'], edges: [] }));
    const name = page.locator('#node-name');
    await name.fill('hidden');
    await name.press('Enter');
    await expect(page.getByRole('alert').filter({ hasText: /"hidden" is already the name of another node/ })).toBeVisible();
    expect((await documentOf(page)).nodes.find((n) => n.id === 'logits')?.name).toBe('logits');
  });
});

test.describe('dock tabs', () => {
  test.use({ viewport: { width: 1600, height: 1000 } });
  test('tabs are named for what they hold', async ({ page }) => {
    await open(page);
    const tabs = page.getByTestId('training-dock').getByRole('tab');
    await expect(tabs).toHaveText(['Setup', 'Curves', 'Activations', 'Attention', 'Gradients', 'Confusion matrix', 'VAE', 'Runs']);
  });
});
