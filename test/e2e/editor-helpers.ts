/** Shared steps of the editor end-to-end tests: real mouse drags from the palette and between handles. */
import { expect, type Page } from '@playwright/test';
import type { GraphDocument } from '../../core/graph';

export async function dragLayer(page: Page, type: string, x: number, y: number): Promise<void> {
  const search = page.getByRole('searchbox', { name: 'Search layers' });
  await search.fill(type);
  const item = page.getByTestId(`palette-${type}`);
  await item.dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
  await search.fill('');
}

function handle(page: Page, nodeId: string, kind: 'source' | 'target', port: string) {
  return page.locator(`.react-flow__node[data-id="${nodeId}"] .react-flow__handle.${kind}[data-handleid="${port}"]`);
}

async function centre(page: Page, nodeId: string, kind: 'source' | 'target', port: string): Promise<{ x: number; y: number }> {
  const box = await handle(page, nodeId, kind, port).boundingBox();
  if (!box) throw new Error(`no ${kind} handle ${nodeId}.${port}`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Presses on an output handle and moves to an input handle; the caller releases. */
export async function startWire(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  const a = await centre(page, from[0], 'source', from[1]);
  const b = await centre(page, to[0], 'target', to[1]);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 6 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
}

export async function wire(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  await startWire(page, from, to);
  await page.mouse.up();
}

export async function documentOf(page: Page): Promise<GraphDocument> {
  return page.evaluate(() => {
    const hook = window.__netwright;
    if (!hook) throw new Error('no test hook');
    return JSON.parse(hook.serialize()) as GraphDocument;
  });
}

export async function serialized(page: Page): Promise<string> {
  return page.evaluate(() => window.__netwright?.serialize() ?? '');
}

export async function openTemplate(page: Page, id: string): Promise<void> {
  await page.getByTestId('open-templates').click();
  await page.locator(`[data-template-id="${id}"]`).click();
  await expect(page.getByTestId('templates-dialog')).toBeHidden();
}

/** Clicks an empty spot of the canvas (clears the selection, takes focus out of fields). */
export async function clickPane(page: Page): Promise<void> {
  await page.getByTestId('canvas').click({ position: { x: 12, y: 12 } });
}
