import { expect, test } from '@playwright/test';
import { clickPane, documentOf, openTemplate } from './editor-helpers';

const MOD = process.platform === 'darwin' ? 'Meta' : 'Control';

test('palette search, double-click and Enter add layers; select all, align, auto-layout, summary rows, help', async ({ page }) => {
  page.on('dialog', (d) => void d.accept());
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/');

  // Search filters the catalogue; the tooltip is the layer's one-line description.
  const search = page.getByRole('searchbox', { name: 'Search layers' });
  await search.fill('conv2d');
  await expect(page.getByTestId('palette-Conv2D')).toBeVisible();
  await expect(page.getByTestId('palette-Dense')).toHaveCount(0);
  await expect(page.getByTestId('palette-Conv2D')).toHaveAttribute('title', /convolution/i);
  await page.getByTestId('palette-Conv2D').dblclick();
  await search.fill('');
  await page.getByTestId('palette-Dense').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.react-flow__node')).toHaveCount(2);
  expect((await documentOf(page)).nodes.map((n) => n.type)).toEqual(['Conv2D', 'Dense']);
  await expect(page.getByTestId('dirty-mark')).toBeVisible();
  expect(await page.title()).toBe('Untitled graph • — Netwright');

  // Select all (menu command) and align left: one x for both.
  await clickPane(page);
  await page.keyboard.press(`${MOD}+a`);
  await expect(page.getByTestId('multi-inspector')).toContainText('2 nodes selected');
  await page.getByRole('button', { name: 'Align ⇤' }).click();
  const aligned = await documentOf(page);
  expect(new Set(aligned.nodes.map((n) => n.position.x)).size).toBe(1);

  // A template, auto-laid out left to right: every wire goes rightwards; one undo entry.
  await openTemplate(page, 'vae-mlp-mnist');
  await clickPane(page);
  await page.keyboard.press('l');
  await expect.poll(async () => {
    const doc = await documentOf(page);
    const x = new Map(doc.nodes.map((n) => [n.id, n.position.x]));
    return doc.edges.every((e) => (x.get(e.source.node) ?? 0) < (x.get(e.target.node) ?? 0));
  }).toBe(true);
  await expect(page.getByTestId('error-badge')).toHaveCount(0);
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/screenshots/editor-auto-layout.png' });

  // Clicking a summary row selects its node.
  const row = page.locator('.summary-table tbody tr[data-node-id]').nth(2);
  const id = await row.getAttribute('data-node-id');
  await row.click();
  await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toHaveClass(/selected/);
  await expect(page.getByTestId('node-inspector')).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/editor-inspector.png' });

  // The training dock's hooks: a highlighted node and per-edge overlay styles (UI state only).
  const before = await page.evaluate(() => window.__netwright?.serialize());
  const edgeId = await page.evaluate(() => {
    const hook = window.__netwright;
    if (!hook) throw new Error('no hook');
    const state = hook.store.getState();
    const edge = state.document.edges[0];
    if (!edge) throw new Error('no edge');
    state.setHighlight({ nodeId: 'encoder', kind: 'nonFinite' });
    state.setEdgeOverlay({ [edge.id]: { width: 6, color: 'rgb(255, 0, 0)' } });
    return edge.id;
  });
  await expect(page.locator('.react-flow__node[data-id="encoder"] [data-testid="node-card"]')).toHaveClass(/highlight-nonFinite/);
  await expect(page.locator(`.react-flow__edge[data-id="${edgeId}"] path.react-flow__edge-path`)).toHaveCSS('stroke', 'rgb(255, 0, 0)');
  expect(await page.evaluate(() => window.__netwright?.serialize())).toBe(before);
  expect(await page.evaluate(() => window.__netwright?.store.temporal.getState().pastStates.length)).toBe(1); // the layout only
  await page.evaluate(() => {
    window.__netwright?.store.getState().setHighlight(null);
    window.__netwright?.store.getState().setEdgeOverlay(null);
  });

  // Shortcut help on "?".
  await clickPane(page);
  await page.keyboard.press('?');
  const help = page.getByTestId('help-overlay');
  await expect(help).toContainText('Undo');
  await expect(help).toContainText('Duplicate the selection');
  await page.screenshot({ path: 'docs/screenshots/editor-help.png' });
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);

  await page.getByTestId('open-templates').click();
  await expect(page.getByTestId('templates-dialog')).toContainText('101,770 params');
  await page.screenshot({ path: 'docs/screenshots/editor-templates.png' });
  expect(problems).toEqual([]);
});
