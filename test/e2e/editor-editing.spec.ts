import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { clickPane, documentOf, openTemplate, serialized } from './editor-helpers';

const MOD = process.platform === 'darwin' ? 'Meta' : 'Control';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

async function nodeCount(page: Page): Promise<number> {
  return (await documentOf(page)).nodes.length;
}

test('undo and redo restore exact documents; one drag is one entry', async ({ page }) => {
  page.on('dialog', (d) => void d.accept());
  await page.goto('/');
  await openTemplate(page, 'mlp-mnist');
  await expect(page.locator('.react-flow__node')).toHaveCount(7);
  const docs = [await serialized(page)];

  // 1: a parameter through the inspector.
  await page.locator('.react-flow__node[data-id="hidden"]').click();
  await page.locator('#param-units').fill('64');
  await page.locator('#param-units').press('Enter');
  await expect(page.getByTestId('summary-total')).toHaveText('50,890');
  docs.push(await serialized(page));

  // 2: one mouse drag of a node (many intermediate positions, one entry).
  const box = await page.locator('.react-flow__node[data-id="dropout"]').boundingBox();
  if (!box) throw new Error('no dropout node');
  await page.mouse.move(box.x + box.width / 2, box.y + 10);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2 + i * 4, box.y + 10 + i * 6);
  await page.mouse.up();
  await expect.poll(async () => (await documentOf(page)).nodes.find((n) => n.id === 'dropout')?.position.y).not.toBe(JSON.parse(docs[1] ?? '{}').nodes.find((n: { id: string }) => n.id === 'dropout').position.y);
  docs.push(await serialized(page));

  // 3: delete the selected node (and its wires) with the Delete key.
  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node')).toHaveCount(6);
  docs.push(await serialized(page));

  // 4: arrow key nudge of the selection (Shift = 10 px).
  await page.locator('.react-flow__node[data-id="flatten"]').click();
  await page.keyboard.press('Shift+ArrowRight');
  const after = await documentOf(page);
  const before = JSON.parse(docs[3] ?? '{}') as typeof after;
  expect(after.nodes.find((n) => n.id === 'flatten')?.position.x).toBe((before.nodes.find((n) => n.id === 'flatten')?.position.x ?? 0) + 10);
  docs.push(await serialized(page));

  await clickPane(page);
  for (let i = docs.length - 2; i >= 0; i--) {
    await page.keyboard.press(`${MOD}+z`);
    await expect.poll(() => serialized(page)).toBe(docs[i]);
  }
  await page.keyboard.press(`${MOD}+Shift+z`);
  await expect.poll(() => serialized(page)).toBe(docs[1]);
  await page.keyboard.press(`${MOD}+y`);
  await expect.poll(() => serialized(page)).toBe(docs[2]);
  await page.getByRole('button', { name: 'Redo' }).click();
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect.poll(() => serialized(page)).toBe(docs[4]);
});

test('copy and paste duplicate a sub-graph with its internal wires, also into another tab', async ({ page, context }) => {
  page.on('dialog', (d) => void d.accept());
  await page.goto('/');
  await openTemplate(page, 'mlp-mnist');
  await page.locator('.react-flow__node[data-id="flatten"]').click();
  await page.locator('.react-flow__node[data-id="hidden"]').click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('multi-inspector')).toContainText('2 nodes selected');
  const before = await documentOf(page);
  await page.keyboard.press(`${MOD}+c`);
  await page.keyboard.press(`${MOD}+v`);
  await expect(page.locator('.react-flow__node')).toHaveCount(9);
  const after = await documentOf(page);
  const fresh = after.nodes.filter((n) => !before.nodes.some((b) => b.id === n.id));
  expect(fresh.map((n) => n.type).sort()).toEqual(['Dense', 'Flatten']);
  const freshIds = new Set(fresh.map((n) => n.id));
  const newEdges = after.edges.filter((e) => !before.edges.some((b) => b.id === e.id));
  // Exactly the one internal wire flatten -> hidden, between the copies; the outside wires are not copied.
  expect(newEdges).toHaveLength(1);
  expect(freshIds.has(newEdges[0]?.source.node ?? '') && freshIds.has(newEdges[0]?.target.node ?? '')).toBe(true);
  // The pasted copies are selected and keep their parameters.
  expect(fresh.find((n) => n.type === 'Dense')?.params).toEqual(before.nodes.find((n) => n.id === 'hidden')?.params);

  // Duplicate (Ctrl+D) of the pasted selection.
  await page.keyboard.press(`${MOD}+d`);
  await expect(page.locator('.react-flow__node')).toHaveCount(11);

  // Paste into a second tab through the system clipboard.
  const other = await context.newPage();
  other.on('dialog', (d) => void d.accept());
  await other.goto('/');
  await expect(other.locator('.react-flow__pane')).toBeVisible();
  await other.getByTestId('canvas').click({ position: { x: 20, y: 20 } });
  await other.keyboard.press(`${MOD}+v`);
  await expect(other.locator('.react-flow__node')).toHaveCount(2);
  await expect(other.locator('.react-flow__edge')).toHaveCount(1);
  expect((await documentOf(other)).edges).toHaveLength(1);
  await other.close();

  // Cut removes the selection; undo brings it back.
  await page.keyboard.press(`${MOD}+x`);
  await expect(page.locator('.react-flow__node')).toHaveCount(9);
  await page.keyboard.press(`${MOD}+z`);
  await expect(page.locator('.react-flow__node')).toHaveCount(11);
});

test('save, reload and open give the identical document; a hostile file leaves the canvas unchanged', async ({ page }) => {
  // Force the download / <input type=file> path of the web platform (no native pickers headless).
  await page.addInitScript(() => {
    Object.assign(window, { showOpenFilePicker: undefined, showSaveFilePicker: undefined });
  });
  page.on('dialog', (d) => void d.accept());
  await page.goto('/');
  await openTemplate(page, 'lenet-mnist');
  await page.locator('.react-flow__node[data-id="conv1"]').click();
  await page.locator('#param-kernelSize').fill('3, 3');
  await page.locator('#param-kernelSize').press('Enter');
  await clickPane(page);
  await expect(page.getByTestId('dirty-mark')).toBeVisible();
  const expected = await serialized(page);

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save as' }).click();
  const download = await downloadPromise;
  const path = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(path);
  expect(readFileSync(path, 'utf8')).toBe(expected);
  await expect(page.getByTestId('dirty-mark')).toHaveCount(0);
  await expect(page.getByTestId('file-name')).toHaveText(download.suggestedFilename());
  expect(await page.title()).toContain(download.suggestedFilename());

  await page.reload();
  await expect(page.locator('.react-flow__pane')).toBeVisible();
  expect(await nodeCount(page)).toBe(0);
  const chooserPromise = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await (await chooserPromise).setFiles(path);
  await expect.poll(() => serialized(page)).toBe(expected);
  await expect(page.getByTestId('dirty-mark')).toHaveCount(0);

  // A hostile file: prototype keys, an unknown layer, out-of-range parameters. Refused with paths.
  const hostile = JSON.parse(expected) as Record<string, unknown> & { nodes: Record<string, unknown>[] };
  (hostile.nodes[1] as { params: Record<string, unknown> }).params.filters = -4;
  (hostile.nodes[2] as { type: string }).type = 'EvilLayer';
  const chooser2 = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await (await chooser2).setFiles({ name: 'evil.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hostile)) });
  const dialog = page.getByTestId('file-error-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('$.nodes[1].params.filters');
  await expect(dialog).toContainText('$.nodes[2].type');
  await expect(dialog).toContainText('unknown layer type "EvilLayer"');
  await page.screenshot({ path: 'docs/screenshots/editor-hostile-file.png' });
  expect(await serialized(page)).toBe(expected);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Dropping a file on the window goes through the same checks.
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(['{"format":"netwright.graph","version":1,"__proto__":{"x":1},"constructor":{}}'], 'proto.json', { type: 'application/json' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await expect(page.getByTestId('file-error-dialog')).toContainText('"constructor" is not allowed');
  expect(await serialized(page)).toBe(expected);
});

test('autosave: reload without saving offers the last edit, and recovering restores it exactly', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await page.goto('/');
  await openTemplate(page, 'autoencoder-mnist');
  const first = page.locator('.react-flow__node').first();
  await first.click();
  await page.locator('#node-name').fill('renamed before the crash');
  await page.locator('#node-name').press('Enter');
  await clickPane(page);
  const lastEdit = await serialized(page);
  await expect
    .poll(() => page.evaluate(() => window.localStorage.getItem('netwright.autosave') ?? ''))
    .toContain('renamed before the crash');

  await page.reload();
  // Leaving with unsaved changes asked first (accepted here, as after a crash nothing would ask).
  expect(dialogs).toContain('beforeunload');
  const banner = page.getByTestId('recovery-banner');
  await expect(banner).toContainText('Recover unsaved work from');
  expect(await nodeCount(page)).toBe(0);
  await page.screenshot({ path: 'docs/screenshots/editor-recovery.png' });
  await banner.getByRole('button', { name: 'Recover' }).click();
  await expect.poll(() => serialized(page)).toBe(lastEdit);
  await expect(banner).toHaveCount(0);

  // A corrupt autosave is skipped with a notice; the app starts normally.
  await page.addInitScript(() => {
    if (window.sessionStorage.getItem('corrupted')) return;
    window.sessionStorage.setItem('corrupted', '1');
    window.localStorage.setItem('netwright.autosave', '{"format":"netwright.autosave","version":1,"savedAt":1,"fileName":null,"document":"{broken');
  });
  await page.reload();
  await expect(page.getByTestId('toast')).toContainText('could not be recovered');
  await expect(page.getByTestId('recovery-banner')).toHaveCount(0);
  await expect(page.locator('.react-flow__pane')).toBeVisible();
});
