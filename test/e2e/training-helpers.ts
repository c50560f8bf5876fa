/** What the training end-to-end tests share: templates as documents, loading one, dock screenshots. */
import type { Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';

export type Doc = Record<string, unknown> & { training: Record<string, unknown>; nodes: { id: string; type: string; params: Record<string, unknown> }[] };

/** An example graph with some training settings replaced. */
export function template(id: string, training: Record<string, unknown> = {}): Doc {
  const doc = JSON.parse(readFileSync(`examples/${id}.json`, 'utf8')) as Doc;
  doc.training = { ...doc.training, ...training };
  return doc;
}

/** Replaces the editor's document (no file), with the summary closed for more dock room. */
export async function load(page: Page, doc: Doc): Promise<void> {
  await page.evaluate((d) => {
    const nw = window.__netwright;
    if (!nw) throw new Error('no test hook');
    nw.store.getState().load(d as never, { name: null, handle: null, savedText: null });
    nw.store.getState().setPanel('summary', false);
  }, doc);
}

/** docs/screenshots/training-<name>.png of the training dock. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync('docs/screenshots', { recursive: true });
  await page.getByTestId('training-dock').screenshot({ path: `docs/screenshots/training-${name}.png` });
}
