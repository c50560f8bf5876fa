import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { clickPane, documentOf, dragLayer, startWire, wire } from './editor-helpers';

test('builds the MNIST MLP from an empty canvas with the mouse; a wrong wire is refused with its reason', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('dialog', (d) => void d.accept());
  await page.goto('/');
  await expect(page.getByTestId('canvas').locator('.react-flow__pane')).toBeVisible();
  // Building, not training: hide the training dock so the canvas has the room (as a person would).
  await page.getByTestId('toggle-dock').click();

  // Drag each layer from the palette onto the canvas; each lands selected, so its inspector shows.
  await dragLayer(page, 'Input', 40, 60);
  await expect(page.locator('.react-flow__node[data-id="input"]')).toBeVisible();
  await expect(page.locator('#param-shape')).toHaveValue('28, 28, 1');

  await dragLayer(page, 'Flatten', 250, 60);
  await dragLayer(page, 'Dense', 440, 60);
  await page.locator('#param-units').fill('128');
  await page.locator('#param-units').press('Enter');
  await page.locator('#param-activation').selectOption('relu');
  await dragLayer(page, 'Dense', 660, 60);
  await page.locator('#param-units').fill('10');
  await page.locator('#param-units').press('Enter');
  await dragLayer(page, 'CategoricalCrossentropy', 640, 250);
  await dragLayer(page, 'Input', 380, 270); // the one-hot target, still at the default shape
  await clickPane(page);
  await expect(page.locator('.react-flow__node')).toHaveCount(6);

  await wire(page, ['input', 'out'], ['flatten', 'in']);
  await wire(page, ['flatten', 'out'], ['dense', 'in']);
  await wire(page, ['dense', 'out'], ['dense_2', 'in']);
  await wire(page, ['dense_2', 'out'], ['categoricalcrossentropy', 'prediction']);
  await expect(page.locator('.react-flow__edge')).toHaveCount(4);

  // A [28, 28, 1] target cannot be compared with the [batch, 10] prediction: refused while dragging...
  await startWire(page, ['input_2', 'out'], ['categoricalcrossentropy', 'target']);
  const hint = page.getByTestId('connection-hint');
  await expect(hint).toBeVisible();
  await expect(hint).toContainText('one-hot target shaped like the prediction [batch, 10]');
  mkdirSync('docs/screenshots', { recursive: true });
  await page.screenshot({ path: 'docs/screenshots/editor-refused-wire.png' });
  await page.mouse.up();
  // ...and on drop: no wire, and the reason where the wire was dropped.
  await expect(page.getByTestId('connection-refused')).toContainText('one-hot target');
  await expect(page.locator('.react-flow__edge')).toHaveCount(4);

  // Fix the target's shape in the inspector; now the wire is accepted.
  await page.locator('.react-flow__node[data-id="input_2"]').click();
  await page.locator('#param-shape').fill('10');
  await page.locator('#param-shape').press('Enter');
  await clickPane(page);
  await wire(page, ['input_2', 'out'], ['categoricalcrossentropy', 'target']);
  await expect(page.locator('.react-flow__edge')).toHaveCount(5);

  // The summary counts 784*128+128 + 128*10+10 = 101,770 parameters; every wire shows its shape.
  await expect(page.getByTestId('summary-total')).toHaveText('101,770');
  await expect(page.getByTestId('summary-errors')).toHaveText('No errors');
  // Long shapes are shortened on the wire; the full shape is the label's hover title.
  await expect(page.locator('.shape-label-text')).toHaveCount(5);
  const titles = await page.locator('.shape-label title').allTextContents();
  expect(titles.sort()).toEqual(['[batch, 10]', '[batch, 10]', '[batch, 128]', '[batch, 28, 28, 1]', '[batch, 784]'].sort());
  await expect(page.getByTestId('error-badge')).toHaveCount(0);

  const doc = await documentOf(page);
  expect(doc.nodes.map((n) => n.type).sort()).toEqual(['CategoricalCrossentropy', 'Dense', 'Dense', 'Flatten', 'Input', 'Input'].sort());
  expect(doc.nodes.find((n) => n.id === 'dense')?.params).toMatchObject({ units: 128, activation: 'relu' });

  // Break the graph from the inspector: the loss shows an error; undoing the change clears it.
  await page.locator('.react-flow__node[data-id="input_2"]').click();
  await page.locator('#param-shape').fill('5');
  await page.locator('#param-shape').press('Enter');
  const loss = page.locator('.react-flow__node[data-id="categoricalcrossentropy"] [data-testid="node-card"]');
  await expect(loss).toHaveAttribute('data-error', 'true');
  await expect(loss).toHaveAttribute('title', /one-hot target shaped like the prediction \[batch, 10\] but got \[batch, 5\]/);
  await page.screenshot({ path: 'docs/screenshots/editor-node-error.png' });
  await page.locator('#param-shape').fill('10');
  await page.locator('#param-shape').press('Enter');
  await expect(loss).toHaveAttribute('data-error', 'false');
  await expect(page.getByTestId('error-badge')).toHaveCount(0);

  // Invalid input in the inspector is explained and not applied.
  await page.locator('#param-shape').fill('10, x');
  await expect(page.getByRole('alert').filter({ hasText: 'entry 2 must be a whole number' })).toBeVisible();
  await page.locator('#param-shape').press('Enter');
  expect((await documentOf(page)).nodes.find((n) => n.id === 'input_2')?.params.shape).toEqual([10]);
  await page.locator('#param-shape').press('Escape');

  await clickPane(page);
  await page.keyboard.press('l'); // auto-layout: room for every shape label
  await expect.poll(async () => (await documentOf(page)).nodes.find((n) => n.id === 'input')?.position.x).toBe(12);
  await page.waitForTimeout(400);
  await page.screenshot({ path: 'docs/screenshots/editor-mlp.png' });
  expect(problems).toEqual([]);
});
