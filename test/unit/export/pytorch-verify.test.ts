/**
 * Every example graph exported to PyTorch and run by the real PyTorch (Debian's python3-torch):
 * the same parameter count, and for the same weights and inputs the same outputs and losses.
 * Skipped with the reason where /usr/bin/python3 has no torch; in CI a missing torch fails.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGraphText, type GraphDocument } from '../../../core/graph';
import { prepareCase, runPython, skipReason, type CaseResult, type Prepared } from './pytorch-oracle';

const EXAMPLES = resolve(__dirname, '../../../examples');
/** Examples the export refuses, with the node it names. */
const REFUSED: Readonly<Record<string, RegExp>> = { 'gan-2d': /Noise/ };

/** Sampling draws noise; the check compares its deterministic output (mu) instead. */
function deterministic(graph: GraphDocument): GraphDocument {
  return { ...graph, nodes: graph.nodes.map((n) => (n.type === 'Sampling' ? { ...n, params: { ...n.params, deterministic: true } } : n)) };
}

const why = skipReason();
if (why) console.log(`PyTorch export checks skipped: ${why}`);

describe.skipIf(why !== null)('PyTorch export of the examples, checked by PyTorch', () => {
  const prepared: Prepared[] = [];
  let results = new Map<string, CaseResult>();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const root = mkdtempSync(join(tmpdir(), 'netwright-torch-examples-'));
    for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()) {
      const parsed = parseGraphText(readFileSync(join(EXAMPLES, file), 'utf8'));
      if (!parsed.ok) throw new Error(`${file} does not parse`);
      prepared.push(prepareCase(file.replace(/\.json$/, ''), deterministic(parsed.graph), root));
    }
    results = runPython(prepared.flatMap((p) => (p.ok ? [p.case] : [])));
  }, 300_000);

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
});
