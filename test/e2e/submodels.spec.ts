import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { clickPane, documentOf, openTemplate } from './editor-helpers';

test.use({ viewport: { width: 1600, height: 1000 } });

test('sub-models: the template decoder is framed; G makes one of the selection; rename, undo, remove', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/');
  await openTemplate(page, 'vae-mlp-mnist');
  const decoder = page.getByTestId('submodel-frame-decoder');
  await expect(decoder).toBeVisible();
  await expect(decoder.getByRole('button', { name: 'decoder', exact: true })).toBeVisible();

  // Select mu and logvar, press G: one sub-model of the two, framed.
  await clickPane(page);
  await page.locator('.react-flow__node[data-id="mu"]').click();
  await page.locator('.react-flow__node[data-id="logvar"]').click({ modifiers: ['Shift'] });
  await page.keyboard.press('g');
  await expect(page.getByTestId('submodel-frame-submodel')).toBeVisible();
  expect((await documentOf(page)).submodels).toEqual([
    { name: 'decoder', nodes: ['decoder', 'reconstruction'] },
    { name: 'submodel', nodes: ['mu', 'logvar'] },
  ]);

  // Rename at the frame's label; a name in use is refused with the reason.
  await page.getByTestId('submodel-frame-submodel').getByRole('button', { name: 'submodel', exact: true }).click();
  const field = page.getByRole('textbox', { name: 'Rename sub-model submodel' });
  await field.fill('decoder');
  await field.press('Enter');
  await expect(page.getByText('a sub-model is already named "decoder"')).toBeVisible();
  await field.fill('latent');
  await field.press('Enter');
  await expect(page.getByTestId('submodel-frame-latent')).toBeVisible();
  expect((await documentOf(page)).submodels?.map((s) => s.name)).toEqual(['decoder', 'latent']);

  await clickPane(page);
  await page.waitForTimeout(300);
  mkdirSync('docs/screenshots', { recursive: true });
  await page.screenshot({ path: 'docs/screenshots/editor-submodels.png' });

  // Each edit is one undo step.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('submodel-frame-submodel')).toBeVisible();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('submodel-frame-submodel')).toHaveCount(0);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('submodel-frame-submodel')).toBeVisible();

  // Remove: the declaration goes, the layers stay.
  await page.getByRole('button', { name: 'Remove sub-model decoder' }).click();
  await expect(decoder).toHaveCount(0);
  const doc = await documentOf(page);
  expect(doc.submodels).toEqual([{ name: 'submodel', nodes: ['mu', 'logvar'] }]);
  expect(doc.nodes.some((n) => n.id === 'decoder')).toBe(true);
  expect(problems).toEqual([]);
});
