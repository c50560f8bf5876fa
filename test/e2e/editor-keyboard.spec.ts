/** The keyboard: the palette is one tab stop with arrows inside; Space or Enter adds; the help lists it. */
import { expect, test } from '@playwright/test';
import { documentOf } from './editor-helpers';

// Reachability from the keyboard at the smallest supported window and a large one.
for (const viewport of [
  { width: 1024, height: 700 },
  { width: 1600, height: 1000 },
]) {
  test.describe(`at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test('the palette is one tab stop; arrows move inside, Space and Enter add the focused layer; the help lists the keys', async ({ page }) => {
      await page.goto('/');
      const search = page.getByRole('searchbox', { name: 'Search layers' });
      await search.focus();
      await page.keyboard.press('Tab');
      const items = page.locator('.palette-item');
      const first = (await items.nth(0).getAttribute('data-testid')) ?? '';
      await expect(page.locator(':focus')).toHaveAttribute('data-testid', first);
      // One more Tab leaves the list (today every layer is a tab stop).
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.classList.contains('palette-item') ?? false)).toBe(false);

      // Back in, the list remembers where it was; arrows move, Space adds, Enter adds.
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      const third = (await items.nth(2).getAttribute('data-testid')) ?? '';
      await expect(page.locator(':focus')).toHaveAttribute('data-testid', third);
      await page.keyboard.press(' ');
      await expect.poll(async () => (await documentOf(page)).nodes.map((n) => n.type)).toEqual([third.replace('palette-', '')]);
      await page.locator(`[data-testid="${third}"]`).focus();
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      const second = (await items.nth(1).getAttribute('data-testid')) ?? '';
      await expect.poll(async () => (await documentOf(page)).nodes.map((n) => n.type)).toEqual([third, second].map((t) => t.replace('palette-', '')));

      await page.getByTestId('canvas').click({ position: { x: 12, y: 12 } });
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog')).toContainText('Move through the layers');
      await expect(page.getByRole('dialog')).toContainText('Drag a wire to empty canvas');
    });

    test('W wires the selected node from the keyboard: a list of the inputs that accept it, arrows and Enter', async ({ page }) => {
      await page.goto('/');
      await page.getByTestId('open-templates').click();
      await page.locator('[data-template-id="mlp-mnist"]').click();
      await page.locator('.react-flow__node[data-id="flatten"]').click();
      const depth = await page.evaluate(() => window.__netwright?.store.temporal.getState().pastStates.length ?? -1);
      await page.keyboard.press('w');
      const picker = page.getByTestId('port-picker');
      await expect(picker).toBeVisible();
      // Only inputs that accept [batch, 784]: the image input takes none, the flatten itself is not offered.
      await expect(picker.locator('[data-testid^="port-choice-flatten"]')).toHaveCount(0);
      const target = picker.getByTestId('port-choice-logits-in');
      await expect(target).toContainText('replaces its wire');
      for (let i = 0; i < 12 && (await target.getAttribute('aria-selected')) !== 'true'; i++) await page.keyboard.press('ArrowDown');
      await expect(target).toHaveAttribute('aria-selected', 'true');
      await page.keyboard.press('Enter');
      await expect(picker).toHaveCount(0);
      await expect.poll(async () => (await documentOf(page)).edges.filter((e) => e.target.node === 'logits').map((e) => e.source.node)).toEqual(['flatten']);
      expect(await page.evaluate(() => window.__netwright?.store.temporal.getState().pastStates.length ?? -1)).toBe(depth + 1);
    });
  });
}
