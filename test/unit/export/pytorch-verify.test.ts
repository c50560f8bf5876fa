/**
 * Every example graph exported to PyTorch and run by the real PyTorch (Debian's python3-torch):
 * the same parameter count, and for the same weights and inputs the same outputs and losses, and
 * one training step's weighted total loss and the gradient of every parameter (inference mode:
 * dropout off, Sampling's mean, BatchNorm's moving statistics; so nothing random differs).
 * Skipped with the reason where /usr/bin/python3 has no torch; in CI a missing torch fails.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuKernelFixes, registerWasmKernelGaps } from '../../../core/engine/kernels';
import { parseGraphText } from '../../../core/graph';
import { deterministic, prepareCase, runPython, skipReason, type CaseResult, type Prepared } from './pytorch-oracle';

const require = createRequire(import.meta.url);
// In Node the wasm backend loads its .wasm from a folder path (with a trailing separator).
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

const EXAMPLES = resolve(__dirname, '../../../examples');
/** Examples the export refuses, with the node it names. */
const REFUSED: Readonly<Record<string, RegExp>> = { 'gan-2d': /Noise/, 'dcgan-mnist': /Noise/, 'dcgan-fashion-mnist': /Noise/, 'cgan-mnist': /Noise/ };

const why = skipReason();
if (why) console.log(`PyTorch export checks skipped: ${why}`);

describe.skipIf(why !== null)('PyTorch export of the examples, checked by PyTorch', () => {
  const prepared: Prepared[] = [];
  let results = new Map<string, CaseResult>();

  beforeAll(async () => {
    // wasm: the app's backend on machines without a GPU (and its convolution gradients take
    // 0.4 s for vae-conv-mnist where the cpu backend's take 31-46 s).
    registerWasmKernelGaps();
    registerCpuKernelFixes();
    expect(await tf.setBackend('wasm')).toBe(true);
    const started = performance.now();
    const root = mkdtempSync(join(tmpdir(), 'netwright-torch-examples-'));
    for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()) {
      const parsed = parseGraphText(readFileSync(join(EXAMPLES, file), 'utf8'));
      if (!parsed.ok) throw new Error(`${file} does not parse`);
      prepared.push(prepareCase(file.replace(/\.json$/, ''), deterministic(parsed.graph), root, 5, true, true));
    }
    const prepareMs = performance.now() - started;
    results = runPython(prepared.flatMap((p) => (p.ok ? [p.case] : [])));
    console.log(`prepared in ${(prepareMs / 1000).toFixed(1)} s (tfjs), checked in ${((performance.now() - started - prepareMs) / 1000).toFixed(1)} s (Python)`);
  }, 300_000);

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('exports every example or refuses it naming the node', () => {
    for (const p of prepared) {
      const refused = REFUSED[p.ok ? p.case.name : p.name];
      if (p.ok) expect(refused, `${p.case.name} exported but is listed as refused`).toBeUndefined();
      else {
        expect(refused, `${p.name} was refused: ${p.refusal}`).toBeDefined();
        expect(p.refusal).toMatch(refused as RegExp);
        expect(p.refusal).toMatch(/node "/);
      }
    }
  });

  it('gives the same parameter counts, outputs and losses as tfjs', () => {
    const table: string[] = [];
    for (const p of prepared) {
      if (!p.ok) continue;
      const r = results.get(p.case.name);
      expect(r, `${p.case.name}: no result from Python`).toBeDefined();
      expect(r?.error, `${p.case.name}: ${r?.error}`).toBeUndefined();
      expect(r?.trainable, `${p.case.name} trainable parameters`).toBe(p.case.trainable);
      expect(r?.nonTrainable, `${p.case.name} non-trainable parameters`).toBe(p.case.nonTrainable);
      expect(Object.keys(r?.outputs ?? {}).sort()).toEqual([...p.case.outputs].sort());
      expect(Object.keys(r?.losses ?? {}).sort()).toEqual([...p.case.losses].sort());
      const worst = Math.max(...Object.values(r?.outputs ?? {}));
      const worstLoss = Math.max(...Object.values(r?.losses ?? {}));
      for (const [key, rel] of Object.entries(r?.outputs ?? {})) expect(rel, `${p.case.name} output ${key}`).toBeLessThan(1e-5);
      for (const [key, rel] of Object.entries(r?.losses ?? {})) expect(rel, `${p.case.name} loss ${key}`).toBeLessThan(1e-5);
      table.push(`${p.case.name}: ${p.case.trainable} parameters, outputs ≤ ${worst.toExponential(1)} rel, losses ≤ ${worstLoss.toExponential(1)} rel`);
    }
    console.log(table.join('\n'));
  });

  it('gives the same total loss and gradients for one training step (every trainable parameter)', () => {
    const table: string[] = [];
    for (const p of prepared) {
      if (!p.ok) continue;
      const r = results.get(p.case.name);
      expect(r?.error, `${p.case.name}: ${r?.error}`).toBeUndefined();
      // Every trainable PyTorch parameter has a tfjs gradient and vice versa (frozen ones excluded by Python).
      expect(Object.keys(r?.gradients ?? {}).length, `${p.case.name}: gradients compared`).toBeGreaterThan(0);
      for (const key of Object.keys(r?.gradients ?? {})) expect(p.case.gradients, `${p.case.name}: tfjs has a gradient for ${key}`).toContain(key);
      expect(r?.totalLoss, `${p.case.name} total loss`).toBeLessThan(1e-5);
      const worst = Object.entries(r?.gradients ?? {}).reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0]);
      for (const [key, rel] of Object.entries(r?.gradients ?? {})) expect(rel, `${p.case.name} gradient of ${key}`).toBeLessThan(1e-4);
      table.push(`${p.case.name}: total loss ${(r?.totalLoss ?? NaN).toExponential(1)} rel, ${Object.keys(r?.gradients ?? {}).length} gradients ≤ ${worst[1].toExponential(1)} rel (${worst[0]})`);
    }
    console.log(table.join('\n'));
  });
});
