/**
 * Binding an Input to data is a choice (issue #12): the Inspector lists the dataset's features
 * with their shapes and dtypes, and choosing one sets the Input's feature, shape and dtype in one
 * undo step; choosing a dataset for unbound Inputs named like its features offers to bind them.
 */
import { expect, test, type Page } from '@playwright/test';
import { clickPane, documentOf, openTemplate } from './editor-helpers';

async function open(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto('/');
  await expect(page.getByTestId('canvas')).toBeVisible();
  return problems;
}

const inputParams = async (page: Page, id: string) => (await documentOf(page)).nodes.find((n) => n.id === id)?.params;

// The binding choice must be reachable at the smallest supported window too.
for (const viewport of [
  { width: 1024, height: 700 },
  { width: 1600, height: 1000 },
]) {
  test.describe(`binding at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test('the feature is a choice among the features with their shapes; choosing one sets the shape too, and undo restores it', async ({ page }) => {
      const problems = await open(page);
      await openTemplate(page, 'mlp-mnist');
      await page.locator('.react-flow__node[data-id="image"]').click();
      const feature = page.getByTestId('node-inspector').getByTestId('feature-select');
      await expect(feature).toHaveValue('image');
      await expect(feature.locator('option')).toHaveText(['(not bound)', 'image — [28, 28, 1] float32', 'label — [] int32']);
      if (viewport.width === 1600) await page.getByTestId('node-inspector').screenshot({ path: 'docs/screenshots/editor-binding-dropdown.png' });

      await feature.selectOption('label');
      expect(await inputParams(page, 'image')).toMatchObject({ feature: 'label', shape: [], dtype: 'int32' });
      // The Shape field and the card show the bound shape at once.
      await expect(page.getByTestId('node-inspector').getByLabel('Shape', { exact: true })).toHaveValue('');
      await expect(page.getByTestId('node-inspector').getByLabel('Data type', { exact: true })).toHaveValue('int32');
      await expect(page.getByTestId('node-inspector').locator('.shape-list')).toHaveText('output[batch]');
      await expect(page.locator('.react-flow__node[data-id="image"]')).toContainText('label');

      // One choice, one undo step: feature, shape and dtype come back together.
      await clickPane(page);
      await page.keyboard.press('Control+z');
      expect(await inputParams(page, 'image')).toMatchObject({ feature: 'image', shape: [28, 28, 1], dtype: 'float32' });
      await page.locator('.react-flow__node[data-id="image"]').click();
      await expect(page.getByTestId('node-inspector').getByTestId('feature-select')).toHaveValue('image');
      await expect(page.getByTestId('node-inspector').getByLabel('Shape', { exact: true })).toHaveValue('28, 28, 1');
      expect(problems).toEqual([]);
    });
  });
}

test.describe('an Input bound to a dataset feature', () => {
  test.use({ viewport: { width: 1600, height: 1000 } });

  test('a bound name the dataset lacks is shown as it is, and without a dataset the field is text with a pointer', async ({ page }) => {
    const problems = await open(page);
    await openTemplate(page, 'mlp-mnist');
    await page.evaluate(() =>
      window.__netwright?.store.getState().edit((g) => ({ ...g, nodes: g.nodes.map((n) => (n.id === 'image' ? { ...n, params: { ...n.params, feature: 'pixels' } } : n)) })),
    );
    await page.locator('.react-flow__node[data-id="image"]').click();
    const feature = page.getByTestId('node-inspector').getByTestId('feature-select');
    await expect(feature).toHaveValue('pixels');
    await expect(feature.locator('option:checked')).toHaveText('pixels (not in mnist)');
    expect(await inputParams(page, 'image')).toMatchObject({ feature: 'pixels' });

    await page.getByTestId('dataset-select').selectOption('');
    await page.locator('.react-flow__node[data-id="image"]').click();
    await expect(page.getByTestId('node-inspector').getByTestId('feature-select')).toHaveCount(0);
    await expect(page.getByTestId('node-inspector').getByLabel('Dataset feature', { exact: true })).toHaveValue('pixels');
    await expect(page.getByTestId('feature-hint')).toHaveText(/choose a dataset in the Setup tab to pick a feature/i);
    expect(problems).toEqual([]);
  });

  test('choosing a dataset for unbound Inputs named like its features offers to bind them by name, in one undo step', async ({ page }) => {
    const problems = await open(page);
    await openTemplate(page, 'mlp-mnist');
    // A graph whose Inputs are named like MNIST's features but bound to nothing, without a dataset.
    await page.evaluate(() =>
      window.__netwright?.store.getState().edit((g) => ({
        ...g,
        training: { ...g.training, dataset: null },
        nodes: g.nodes.map((n) => (n.type === 'Input' ? { ...n, name: n.id === 'image' ? 'Image' : n.name, params: { ...n.params, feature: '', shape: [5], dtype: 'float32' } } : n)),
      })),
    );
    await clickPane(page);
    await expect(page.getByTestId('bind-by-name')).toHaveCount(0);
    await page.getByTestId('dataset-select').selectOption('mnist');
    const notice = page.getByTestId('bind-by-name');
    await expect(notice).toContainText('Image → image');
    await expect(notice).toContainText('label → label');
    await page.getByTestId('training-dock').screenshot({ path: 'docs/screenshots/editor-binding-by-name.png' });
    await page.getByTestId('bind-by-name-button').click();
    expect(await inputParams(page, 'image')).toMatchObject({ feature: 'image', shape: [28, 28, 1], dtype: 'float32' });
    expect(await inputParams(page, 'label')).toMatchObject({ feature: 'label', shape: [], dtype: 'int32' });
    await expect(notice).toHaveCount(0);
    const errors = await page.evaluate(() => window.__netwright?.analyze().issues.filter((i) => i.severity === 'error').map((i) => i.message));
    expect(errors).toEqual([]);

    // Both bindings are one undo step; the dataset choice is the one before it.
    await clickPane(page);
    await page.keyboard.press('Control+z');
    expect(await inputParams(page, 'image')).toMatchObject({ feature: '', shape: [5] });
    expect(await inputParams(page, 'label')).toMatchObject({ feature: '', shape: [5] });
    expect((await documentOf(page)).training.dataset?.id).toBe('mnist');
    await expect(page.getByTestId('bind-by-name')).toBeVisible();
    expect(problems).toEqual([]);
  });
});
