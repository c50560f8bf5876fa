/**
 * Dataset options are declared per dataset (bounds, defaults) and checked with a JSON path;
 * analysis never throws whatever options or parameters a schema-valid file carries.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datasetIds, datasetOptionSpecs, resolveDatasetFeature, validateDatasetOptions } from '../../../core/data';
import { analyzeGraph, formatSummary, parseGraphText, summarize, type GraphDocument } from '../../../core/graph';

function spirals(): GraphDocument {
  const parsed = parseGraphText(readFileSync('examples/playground-spirals.json', 'utf8'));
  if (!parsed.ok) throw new Error('the example must parse');
  return parsed.graph;
}

function withOptions(graph: GraphDocument, id: string, options: Record<string, number | string | boolean>): GraphDocument {
  return { ...graph, training: { ...graph.training, dataset: { id, options } } };
}

describe('dataset options', () => {
  it('an out-of-range size is an analysis error at $.training.dataset.options.size, not an exception', () => {
    const graph = withOptions(spirals(), 'spirals', { size: 5 });
    const analysis = analyzeGraph(graph);
    const issue = analysis.issues.find((i) => i.path === '$.training.dataset.options.size');
    expect(issue?.severity).toBe('error');
    expect(issue?.message).toMatch(/size/);
    expect(issue?.message).toMatch(/10/);
    expect(() => formatSummary(summarize(graph, analysis))).not.toThrow();
  });

  it('unknown options and wrong types are named by path', () => {
    const unknown = analyzeGraph(withOptions(spirals(), 'spirals', { sizee: 100 }));
    expect(unknown.issues.some((i) => i.path === '$.training.dataset.options.sizee' && i.severity === 'error')).toBe(true);
    const wrongType = analyzeGraph(withOptions(spirals(), 'spirals', { noise: 'loud' }));
    expect(wrongType.issues.some((i) => i.path === '$.training.dataset.options.noise')).toBe(true);
  });

  it('each dataset declares its options with the catalogue parameter specs', () => {
    for (const id of datasetIds()) {
      const specs = datasetOptionSpecs(id);
      expect(specs).toBeDefined();
      for (const spec of Object.values(specs ?? {})) expect(spec.label.length).toBeGreaterThan(0);
    }
    expect(datasetOptionSpecs('spirals')?.size).toMatchObject({ kind: 'int', default: 1000, min: 10, max: 1_000_000 });
    expect(datasetOptionSpecs('blobs')?.classes).toMatchObject({ kind: 'int', min: 2, max: 8 });
    expect(validateDatasetOptions('moons', {})).toEqual({ ok: true, options: expect.objectContaining({ size: 1000 }) as unknown });
  });

  it('the feature resolver returns the problem instead of throwing', () => {
    expect(() => resolveDatasetFeature('moons', 'point', { size: 3 })).not.toThrow();
    expect(resolveDatasetFeature('moons', 'point', { size: 3 })).toEqual({ error: expect.stringMatching(/size/) as unknown });
  });

  it('property: arbitrary dataset options and node parameters never make analysis throw', () => {
    const base = spirals();
    const optionValue = fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constantFrom(-1, 0, 5, 1e9, 2 ** 31, Number.MAX_SAFE_INTEGER));
    const optionKey = fc.oneof(fc.constantFrom('size', 'noise', 'seed', 'classes', 'verifySha256'), fc.string({ maxLength: 6 }));
    const paramValue = fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 6 }), fc.array(fc.oneof(fc.integer({ min: -3, max: 1e7 }), fc.constant(null)), { maxLength: 5 }));
    fc.assert(
      fc.property(
        fc.constantFrom(...datasetIds(), 'nope'),
        fc.dictionary(optionKey, optionValue, { maxKeys: 4 }),
        fc.nat(),
        fc.dictionary(fc.constantFrom('units', 'shape', 'rate', 'activation', 'feature', 'useBias', 'filters'), paramValue, { maxKeys: 3 }),
        (id, options, pick, params) => {
          const graph = withOptions(base, id, options);
          const node = graph.nodes[pick % graph.nodes.length];
          if (node) graph.nodes[pick % graph.nodes.length] = { ...node, params: { ...node.params, ...params } };
          const analysis = analyzeGraph(graph);
          formatSummary(summarize(graph, analysis));
        },
      ),
      { numRuns: 400, seed: 11 },
    );
  });
});
