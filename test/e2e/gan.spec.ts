/**
 * GANs in the app (issue 17): the training phases in the one setup form (each edit one undo step,
 * refused values at the field with the reason), a node's shared weights in the inspector, and the
 * GAN tab's views while gan-2d trains.
 */
import { expect, test, type Page } from '@playwright/test';
import { clickPane, documentOf, openTemplate } from './editor-helpers';
import { load, shot, template } from './training-helpers';

async function open(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto('/');
  await expect(page.getByTestId('canvas')).toBeVisible();
  return problems;
}

test.use({ viewport: { width: 1600, height: 1000 } });
// The machine is shared: these tests take minutes under load, not seconds.
test.setTimeout(300_000);

test('the phases of gan-2d in the setup form: edit, refuse, add, remove, undo', async ({ page }) => {
  const problems = await open(page);
  await openTemplate(page, 'gan-2d');
  await clickPane(page);
  const dock = page.getByTestId('training-dock');
  const before = await documentOf(page);
  const phases = before.training.phases ?? [];
  expect(phases.length).toBe(2);
  await expect(dock.getByTestId('phase-0')).toBeVisible();
  await expect(dock.getByTestId('phase-1')).toBeVisible();
  await expect(dock.getByTestId('phase-0-name')).toHaveValue(phases[0]?.name as string);
  // Its losses and updated nodes are ticked.
  for (const id of phases[0]?.losses ?? []) await expect(dock.getByTestId(`phase-0-losses-${id}`)).toBeChecked();
  for (const id of phases[0]?.updates ?? []) await expect(dock.getByTestId(`phase-0-updates-${id}`)).toBeChecked();
  // Each phase has its own optimizer: the setup's optimizer fields are not shown.
  await expect(dock.locator('#setup-optimizer')).toHaveCount(0);

  // A valid value reaches the document: one undo step takes it back.
  const steps = dock.getByTestId('phase-0-steps');
  await steps.fill('3');
  await steps.press('Enter');
  expect((await documentOf(page)).training.phases?.[0]?.steps).toBe(3);
  await clickPane(page);
  await page.keyboard.press('Control+z');
  expect((await documentOf(page)).training.phases?.[0]?.steps).toBe(phases[0]?.steps);
  await expect(steps).toHaveValue(String(phases[0]?.steps));

  // Out of bounds: refused at the field with the reason.
  await steps.fill('0');
  await steps.press('Enter');
  await expect(dock.getByRole('alert').filter({ hasText: /Steps per cycle must be between 1 and 1000/ })).toBeVisible();
  expect((await documentOf(page)).training.phases?.[0]?.steps).toBe(phases[0]?.steps);
  await steps.press('Escape');

  // Unticking a phase's only loss is refused with the reason.
  const onlyLoss = phases[0]?.losses[0] as string;
  await dock.getByTestId(`phase-0-losses-${onlyLoss}`).click();
  await expect(dock.getByTestId('phase-0-refusal')).toContainText('at least one loss');
  expect((await documentOf(page)).training.phases?.[0]?.losses).toEqual(phases[0]?.losses);
  await expect(dock.getByTestId(`phase-0-losses-${onlyLoss}`)).toBeChecked();

  // A duplicate name is refused; a new one is taken.
  const name = dock.getByTestId('phase-0-name');
  await name.fill(phases[1]?.name as string);
  await name.press('Enter');
  await expect(dock.getByTestId('phase-0-refusal')).toContainText(`another phase is named "${phases[1]?.name}"`);
  await name.fill('critic');
  await name.press('Enter');
  expect((await documentOf(page)).training.phases?.[0]?.name).toBe('critic');

  // Learning rate of the second phase, from the same declaration.
  const rate = dock.getByTestId('phase-1-learningRate');
  await rate.fill('-1');
  await rate.press('Enter');
  await expect(dock.getByRole('alert').filter({ hasText: /Learning rate must be greater than 0/ })).toBeVisible();
  await rate.fill('0.002');
  await rate.press('Enter');
  expect((await documentOf(page)).training.phases?.[1]?.learningRate).toBe(0.002);

  // Add a phase, then remove phases down to the plain setup; undo brings them back one by one.
  await dock.getByTestId('phase-add').click();
  expect((await documentOf(page)).training.phases?.map((p) => p.name)).toEqual(['critic', phases[1]?.name, 'phase 3']);
  await page.getByTestId('training-dock').screenshot({ path: 'test-results/gan-phases.png' });
  for (let i = 0; i < 3; i++) await dock.getByTestId('phase-0-remove').click();
  expect((await documentOf(page)).training.phases).toBeUndefined();
  await expect(dock.locator('#setup-optimizer')).toHaveCount(1);
  await clickPane(page);
  await page.keyboard.press('Control+z');
  expect((await documentOf(page)).training.phases?.map((p) => p.name)).toEqual(['phase 3']);
  const errors = await page.evaluate(() => window.__netwright?.analyze().issues.filter((i) => i.severity === 'error').length);
  expect(errors).toBe(0);
  expect(problems).toEqual([]);
});

test("a node's shared weights in the inspector: shown, changed, refused with the reason, undone", async ({ page }) => {
  const problems = await open(page);
  await openTemplate(page, 'gan-2d');
  await page.locator('.react-flow__node[data-id="d_hidden2_fake"]').click();
  const inspector = page.getByTestId('node-inspector');
  const shares = inspector.getByTestId('param-shares');
  await expect(shares).toHaveValue('d_hidden2');
  // Another Dense with other parameters: refused, the document unchanged.
  await shares.selectOption('generated');
  await expect(inspector.getByTestId('shares-refusal')).toContainText('its parameters must be the same: activation is "leakyRelu" here but "linear" there');
  await expect(shares).toHaveValue('d_hidden2');
  // Same parameters, other input shapes: refused.
  await shares.selectOption('d_hidden1');
  await expect(inspector.getByTestId('shares-refusal')).toContainText('inputs must have the same shapes');
  expect((await documentOf(page)).nodes.find((n) => n.id === 'd_hidden2_fake')?.shares).toBe('d_hidden2');
  // Its own weights: one undoable edit; the node now counts its own parameters.
  await shares.selectOption('');
  expect((await documentOf(page)).nodes.find((n) => n.id === 'd_hidden2_fake')?.shares).toBeUndefined();
  await expect(inspector.getByTestId('inspector-params')).toHaveText('4,160 parameters');
  await inspector.screenshot({ path: 'test-results/gan-shares-inspector.png' });
  await clickPane(page);
  await page.keyboard.press('Control+z');
  expect((await documentOf(page)).nodes.find((n) => n.id === 'd_hidden2_fake')?.shares).toBe('d_hidden2');
  expect(problems).toEqual([]);
});

test('the GAN tab while gan-2d trains: the plane with the surface and arrows, samples per epoch, the game chart, diversity, interpolation', async ({ page }) => {
  const problems = await open(page);
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  await load(page, template('gan-2d', { epochs: 8 }));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|error|non-finite/, { timeout: 240_000 });
  await expect(page.getByTestId('run-state')).toHaveText('completed');
  await page.getByTestId('tab-gan').click();
  await expect(page.getByTestId('gan-plane')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('gan-samples')).toBeVisible();
  await expect(page.getByTestId('gan-game-chart')).toBeVisible();
  await expect(page.getByTestId('gan-diversity')).toContainText('as spread out as real ones');
  await expect(page.getByTestId('gan-interpolation')).toBeVisible({ timeout: 60_000 });
  // The plane is drawn: its pixels are not one colour.
  const colours = await page.getByTestId('gan-plane').evaluate((c: HTMLCanvasElement) => {
    const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 37) seen.add((data[i] as number) * 65536 + (data[i + 1] as number) * 256 + (data[i + 2] as number));
    return seen.size;
  });
  expect(colours).toBeGreaterThan(20);
  // Per epoch snapshots: 8 epochs + the latest; scrubbing to epoch 1 shows other samples.
  const slider = page.getByTestId('gan-epoch-slider');
  await expect(slider).toHaveAttribute('max', '8');
  const pixels = () => page.getByTestId('gan-samples').evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const last = await pixels();
  await slider.fill('0');
  await expect(page.getByTestId('gan-epoch-label')).toHaveText('epoch 1');
  await expect.poll(pixels).not.toBe(last);
  await slider.fill('8');
  await expect(page.getByTestId('gan-epoch-label')).toHaveText('latest');
  await shot(page, 'gan');
  expect(problems).toEqual([]);
});

test("a WGAN-GP run's game chart draws the gradient penalty as its own series beside both losses and D(x), D(G(z))", async ({ page }) => {
  const problems = await open(page);
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  const doc = template('gan-2d', { epochs: 2 });
  for (const node of doc.nodes as { type: string; params: Record<string, unknown> }[]) {
    if (node.type === 'GANDiscriminatorLoss' || node.type === 'GANGeneratorLoss') node.params['formulation'] = 'wasserstein-gp';
  }
  await load(page, doc);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText(/completed|stopped|error|non-finite/, { timeout: 240_000 });
  await expect(page.getByTestId('run-state')).toHaveText('completed');
  await page.getByTestId('tab-gan').click();
  const chart = page.getByTestId('gan-game-chart');
  await expect(chart).toBeVisible();
  // uPlot's legend names every series: the two losses (by node name), D(x), D(G(z)) and GP.
  const labels = chart.locator('.u-legend .u-series th');
  await expect(labels).toHaveText(['step', 'd_loss', 'g_loss', 'D(x)', 'D(G(z))', 'GP']);
  await expect(page.locator('.gan-game h4')).toContainText("GP: the gradient penalty");
  // The GP series has points: uPlot's data for it holds finite values at the critic's steps.
  const points = Number(await chart.getAttribute('data-points'));
  expect(points).toBeGreaterThan(0);
  await shot(page, 'gan-wgan-gp');
  expect(problems).toEqual([]);
});
