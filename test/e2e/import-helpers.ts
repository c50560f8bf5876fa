/** What the import specs share: model files as a file manager hands them over, and dropping them on the window. */
import type { Page } from '@playwright/test';

export interface FixtureFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Drops files on the window as a file manager would. */
export async function drop(page: Page, files: FixtureFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, data: f.buffer.toString('base64') }));
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    return dt;
  }, payload);
  await page.locator('.react-flow__pane').dispatchEvent('dragover', { dataTransfer: transfer });
  await page.locator('.react-flow__pane').dispatchEvent('drop', { dataTransfer: transfer });
}

export async function nodeTypes(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__netwright?.store.getState().document.nodes.map((n) => n.type) ?? []);
}
