/**
 * Editor benchmark on a 500-node graph, in the built web app (system Chromium):
 *  - frame times while dragging a node and while panning (requestAnimationFrame deltas, p50/p95);
 *  - time to recompute shapes after one parameter edit (the app's shared analyzer, in the page,
 *    and the same in Node: cold analysis vs incremental after one edit).
 * Usage: npm run build:web && npx tsx scripts/bench-editor.ts [--port 4431]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from '@playwright/test';
import { createAnalyzer, emptyGraph, type GraphDocument } from '../core/graph';
import { addNode, connect, setParams } from '../core/graph/edit';

const portArg = process.argv.indexOf('--port');
const PORT = portArg > 0 ? Number(process.argv[portArg + 1]) : 4431;
const NODES = 500;

/** A 500-node network: an input, 497 alternating Dense / Dropout layers in a grid, a loss and its target. */
function bigGraph(): GraphDocument {
  let g = emptyGraph('bench-500');
  const columns = 25;
  const at = (i: number) => ({ x: (i % columns) * 260, y: Math.floor(i / columns) * 200 });
  let r = addNode(g, 'Input', at(0), { shape: [64] });
  g = r.graph;
  let previous = r.id;
  for (let i = 1; i < NODES - 2; i++) {
    r = i % 2 === 1 ? addNode(g, 'Dense', at(i), { units: 64, activation: 'relu' }) : addNode(g, 'Dropout', at(i), { rate: 0.1 });
    g = connect(r.graph, { source: { node: previous, port: 'out' }, target: { node: r.id, port: 'in' } }).graph;
    previous = r.id;
  }
  r = addNode(g, 'Input', at(NODES - 2), { shape: [64] });
  g = r.graph;
  const target = r.id;
  r = addNode(g, 'MeanSquaredError', at(NODES - 1));
  g = connect(r.graph, { source: { node: previous, port: 'out' }, target: { node: r.id, port: 'prediction' } }).graph;
  g = connect(g, { source: { node: target, port: 'out' }, target: { node: r.id, port: 'target' } }).graph;
  return g;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function describe(values: number[]): string {
  return `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms over ${values.length} frames`;
}

// Passed as text: tsx would wrap named functions in a helper the page does not have.
const START_FRAMES = `(() => {
  window.__frames = [];
  window.__recording = true;
  let last = 0;
  const tick = (t) => {
    window.__frames.push(t - last);
    last = t;
    if (window.__recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
})()`;

async function startFrames(page: Page): Promise<void> {
  await page.evaluate(START_FRAMES);
}

async function stopFrames(page: Page): Promise<number[]> {
  return (await page.evaluate('(() => { window.__recording = false; return window.__frames; })()')) as number[];
}

function benchAnalyzerInNode(graph: GraphDocument): void {
  const cold: number[] = [];
  const incremental: number[] = [];
  for (let run = 0; run < 10; run++) {
    const analyzer = createAnalyzer();
    let t = performance.now();
    analyzer.analyze(graph);
    cold.push(performance.now() - t);
    // Change one Dense layer in the middle of the chain: it and everything downstream re-evaluates.
    const middle = graph.nodes.filter((n) => n.type === 'Dense')[120 + run];
    if (!middle) throw new Error('graph too small');
    const edited = setParams(graph, middle.id, { units: 48 + run });
    t = performance.now();
    analyzer.analyze(edited);
    incremental.push(performance.now() - t);
  }
  console.log(`Node analyzer, 500 nodes: cold ${describeMs(cold)}; after one edit (middle of the chain) ${describeMs(incremental)}`);
}

function describeMs(values: number[]): string {
  return `median ${percentile(values, 50).toFixed(2)} ms (min ${Math.min(...values).toFixed(2)}, max ${Math.max(...values).toFixed(2)})`;
}

async function dragAndPan(page: Page, pane: { x: number; y: number; width: number; height: number }, nodeIndex: number): Promise<{ drag: number[]; pan: number[] }> {
  const box = await page.locator('.react-flow__node').nth(nodeIndex).boundingBox();
  if (!box) throw new Error('no node box');
  await startFrames(page);
  await page.mouse.move(box.x + box.width / 2, box.y + 4);
  await page.mouse.down();
  for (let i = 1; i <= 120; i++) await page.mouse.move(box.x + box.width / 2 + i * 2, box.y + 4 + i, { steps: 1 });
  await page.mouse.up();
  const drag = await stopFrames(page);
  await page.waitForTimeout(300);
  // Pan by dragging an empty corner of the pane.
  const startX = pane.x + pane.width - 30;
  const startY = pane.y + 12;
  await startFrames(page);
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  for (let i = 1; i <= 120; i++) await page.mouse.move(startX - i * 4, startY + i, { steps: 1 });
  await page.mouse.up();
  const pan = await stopFrames(page);
  await page.waitForTimeout(300);
  return { drag, pan };
}

async function main(): Promise<void> {
  const graph = bigGraph();
  benchAnalyzerInNode(graph);

  const server = spawn(process.execPath, ['scripts/web.mjs', '--no-build', '--port', String(PORT)], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.locator('.react-flow__pane').waitFor();
    await page.evaluate((doc) => {
      const hook = window.__netwright;
      if (!hook) throw new Error('no hook');
      hook.store.getState().load(doc, { name: 'bench.json', handle: null, savedText: null });
    }, graph);
    await page.locator('.react-flow__node').first().waitFor();
    await page.waitForTimeout(1000);
    // Fit the whole graph in view: every node is rendered (the worst case for drag and pan).
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('f');
    await page.waitForTimeout(1500);
    const rendered = await page.locator('.react-flow__node').count();
    const pane = await page.locator('.react-flow__pane').boundingBox();
    if (!pane) throw new Error('no pane');
    const all = await dragAndPan(page, pane, 260);
    // A working view, zoomed in with the wheel (React Flow renders only the visible nodes).
    await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
    for (let i = 0; i < 40 && (await page.locator('.react-flow__node').count()) > 40; i++) {
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(150);
    }
    await page.waitForTimeout(800);
    const renderedAtOne = await page.locator('.react-flow__node').count();
    const near = await dragAndPan(page, pane, Math.floor(renderedAtOne / 2));

    // Shape recomputation after one edit in the app: store edit + the shared (incremental) analyzer.
    const editTimes = (await page.evaluate(`(async () => {
      const hook = window.__netwright;
      const times = [];
      for (let i = 0; i < 10; i++) {
        const state = hook.store.getState();
        const dense = state.document.nodes.filter((n) => n.type === 'Dense')[100 + i];
        const t = performance.now();
        state.edit((g) => ({ ...g, nodes: g.nodes.map((n) => (n.id === dense.id ? { ...n, params: { ...n.params, units: 40 + i } } : n)) }));
        hook.analyze();
        times.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 50));
      }
      return times;
    })()`)) as number[];

    console.log(`Whole graph in view (${rendered} nodes rendered): dragging a node ${describe(all.drag)}`);
    console.log(`Whole graph in view: panning ${describe(all.pan)}`);
    console.log(`Zoomed in (${renderedAtOne} nodes rendered): dragging a node ${describe(near.drag)}`);
    console.log(`Zoomed in: panning ${describe(near.pan)}`);
    console.log(`In the page, one parameter edit + shape recomputation: ${describeMs(editTimes)}`);
    await browser.close();
  } finally {
    server.kill();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
