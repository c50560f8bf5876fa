/**
 * The dataset preview (web build): opened from the inspector's training setup, it shows the
 * real samples and statistics the engine worker computes from the bundled datasets.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';

async function openWithGraph(page: Page, example: string): Promise<void> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto('/');
  await page.waitForFunction(() => window.__netwright !== undefined);
  const doc = JSON.parse(readFileSync(`examples/${example}.json`, 'utf8')) as unknown;
  await page.evaluate((d) => {
    const nw = window.__netwright;
    if (!nw) throw new Error('no test hook');
    nw.store.getState().load(d as never, { name: null, handle: null, savedText: null });
  }, doc);
  (page as Page & { problems?: string[] }).problems = problems;
}

async function ready(dialog: Locator, id: string): Promise<void> {
  await expect(dialog).toHaveAttribute('data-dataset-id', id);
  await expect(dialog).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
}

async function shot(dialog: Locator, name: string): Promise<void> {
  mkdirSync('docs/screenshots', { recursive: true });
  await dialog.screenshot({ path: `docs/screenshots/dataset-${name}.png` });
}

function problemsOf(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

test.use({ viewport: { width: 1440, height: 1000 } });

test('dataset preview: MNIST images and class balance, dates pairs, spirals scatter', async ({ page }) => {
  await openWithGraph(page, 'mlp-mnist');
  await page.getByTestId('dataset-preview-open').click();
  const dialog = page.getByTestId('dataset-preview');
  // Opens on the graph's dataset.
  await ready(dialog, 'mnist');
  await expect(page.getByTestId('dataset-preview-title')).toHaveText(/MNIST/);

  // Image grid: 32 tiles, each with a class name and a drawn (not blank) canvas.
  const images = page.getByTestId('dataset-preview-image');
  await expect(images).toHaveCount(32);
  const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  const labels = await images.locator('.dp-image-label').allTextContents();
  expect(labels.every((l) => digits.includes(l.trim()))).toBe(true);
  const litPixels = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLCanvasElement>('[data-testid="dataset-preview-image"] canvas')].map((c) => {
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if ((d[i] as number) > 128) lit++;
      return lit;
    }),
  );
  expect(litPixels).toHaveLength(32);
  // A handwritten digit lights tens of pixels of 784, never all of them.
  for (const lit of litPixels) {
    expect(lit).toBeGreaterThan(20);
    expect(lit).toBeLessThan(600);
  }

  // Class balance: 10 classes whose counts sum to the train split (55,000).
  const balance = page.getByTestId('dataset-preview-balance');
  await expect(balance).toHaveAttribute('data-classes', '10');
  const counts = (await balance.locator('g[data-count]').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-count'))))) as number[];
  expect(counts).toHaveLength(10);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(55_000);
  for (const c of counts) expect(c).toBeGreaterThan(4000);
  await expect(page.getByTestId('dataset-preview-sizes')).toContainText('55,000 train');
  await shot(dialog, 'mnist');

  // Dates: text pairs, e.g. "march 5, 1994" -> "1994-03-05".
  await page.getByTestId('dataset-preview-select').selectOption('dates');
  await ready(dialog, 'dates');
  const pairs = page.getByTestId('dataset-preview-pair');
  await expect(pairs).toHaveCount(32);
  const rows = await pairs.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td.mono')].map((td) => td.textContent ?? '')));
  for (const [source, target] of rows) {
    expect((source ?? '').length).toBeGreaterThan(0);
    expect(target ?? '').toMatch(/^\d{4}-\d{2}-\d{2}$/);
  }
  await expect(page.getByTestId('dataset-preview-balance')).toHaveCount(0);
  await shot(dialog, 'dates');

  // Spirals: the scatter shows every train point, coloured by class.
  await page.getByTestId('dataset-preview-select').selectOption('spirals');
  await ready(dialog, 'spirals');
  const scatter = page.getByTestId('dataset-preview-scatter');
  await expect(scatter).toBeVisible();
  const classes = Number(await page.getByTestId('dataset-preview-balance').getAttribute('data-classes'));
  expect(classes).toBeGreaterThanOrEqual(2);
  // Pixels painted exactly in each class's colour (point centres are not antialiased).
  const perClass = await scatter.evaluate((el, n) => {
    const c = el as HTMLCanvasElement;
    const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
    const colours = ['#7aa7ff', '#f0a35e', '#4cc38a', '#f07178', '#c084fc', '#e5b454', '#38bdf8', '#f472b6', '#94a3b8', '#2dd4bf']
      .slice(0, n)
      .map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < d.length; i += 4) {
      colours.forEach(([r, g, b], k) => {
        if (d[i] === r && d[i + 1] === g && d[i + 2] === b) counts[k] = (counts[k] as number) + 1;
      });
    }
    return counts;
  }, classes);
  for (const count of perClass) expect(count).toBeGreaterThan(100);
  await shot(dialog, 'spirals');

  // Closing returns to the editor.
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
  expect(problemsOf(page)).toEqual([]);
});

test('dataset preview: every bundled dataset loads and shows its kind of samples (waves: windows and next values)', async ({ page }) => {
  test.setTimeout(240_000);
  await openWithGraph(page, 'mlp-mnist');
  await page.getByTestId('dataset-preview-open').click();
  const dialog = page.getByTestId('dataset-preview');
  await ready(dialog, 'mnist');
  const select = page.getByTestId('dataset-preview-select');
  const ids = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(ids.length).toBeGreaterThanOrEqual(15);
  const kinds: Record<string, string> = {};
  for (const id of ids) {
    await select.selectOption(id);
    await ready(dialog, id);
    const kind = await dialog.evaluate((el) =>
      ['images', 'scatter', 'table', 'text', 'series'].find((k) => el.querySelector(`[data-testid="dataset-preview-${k}"]`) !== null) ?? 'none',
    );
    kinds[id] = kind;
    if (['iris', 'penguins', 'sentiment', 'waves'].includes(id)) await shot(dialog, id);
  }
  expect(kinds).toMatchObject({
    mnist: 'images',
    'fashion-mnist': 'images',
    iris: 'table',
    penguins: 'table',
    spirals: 'scatter',
    moons: 'scatter',
    circles: 'scatter',
    xor: 'scatter',
    blobs: 'scatter',
    waves: 'series',
    dates: 'text',
    'g2p-cmudict': 'text',
    'en-fr': 'text',
    reverse: 'text',
    sort: 'text',
    sentiment: 'text',
  });
  // Waves: 32 windows, each a line of 32 values followed by its next value.
  await select.selectOption('waves');
  await ready(dialog, 'waves');
  await expect(page.getByTestId('dataset-preview-series')).toHaveAttribute('data-samples', '32');
  const lines = await page.getByTestId('dataset-preview-series').locator('polyline.dp-series-window').evaluateAll((ps) => ps.map((p) => p.getAttribute('points')?.split(' ').length ?? 0));
  expect(lines).toEqual(new Array(32).fill(32));
  await expect(page.getByTestId('dataset-preview-series').locator('circle.dp-series-next')).toHaveCount(32);
  // Sentiment samples carry their class label.
  await select.selectOption('sentiment');
  await ready(dialog, 'sentiment');
  const labels = await page.getByTestId('dataset-preview-pair').evaluateAll((trs) => trs.map((tr) => tr.lastElementChild?.textContent ?? ''));
  expect(labels).toHaveLength(32);
  expect(new Set(labels).size).toBeGreaterThanOrEqual(2);
  expect(problemsOf(page)).toEqual([]);
});
