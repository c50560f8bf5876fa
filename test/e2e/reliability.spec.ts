/**
 * Reliability in the browser: a panel that throws is contained by its error boundary, autosave
 * keeps running while the recovery offer is open, a dead engine worker is noticed and restarted,
 * and saving a file that changed on disk merges the runs it gained.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { clickPane, openTemplate, serialized } from './editor-helpers';
import { load, template } from './training-helpers';
import { graphText, keptRun, smallGraph } from '../unit/electron/graph-with-runs';

const isMac = process.platform === 'darwin';
const undoKey = isMac ? 'Meta+Z' : 'Control+Z';

async function autosaved(page: Page, key = 'netwright.autosave'): Promise<string> {
  return page.evaluate((k) => window.localStorage.getItem(k) ?? '', key);
}

/** The graph text inside the working autosave record ('' when there is none). */
async function autosavedDocument(page: Page): Promise<string> {
  const record = await autosaved(page);
  return record ? (JSON.parse(record) as { document: string }).document : '';
}

function shot(name: string): string {
  mkdirSync('docs/screenshots', { recursive: true });
  return `docs/screenshots/${name}.png`;
}

test('a document that makes the panels throw is contained: undo brings the app back, autosave keeps the good document', async ({ page }) => {
  await page.goto('/');
  const good = template('playground-spirals');
  await load(page, good);
  const goodText = await serialized(page);
  // An undoable edit that today's analysis cannot handle (a dataset option out of range).
  await page.evaluate(() => {
    const store = window.__netwright?.store;
    if (!store) throw new Error('no test hook');
    store.getState().edit((g) => ({ ...g, training: { ...g.training, dataset: { id: 'spirals', options: { size: 5 } } } }));
  });
  // Whatever the panels make of it (an error notice today; a reported analysis error once the
  // analysis is total), the app stays up: header, palette and the document's store work.
  await expect(page.getByRole('banner')).toBeVisible();
  await expect(page.getByRole('complementary', { name: 'Layer palette' })).toBeVisible();
  const failed = page.getByTestId('panel-error');
  if ((await failed.count()) > 0) {
    await expect(failed.first()).toContainText('stopped working');
    await expect(failed.first()).toContainText('size must be an integer');
    await page.screenshot({ path: shot('panel-error-analysis') });
  }
  await page.keyboard.press(undoKey);
  await expect.poll(() => serialized(page)).toBe(goodText);
  // Each failed panel comes back with its Try again (the locator list shrinks as they do).
  const retries = page.getByTestId('panel-error').getByRole('button', { name: 'Try again' });
  for (let left = await retries.count(); left > 0; left = await retries.count()) {
    await retries.first().click();
    await expect(retries).toHaveCount(left - 1);
  }
  await expect(page.getByTestId('canvas').locator('.react-flow__node').first()).toBeVisible();
  // The autosave holds the good document again (written ≤ 5 s after the undo).
  await expect.poll(() => autosavedDocument(page), { timeout: 10_000 }).toBe(goodText);
});

test('a panel that throws shows which panel and why; the rest of the app keeps working; Try again remounts it', async ({ page }) => {
  await page.goto('/');
  await openTemplate(page, 'autoencoder-mnist');
  await page.evaluate(() => window.__netwright?.failPanel('inspector', 'injected failure for the test'));
  const failed = page.locator('[data-testid="panel-error"][data-panel="inspector"]');
  await expect(failed).toContainText('The inspector stopped working');
  await expect(failed).toContainText('injected failure for the test');
  await page.screenshot({ path: shot('panel-error') });

  // The canvas still edits and undo still works, and the edits are autosaved.
  const before = await serialized(page);
  await page.locator('.react-flow__node').first().click();
  await page.keyboard.press('Delete');
  await expect.poll(() => serialized(page)).not.toBe(before);
  const afterDelete = await serialized(page);
  await expect.poll(() => autosavedDocument(page), { timeout: 10_000 }).toBe(afterDelete);
  await clickPane(page);
  await page.keyboard.press(undoKey);
  await expect.poll(() => serialized(page)).toBe(before);

  // While the fault lasts, Try again fails again (and says so); once it is gone, the panel is back.
  await failed.getByRole('button', { name: 'Try again' }).click();
  await expect(failed).toContainText('injected failure for the test');
  await page.evaluate(() => window.__netwright?.failPanel('inspector', null));
  await failed.getByRole('button', { name: 'Try again' }).click();
  await expect(failed).toHaveCount(0);
  await expect(page.getByRole('complementary', { name: 'Inspector' })).toBeVisible();
});

test('autosave keeps running while the recovery offer is open, into its own slot, and says when the offer is older than a save', async ({ page }) => {
  await page.goto('/');
  await openTemplate(page, 'autoencoder-mnist');
  const earlierWork = await serialized(page);
  await expect.poll(() => autosavedDocument(page), { timeout: 10_000 }).toBe(earlierWork);
  // The previous session saved this file after its last autosave.
  await page.evaluate(() => {
    const record = JSON.parse(window.localStorage.getItem('netwright.autosave') ?? '{}') as { savedAt: number };
    window.localStorage.setItem('netwright.autosave', JSON.stringify({ ...record, fileName: 'ae.json' }));
    window.localStorage.setItem(
      'netwright.autosave.lastSave',
      JSON.stringify({ format: 'netwright.last-save', version: 1, fileName: 'ae.json', savedAt: record.savedAt + 60_000 }),
    );
  });
  page.on('dialog', (d) => void d.accept());
  await page.reload();

  const banner = page.getByTestId('recovery-banner');
  await expect(banner).toContainText('Recover unsaved work from');
  await expect(banner.getByTestId('recovery-older')).toContainText('older than your last save of ae.json');
  await page.screenshot({ path: shot('recovery-older-than-save') });

  // New work while the offer is open is autosaved too; the offered work stays in its slot.
  await openTemplate(page, 'lenet-mnist');
  await expect.poll(() => autosavedDocument(page), { timeout: 10_000 }).toContain('LeNet');
  expect(await autosaved(page, 'netwright.autosave.recovered')).toContain('"fileName":"ae.json"');

  // Recovering restores the offered work and removes its slot.
  await banner.getByRole('button', { name: 'Recover' }).click();
  await expect.poll(() => serialized(page)).toBe(earlierWork);
  await expect.poll(() => autosaved(page, 'netwright.autosave.recovered')).toBe('');
});

test('a training engine that dies is noticed; the document is untouched and the engine restarts', async ({ page }) => {
  await page.goto('/');
  await openTemplate(page, 'autoencoder-mnist');
  await expect.poll(() => page.evaluate(() => window.__netwright?.checkEngine(30_000)), { timeout: 60_000 }).toBe(true);
  const before = await serialized(page);

  // Killed as the browser kills a worker that ran out of memory: no error event at all.
  await page.evaluate(() => window.__netwright?.killEngine());
  expect(await page.evaluate(() => window.__netwright?.checkEngine(1_000))).toBe(false);
  const alert = page.getByTestId('engine-stopped');
  await expect(alert).toContainText('The training engine stopped: it has not answered');
  await page.screenshot({ path: shot('engine-stopped') });
  expect(await serialized(page)).toBe(before);

  await alert.getByRole('button', { name: 'Restart the engine' }).click();
  await expect(alert).toHaveCount(0);
  expect(await page.evaluate(() => window.__netwright?.checkEngine(30_000))).toBe(true);
  expect(await serialized(page)).toBe(before);
});

/**
 * Web mode, with the File System Access API replaced by an in-page file whose contents and
 * lastModified the test controls (headless Chromium cannot show the real pickers). The app's own
 * code (web platform, save action) runs unchanged.
 */
async function fakeFileSystem(page: Page, contents: string): Promise<void> {
  await page.addInitScript((initial) => {
    const disk = { name: 'moons.json', text: initial, lastModified: 1_000 };
    const handle = {
      name: disk.name,
      getFile: async () => new File([disk.text], disk.name, { lastModified: disk.lastModified }),
      createWritable: async () => {
        let pending = '';
        return {
          write: async (data: string) => {
            pending = data;
          },
          close: async () => {
            disk.text = pending;
            disk.lastModified += 1;
          },
        };
      },
    };
    const w = window as unknown as Record<string, unknown>;
    w.showOpenFilePicker = async () => [handle];
    w.showSaveFilePicker = async () => handle;
    w.__fakeDisk = disk;
  }, contents);
}

async function diskText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __fakeDisk: { text: string } }).__fakeDisk.text);
}

/** What `netwright train --keep` does while the app has the file open. */
async function cliKeepsRun(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const disk = (window as unknown as { __fakeDisk: { text: string; lastModified: number } }).__fakeDisk;
    disk.text = t;
    disk.lastModified += 5_000;
  }, text);
}

test('saving over a file the CLI appended a run to merges the run in, or (cancelled) writes nothing', async ({ page }) => {
  const graph = smallGraph();
  const opened = graphText(graph, []);
  const withCliRun = graphText(graph, [keptRun(graph, 'cli-run', 'Run kept by the CLI')]);
  await fakeFileSystem(page, opened);
  const answers: boolean[] = [];
  const questions: string[] = [];
  page.on('dialog', (d) => {
    questions.push(d.message());
    void (answers.shift() ? d.accept() : d.dismiss());
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page).toHaveTitle(/^moons\.json — Netwright/);
  await page.evaluate(() =>
    window.__netwright?.store.getState().edit((g) => ({ ...g, metadata: { ...g.metadata, description: 'edited in the app' } })),
  );

  // Cancelled twice (no merge, no overwrite): the file keeps the CLI's run, the app its edit.
  await cliKeepsRun(page, withCliRun);
  answers.push(false, false);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('toast')).toContainText('Not saved: moons.json changed on disk');
  expect(questions[0]).toContain('moons.json changed on disk since you opened it. It gained 1 run(s): Run kept by the CLI.');
  expect(await diskText(page)).toBe(withCliRun);
  await expect(page).toHaveTitle(/•/);

  // Merge: the file and the app both have the edit and the CLI's run.
  answers.push(true);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('toast').last()).toContainText('Saved moons.json, with 1 run(s) it gained on disk');
  const saved = JSON.parse(await diskText(page)) as { metadata: { description: string }; runs: { id: string }[] };
  expect(saved.metadata.description).toBe('edited in the app');
  expect(saved.runs.map((r) => r.id)).toEqual(['cli-run']);
  expect(await serialized(page)).toBe(await diskText(page));
  await expect(page).not.toHaveTitle(/•/);

  // Saved since: a further save does not ask.
  const asked = questions.length;
  await page.evaluate(() =>
    window.__netwright?.store.getState().edit((g) => ({ ...g, metadata: { ...g.metadata, description: 'again' } })),
  );
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect.poll(() => diskText(page)).toContain('"description": "again"');
  expect(questions.length).toBe(asked);
});

test('an autosave that fails is shown until a write succeeds again', async ({ page }) => {
  // Storage refuses the autosave while the test says so (as a full quota does).
  await page.addInitScript(() => {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
      if (key === 'netwright.autosave' && (window as unknown as { __refuseAutosave?: boolean }).__refuseAutosave) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      setItem.call(this, key, value);
    };
  });
  await page.goto('/');
  await page.evaluate(() => ((window as unknown as { __refuseAutosave?: boolean }).__refuseAutosave = true));
  await openTemplate(page, 'autoencoder-mnist');
  const alert = page.getByTestId('autosave-error');
  await expect(alert).toContainText('Autosave failed: The quota has been exceeded. Your work is not being kept', { timeout: 10_000 });
  await page.screenshot({ path: shot('autosave-error') });

  await page.evaluate(() => ((window as unknown as { __refuseAutosave?: boolean }).__refuseAutosave = false));
  await page.evaluate(() =>
    window.__netwright?.store.getState().edit((g) => ({ ...g, metadata: { ...g.metadata, description: 'after the quota' } })),
  );
  await expect(alert).toHaveCount(0, { timeout: 10_000 });
  await expect.poll(() => autosavedDocument(page)).toContain('after the quota');
});
