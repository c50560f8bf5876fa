import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { TEMPLATES } from '../../core/templates';

// A large window, so the pictures show the cards at a readable size.
test.use({ viewport: { width: 1920, height: 1200 } });

test('every template opens with no errors, its summary renders, and a screenshot is taken', async ({ page }) => {
  test.setTimeout(360_000); // 19 templates (the 3 image GANs added 3 to the 16 that took up to 240 s under load)
  page.on('dialog', (d) => void d.accept());
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/');
  mkdirSync('docs/screenshots', { recursive: true });
  for (const template of TEMPLATES) {
    await page.getByTestId('open-templates').click();
    const dialog = page.getByTestId('templates-dialog');
    await expect(dialog).toBeVisible();
    await dialog.locator(`[data-template-id="${template.id}"]`).click();
    await expect(dialog).toBeHidden();
    const expectedNodes = template.build().nodes.length;
    await expect(page.getByTestId('node-card')).toHaveCount(expectedNodes);
    await expect(page.getByTestId('error-badge')).toHaveCount(0);
    await expect(page.locator('[data-testid="node-card"][data-error="true"]')).toHaveCount(0);
    await expect(page.getByTestId('summary-errors')).toHaveText('No errors');
    // The summary lists every node (layers and losses).
    await expect(page.locator('.summary-table tbody tr[data-node-id]')).toHaveCount(expectedNodes);
    const analysis = await page.evaluate(() => {
      const a = window.__netwright?.analyze();
      return a ? a.issues.filter((i) => i.severity === 'error').map((i) => i.message) : ['no hook'];
    });
    expect(analysis).toEqual([]);
    await page.waitForTimeout(250); // let fit view settle before the picture
    await page.screenshot({ path: `docs/screenshots/template-${template.id}.png` });
  }
  expect(problems).toEqual([]);
});
