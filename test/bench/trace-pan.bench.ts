/**
 * Where the time goes while the canvas is panned during training: a Chrome trace per condition,
 * summed per thread (busy ms per second of panning) and, on the page's main thread, per event.
 *   npm run build:web && npx playwright test -c test/bench/playwright.bench.config.ts trace-pan
 * Set TRACE_DIR to keep the raw traces.
 */
import { expect, test, type Page } from '@playwright/test';
import { mlpDocument, panFrames } from './pan';
import { mkdirSync, writeFileSync } from 'node:fs';

test.use({ viewport: { width: 1440, height: 1100 } });

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  cat: string;
  args?: { name?: string; data?: { url?: string; functionName?: string; type?: string } };
}



const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'v8.execute',
  'blink',
  'cc',
  'viz',
  'gpu',
  '__metadata',
].join(',');

const MAIN_NAMES = [
  'FunctionCall',
  'EventDispatch',
  'TimerFire',
  'FireAnimationFrame',
  'RunMicrotasks',
  'UpdateLayoutTree',
  'Layout',
  'PrePaint',
  'Paint',
  'Layerize',
  'Commit',
  'MajorGC',
  'MinorGC',
  'V8.GC_SCAVENGER',
  'ParseHTML',
  'HitTest',
  'IntersectionObserverController::computeIntersections',
];

function summarise(events: TraceEvent[], seconds: number): Record<string, unknown> {
  const names = new Map<string, string>();
  const procs = new Map<number, string>();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
    if (e.ph === 'M' && e.name === 'process_name') procs.set(e.pid, e.args?.name ?? '?');
  }
  // Busy time per thread: the top-level task events (not nested in one another).
  const busy = new Map<string, number>();
  const cpu = new Map<string, number>();
  const byName = new Map<string, number>();
  const scripts = new Map<string, number>();
  let rendererPid = -1;
  for (const e of events) if (e.ph === 'X' && e.name === 'Paint') rendererPid = e.pid;
  const openUntil = new Map<string, number>();
  const sorted = events.filter((e) => e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  for (const e of sorted) {
    const key = `${e.pid}:${e.tid}`;
    const thread = `${procs.get(e.pid) ?? e.pid}/${names.get(key) ?? e.tid}`;
    if (e.cat.includes('toplevel') && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask' || e.name.startsWith('ThreadPool_RunTask'))) {
      if (e.ts >= (openUntil.get(key) ?? 0)) {
        busy.set(thread, (busy.get(thread) ?? 0) + (e.dur as number) / 1000);
        cpu.set(thread, (cpu.get(thread) ?? 0) + ((e as { tdur?: number }).tdur ?? 0) / 1000);
        openUntil.set(key, e.ts + (e.dur as number));
      }
    }
    if (e.pid === rendererPid && names.get(key) === 'CrRendererMain' && MAIN_NAMES.includes(e.name)) {
      byName.set(e.name, (byName.get(e.name) ?? 0) + (e.dur as number) / 1000);
      if (e.name === 'FunctionCall' || e.name === 'TimerFire' || e.name === 'EventDispatch' || e.name === 'FireAnimationFrame') {
        const d = e.args?.data;
        const where = `${e.name} ${d?.type ?? ''} ${d?.functionName ?? ''} ${(d?.url ?? '').split('/').pop() ?? ''}`.trim();
        scripts.set(where, (scripts.get(where) ?? 0) + (e.dur as number) / 1000);
      }
    }
  }
  const perSecond = (m: Map<string, number>, top: number) =>
    Object.fromEntries(
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, v]) => [k, Math.round(v / seconds)]),
    );
  return { busyMsPerS: perSecond(busy, 8), cpuMsPerS: perSecond(cpu, 8), mainMsPerS: perSecond(byName, 20), scriptsMsPerS: perSecond(scripts, 14) };
}

async function traced(page: Page, label: string, seconds: number): Promise<void> {
  const browser = page.context().browser();
  if (!browser) throw new Error('no browser');
  await browser.startTracing(page, { categories: CATEGORIES.split(',') });
  const frames = await panFrames(page, seconds);
  const buffer = await browser.stopTracing();
  if (process.env.TRACE_DIR) {
    mkdirSync(process.env.TRACE_DIR, { recursive: true });
    writeFileSync(`${process.env.TRACE_DIR}/${label.replace(/\W+/g, '-')}.json`, buffer);
  }
  const parsed = JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] };
  const sorted = [...frames].sort((a, b) => a - b);
  const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? NaN;
  console.log(`\n=== ${label}: ${frames.length} frames, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
  console.log(JSON.stringify(summarise(parsed.traceEvents, seconds), null, 1));
}

test('trace: where the time goes while panning', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, { timeout: 60_000 });
  console.log('backend', await page.getByTestId('backend-name').textContent());
  await page.evaluate((d) => {
    window.__netwright?.store.getState().load(d as never, { name: null, handle: null, savedText: null });
    window.__netwright?.store.getState().setPanel('summary', false);
  }, mlpDocument(20));
  await panFrames(page, 2); // warm-up
  await traced(page, 'idle', 5);
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-state')).toHaveText('running', { timeout: 60_000 });
  await expect.poll(() => page.evaluate(() => window.__netwrightTraining?.store.getState().runs.at(-1)?.steps.length ?? 0)).toBeGreaterThan(10);
  await traced(page, 'training, curves', 6);
  await page.getByTestId('tab-runs').click();
  await traced(page, 'training, runs tab', 6);
  await page.evaluate(() => window.__netwright?.store.getState().select({ nodes: ['hidden'], edges: [] }));
  await page.getByTestId('tab-activations').click();
  await traced(page, 'training, activations', 6);
  await page.getByTestId('tab-gradients').click();
  await page.getByTestId('edge-overlay-toggle').check();
  await traced(page, 'training, gradients+overlay', 6);
  await page.getByTestId('tab-confusion').click();
  await traced(page, 'training, model', 6);
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('run-state')).toHaveText('paused');
  await traced(page, 'paused, model', 5);
  await page.evaluate(() => window.__netwrightTraining?.engine.stop());
});
