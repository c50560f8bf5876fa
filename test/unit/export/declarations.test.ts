/**
 * Every catalogue layer type, through the configurations its own declaration lists
 * (`backendExamples`, which defineLayer requires of every computing layer): each one either exports
 * and computes what tfjs computes in the real runtime (PyTorch through /usr/bin/python3, ONNX
 * Runtime), or is refused up front with the node named and the reason. The list comes from the
 * registry, so a new layer type cannot slip past the exports: it is checked here as soon as it is
 * declared. Random weights, the same inputs, inference mode (Sampling returns its mean: its draws
 * are checked in onnx-types and the VAEs' PyTorch checks); every output port compared.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendExample, LayerDecl } from '../../../core/catalogue/decl';
import { allDecls } from '../../../core/catalogue/registry';
import { onnxRefusals } from '../../../core/export/onnx';
import { analyzeGraph, GraphBuilder, type GraphDocument } from '../../../core/graph';
import { compareWithOrt } from './onnx-harness';
import { prepareCase, runPython, skipReason, type CaseResult, type Prepared } from './pytorch-oracle';

const LAYER = 'layer';

interface ExampleCase {
  name: string;
  type: string;
  graph: GraphDocument;
  outputs: { node: string; port: string }[];
}

/** The example as a graph: one Input per wire (ids as int32, masks named so the oracle draws 0/1), then the layer. */
function exampleGraph(decl: LayerDecl, example: BackendExample): Omit<ExampleCase, 'name'> {
  const g = new GraphBuilder(`${decl.type} example`);
  const wiring: Record<string, ReturnType<GraphBuilder['add']>[]> = {};
  let n = 0;
  for (const [port, specs] of Object.entries(example.inputs)) {
    wiring[port] = specs.map((spec) => {
      const id = spec.kind === 'mask' ? `mask${n++}` : `in${n++}`;
      return g.add('Input', { shape: spec.shape, dtype: spec.kind === 'ids' ? 'int32' : 'float32', feature: id }, undefined, id);
    });
  }
  g.add(decl.type, decl.type === 'Sampling' ? { ...example.params, deterministic: true } : { ...example.params }, wiring, LAYER);
  const graph = g.build();
  const outputs = Object.keys(analyzeGraph(graph).nodes.get(LAYER)?.outputs ?? {}).map((port) => ({ node: LAYER, port }));
  return { type: decl.type, graph, outputs };
}

const layerDecls = allDecls().filter((d): d is LayerDecl => d.kind === 'layer');
const CASES: ExampleCase[] = layerDecls.flatMap((decl) => (decl.backendExamples ?? []).map((example, i) => ({ name: `${decl.type}_${i}`, ...exampleGraph(decl, example) })));

/** A refusal names the node and says why in a sentence. */
function expectNamedRefusal(message: string, where: string): void {
  expect(message, where).toMatch(new RegExp(`node "${LAYER}"`));
  expect(message.length, `${where}: ${message}`).toBeGreaterThan(40);
}

describe('every declared layer type, through its declaration\'s examples', () => {
  it('the examples cover every layer type of the catalogue', () => {
    expect(layerDecls.length).toBeGreaterThan(40);
    expect(new Set(CASES.map((c) => c.type))).toEqual(new Set(layerDecls.map((d) => d.type)));
  });

  describe('ONNX Runtime', () => {
    beforeAll(async () => {
      await tf.setBackend('cpu');
    });

    it.each(CASES.map((c) => c.name))('%s: exports and computes what tfjs computes, or is refused by node with the reason', async (name) => {
      const c = CASES.find((x) => x.name === name) as ExampleCase;
      const refused = onnxRefusals(c.graph);
      if (refused.length > 0) {
        expect(refused.map((r) => r.nodeName)).toContain(LAYER);
        for (const r of refused) expect(r.reason.length, `${name}: ${r.reason}`).toBeGreaterThan(20);
        return;
      }
      const result = await compareWithOrt(c.graph);
      expect(Object.keys(result.relative).length, name).toBe(result.exported.outputs.length);
      for (const [output, rel] of Object.entries(result.relative)) expect(rel, `${name}: ${output}`).toBeLessThan(1e-5);
      expect(result.exported.parameterCount).toBe(result.tfjsParams);
    });
  });

  const why = skipReason();
  if (why) console.log(`PyTorch checks of the declarations' examples skipped: ${why}`);

  describe.skipIf(why !== null)('PyTorch', () => {
    const prepared = new Map<string, Prepared>();
    let results = new Map<string, CaseResult>();

    beforeAll(async () => {
      await tf.setBackend('cpu');
      const root = mkdtempSync(join(tmpdir(), 'netwright-torch-declarations-'));
      for (const c of CASES) prepared.set(c.name, prepareCase(c.name, c.graph, root, 3, true, false, c.outputs));
      results = runPython([...prepared.values()].flatMap((p) => (p.ok ? [p.case] : [])));
    }, 300_000);

    it.each(CASES.map((c) => c.name))('%s: exports with its parameter count and tfjs\' outputs, or is refused by node with the reason', (name) => {
      const p = prepared.get(name);
      expect(p, name).toBeDefined();
      if (!p?.ok) {
        expectNamedRefusal(p?.refusal ?? '', name);
        return;
      }
      const r = results.get(name);
      expect(r?.error, `${name}: ${r?.error}`).toBeUndefined();
      expect(r?.trainable, `${name} trainable parameters`).toBe(p.case.trainable);
      expect(r?.nonTrainable, `${name} non-trainable parameters`).toBe(p.case.nonTrainable);
      expect(Object.keys(r?.outputs ?? {}).sort()).toEqual([...p.case.outputs].sort());
      expect(p.case.outputs.length, name).toBeGreaterThan(0);
      for (const [key, rel] of Object.entries(r?.outputs ?? {})) expect(rel, `${name} output ${key}`).toBeLessThan(1e-5);
    });
  });
});
