/**
 * Wires as a person makes them: shape labels always readable (checked by geometry), a wire dropped
 * on a taken input replaces the old one, refusals at the cursor, and a wire dropped on empty
 * canvas opens a layer search filtered to what accepts it.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { documentOf, openTemplate, startWire, wire } from './editor-helpers';


async function undoDepth(page: Page): Promise<number> {
  return page.evaluate(() => window.__netwright?.store.temporal.getState().pastStates.length ?? -1);
}

async function handleCentre(page: Page, nodeId: string, kind: 'source' | 'target', port: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(`.react-flow__node[data-id="${nodeId}"] .react-flow__handle.${kind}[data-handleid="${port}"]`).boundingBox();
  if (!box) throw new Error(`no handle ${nodeId}.${port}`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Every template in the gallery (examples/ holds one file per template, kept equal by a unit test). */
const TEMPLATE_IDS = readdirSync('examples')
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

/** The texts of the labels that overlap a node card, as drawn now. */
async function labelsUnderCards(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const cards = [...document.querySelectorAll('.react-flow__node')].map((n) => n.getBoundingClientRect());
    const hidden: string[] = [];
    for (const label of document.querySelectorAll('.shape-label, .react-flow__edge-textwrapper')) {
      const box = label.getBoundingClientRect();
      const under = cards.some(
        (card) => Math.min(box.right, card.right) - Math.max(box.left, card.left) > 0.5 && Math.min(box.bottom, card.bottom) - Math.max(box.top, card.top) > 0.5,
      );
      if (under) hidden.push(label.textContent ?? '');
    }
    return hidden;
  });
}

for (const viewport of [
  { width: 1024, height: 700 },
  { width: 1600, height: 1000 },
]) {
  test.describe(`at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });
    test("every template: every wire's shape label is clear of every node card", async ({ page }) => {
      test.setTimeout(240_000);
      // "Discard the unsaved changes?" when the next template replaces this one: yes.
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto('/');
      const hidden: Record<string, string[]> = {};
      for (const id of TEMPLATE_IDS) {
        await openTemplate(page, id);
        const count = (await documentOf(page)).edges.length;
        expect(count).toBeGreaterThan(3);
        await expect(page.locator('.react-flow__edge')).toHaveCount(count);
        await page.getByTestId('canvas').click({ position: { x: 12, y: 12 } });
        // Far out the labels are hidden on purpose: zoom in until they are drawn.
        for (let i = 0; i < 8 && (await page.locator('.canvas.zoomed-out').count()) > 0; i++) await page.keyboard.press('Control+=');
        // Today's labels (.react-flow__edge-textwrapper) and the new ones, so the test judges both.
        await expect(page.locator('.shape-label, .react-flow__edge-textwrapper')).toHaveCount(count);
        // Placement follows measured card sizes: give a re-measure its frame before judging.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        const under = await labelsUnderCards(page);
        if (under.length > 0) {
          hidden[id] = under;
          await page.screenshot({ path: `test-results/labels-${id}-${viewport.width}.png` });
        }
      }
      expect(hidden, 'labels under a node card, per template').toEqual({});
    });
  });
}

for (const viewport of [
  { width: 1024, height: 700 },
  { width: 1600, height: 1000 },
]) {
  test.describe(`wiring at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test('a wire dropped on a taken input replaces it in one undo step; refusals show at the cursor', async ({ page }) => {
      await page.goto('/');
      await openTemplate(page, 'mlp-mnist');
      await page.getByTestId('canvas').click({ position: { x: 12, y: 12 } });
      const depth = await undoDepth(page);

      // logits.in is fed by dropout; a wire from flatten replaces that one.
      await wire(page, ['flatten', 'out'], ['logits', 'in']);
      await expect.poll(async () => (await documentOf(page)).edges.filter((e) => e.target.node === 'logits').map((e) => e.source.node)).toEqual(['flatten']);
      expect(await undoDepth(page)).toBe(depth + 1);
      mkdirSync('docs/screenshots', { recursive: true });
      if (viewport.width === 1600) await page.screenshot({ path: 'docs/screenshots/editor-wire-replaced.png' });
      await page.keyboard.press('Control+z');
      await expect.poll(async () => (await documentOf(page)).edges.filter((e) => e.target.node === 'logits').map((e) => e.source.node)).toEqual(['dropout']);

      // A refused drop says why where the wire was dropped (not in a corner toast).
      const before = (await documentOf(page)).edges.length;
      await startWire(page, ['image', 'out'], ['loss', 'prediction']);
      const at = await handleCentre(page, 'loss', 'target', 'prediction');
      await page.mouse.up();
      const refused = page.getByTestId('connection-refused');
      await expect(refused).toBeVisible();
      await expect(refused).toContainText('loss');
      const box = await refused.boundingBox();
      if (!box) throw new Error('no refusal box');
      expect(Math.abs(box.x - at.x)).toBeLessThan(40);
      expect(Math.abs(box.y - at.y)).toBeLessThan(40);
      expect((await documentOf(page)).edges.length).toBe(before);
    });

    test('a wire dropped on empty canvas opens a layer search of what accepts it, and places the layer wired', async ({ page }) => {
      await page.goto('/');
      await openTemplate(page, 'mlp-mnist');
      await page.getByTestId('canvas').click({ position: { x: 12, y: 12 } });
      const depth = await undoDepth(page);
      const nodes = (await documentOf(page)).nodes.length;
      const from = await handleCentre(page, 'hidden', 'source', 'out');
      const canvas = await page.getByTestId('canvas').boundingBox();
      if (!canvas) throw new Error('no canvas');
      const drop = { x: from.x + 40, y: canvas.y + canvas.height - 60 };
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(drop.x, drop.y - 30, { steps: 6 });
      await page.mouse.move(drop.x, drop.y, { steps: 4 });
      await page.mouse.up();
      const search = page.getByTestId('wire-layer-search');
      await expect(search).toBeVisible();
      // [batch, 128] feeds a Dense, not a Conv2D (which needs an image).
      await expect(page.getByTestId('wire-choice-Dense')).toBeVisible();
      await expect(page.getByTestId('wire-choice-Conv2D')).toHaveCount(0);
      await page.keyboard.type('dropout');
      if (viewport.width === 1600) await page.screenshot({ path: 'docs/screenshots/editor-wire-search.png' });
      await page.keyboard.press('Enter');
      await expect(search).toHaveCount(0);
      const doc = await documentOf(page);
      expect(doc.nodes.length).toBe(nodes + 1);
      const added = doc.nodes.find((n) => n.type === 'Dropout' && n.id !== 'dropout');
      expect(added).toBeDefined();
      expect(doc.edges.some((e) => e.source.node === 'hidden' && e.target.node === added?.id)).toBe(true);
      expect(await undoDepth(page)).toBe(depth + 1);
    });
  });
}
