/**
 * The editor as a person uses it, the state part (issue #12): one training setup that always shows
 * the document's values and refuses what the document would refuse; a document switch clears every
 * view of the previous model; unique node names; the graph's name in the header; dock tabs named
 * for what they hold.
 */
import { readFileSync } from 'node:fs';
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

/** The two window sizes issue 12 asks every editor-state check to pass at. */
const BOTH_SIZES = [
  { width: 1024, height: 700 },
  { width: 1600, height: 1000 },
];

/** A describe block run once per window size, its title suffixed with the size. */
function describeAtBothSizes(title: string, body: (viewport: { width: number; height: number }) => void): void {
  for (const viewport of BOTH_SIZES) {
    test.describe(`${title} at ${viewport.width}x${viewport.height}`, () => {
      test.use({ viewport });
      body(viewport);
    });
  }
}

describeAtBothSizes('training setup', (viewport) => {
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

describeAtBothSizes("the dataset's own options", () => {
  test('are fields from their declaration: out of bounds is refused at the field, a valid value reaches the document', async ({ page }) => {
    const problems = await open(page);
    await openTemplate(page, 'playground-spirals');
    await clickPane(page);
    const points = setupField(page, 'Points');
    await expect(points).toHaveValue('1000');
    await points.fill('5');
    await points.press('Enter');
    await expect(page.getByTestId('training-dock').getByRole('alert').filter({ hasText: /Points must be between 10 and 1000000/ })).toBeVisible();
    expect((await documentOf(page)).training.dataset?.options).toEqual({});
    await points.fill('400');
    await points.press('Enter');
    expect((await documentOf(page)).training.dataset?.options).toEqual({ size: 400 });
    await setupField(page, 'Noise').fill('0.3');
    await setupField(page, 'Noise').press('Enter');
    expect((await documentOf(page)).training.dataset?.options).toEqual({ size: 400, noise: 0.3 });
    // The document's value is shown again after undo.
    await clickPane(page);
    await page.keyboard.press('Control+z');
    await expect(setupField(page, 'Noise')).not.toHaveValue('0.3');
    expect(problems).toEqual([]);
  });
});

describeAtBothSizes('a document switch resets the views', (viewport) => {
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
    await expect(page.getByTestId('run-other-graph')).toBeVisible();
    // Keeping it would store another graph's run in this document.
    await expect(page.getByTestId('run-keep-1')).toBeDisabled();
    if (viewport.width === 1600) await page.getByTestId('training-dock').screenshot({ path: 'docs/screenshots/document-switch.png' });
    expect(problems).toEqual([]);
  });
});

describeAtBothSizes('names and the header', () => {
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

describeAtBothSizes('dock tabs', () => {
  test('tabs are named for what they hold', async ({ page }) => {
    await open(page);
    const tabs = page.getByTestId('training-dock').getByRole('tab');
    await expect(tabs).toHaveText(['Setup', 'Curves', 'Activations', 'Attention', 'Gradients', 'Confusion matrix', 'VAE', 'GAN', 'Runs']);
  });
});

describeAtBothSizes('recent files in web mode', () => {
  test('Recent reopens the file itself after a reload; a file that fails to open leaves the list', async ({ page }) => {
    const problems = await open(page);
    const graph = readFileSync('examples/mlp-mnist.json', 'utf8');
    // Real file handles from the origin-private file system stand in for the picker's.
    await page.evaluate(async (text) => {
      const root = await navigator.storage.getDirectory();
      for (const [name, contents] of [['kept.json', text], ['broken.json', '{ not json']] as const) {
        const handle = await root.getFileHandle(name, { create: true });
        const writable = await handle.createWritable();
        await writable.write(contents);
        await writable.close();
      }
    }, graph);
    const pick = (name: string) =>
      page.evaluate(async (n) => {
        const root = await navigator.storage.getDirectory();
        const handle = await root.getFileHandle(n);
        (window as unknown as { showOpenFilePicker: () => Promise<unknown[]> }).showOpenFilePicker = async () => [handle];
      }, name);
    await pick('kept.json');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('file-name')).toHaveText('kept.json');

    await page.reload();
    await expect(page.getByTestId('canvas')).toBeVisible();
    // The picker would now fail: Recent must reopen the kept handle itself.
    await page.evaluate(() => {
      (window as unknown as { showOpenFilePicker: () => Promise<unknown[]> }).showOpenFilePicker = async () => {
        throw new Error('the picker was shown');
      };
    });
    await page.getByRole('button', { name: 'Recent ▾' }).click();
    await page.getByRole('menuitem').filter({ hasText: 'kept.json' }).click();
    await expect(page.getByTestId('file-name')).toHaveText('kept.json');
    expect((await documentOf(page)).nodes).toHaveLength(7);

    // broken.json opens through the picker, fails to parse, and is not offered again.
    await pick('broken.json');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    const errorDialog = page.getByTestId('file-error-dialog');
    await expect(errorDialog).toBeVisible();
    await errorDialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Recent ▾' }).click();
    await page.getByRole('menuitem').filter({ hasText: 'broken.json' }).click();
    await expect(errorDialog).toBeVisible();
    await errorDialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Recent ▾' }).click();
    await expect(page.getByRole('menuitem').filter({ hasText: 'broken.json' })).toHaveCount(0);
    await expect(page.getByRole('menuitem').filter({ hasText: 'kept.json' })).toHaveCount(1);

    // kept.json is deleted behind the app's back (the menu is still open): Recent says so and drops it.
    await page.evaluate(async () => (await navigator.storage.getDirectory()).removeEntry('kept.json'));
    await page.getByRole('menuitem').filter({ hasText: 'kept.json' }).click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Opening failed' })).toBeVisible();
    await page.getByRole('button', { name: 'Recent ▾' }).click();
    await expect(page.getByRole('menuitem').filter({ hasText: 'kept.json' })).toHaveCount(0);
    await expect(page.getByText('No recent files')).toBeVisible();
    expect(problems).toEqual([]);
  });
});

describeAtBothSizes('runs bookkeeping', () => {
  test('a file with a kept run, reopened in the same session, lists that run once', async ({ page }) => {
    await page.addInitScript(() => Object.assign(window, { showOpenFilePicker: undefined, showSaveFilePicker: undefined }));
    const problems = await open(page, '?trainLimit=256');
    await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
    await openTemplate(page, 'mlp-mnist');
    await setupField(page, 'Epochs').fill('1');
    await setupField(page, 'Epochs').press('Enter');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('run-state')).toHaveText('completed', { timeout: 90_000 });
    await page.getByTestId('tab-runs').click();
    await page.getByTestId('run-keep-1').click();
    const downloadPromise = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Save as' }).click();
    const text = readFileSync(await (await downloadPromise).path(), 'utf8');
    for (let i = 0; i < 2; i++) {
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await (await chooser).setFiles({ name: 'with-run.json', mimeType: 'application/json', buffer: Buffer.from(text) });
      await expect(page.getByTestId('file-name')).toHaveText('with-run.json');
      await page.getByTestId('tab-runs').click();
      await expect(page.locator('[data-testid^="run-row-"]')).toHaveCount(1);
      await expect(page.getByTestId('runs-table')).toContainText('kept');
    }
    expect(problems).toEqual([]);
  });
});
