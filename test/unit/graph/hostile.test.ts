/**
 * Hostile input: thousands of seeded mutations of valid graph files. The reader must never throw;
 * a refused file is answered with errors that name a JSON path, an accepted one analyses cleanly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeGraph, formatSummary, LIMITS, parseGraph, parseGraphText, summarize } from '../../../core/graph';
import { mutate, mutationArb, templates } from '../../support/hostile-documents';

function checkAnswer(result: ReturnType<typeof parseGraph>): void {
  if (!result.ok) {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) {
      expect(e.path).toMatch(/^\$/);
      expect(e.message.length).toBeGreaterThan(0);
    }
    return;
  }
  const analysis = analyzeGraph(result.graph);
  for (const issue of analysis.issues) {
    expect(issue.message.length).toBeGreaterThan(0);
    // Graph-level issues aside, every issue points at the node or wire it is about.
    if (!/has no loss/.test(issue.message)) expect(issue.nodeId ?? issue.edgeId ?? issue.path).toBeDefined();
  }
  expect(() => formatSummary(summarize(result.graph, analysis))).not.toThrow();
}

describe('hostile graph files', () => {
  it('1,000 seeded mutations: no exception, every refusal names a path', () => {
    const bases = templates();
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (baseIndex, mutations) => {
        const doc = structuredClone(bases[baseIndex]) as Record<string, unknown>;
        for (const m of mutations) mutate(doc, m);
        checkAnswer(parseGraph(doc));
        // The same file as text (NaN becomes null, prototype keys stay literal keys).
        checkAnswer(parseGraphText(JSON.stringify(doc)));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1000, seed: 20261121 },
    );
  });

  it('garbage text of any kind is answered, never thrown', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        checkAnswer(parseGraphText(text));
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

/** A valid document's text with `extra` spliced in as the first member of the top-level object. */
function withMember(extra: string): string {
  const text = JSON.stringify(templates()[0]);
  return `{${extra},${text.slice(1)}`;
}

function expectRefusedWithPath(text: string, path: RegExp, message?: RegExp): void {
  let result: ReturnType<typeof parseGraphText> | undefined;
  expect(() => {
    result = parseGraphText(text);
  }).not.toThrow();
  expect(result?.ok).toBe(false);
  const errors = result && !result.ok ? result.errors : [];
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) {
    expect(e.path).toMatch(/^\$/);
    // Bounded: a hostile key or value is never echoed whole.
    expect(e.path.length + e.message.length).toBeLessThan(1000);
  }
  expect(errors[0]?.path).toMatch(path);
  if (message) expect(errors[0]?.message).toMatch(message);
}

describe('hostile big inputs are refused with a path, never thrown', () => {
  it('two million keys in one object', () => {
    const keys = Array.from({ length: 2_000_000 }, (_, i) => `"k${i}":0`).join(',');
    expectRefusedWithPath(withMember(keys), /^\$/, /keys/);
  });

  it('an array of five million elements', () => {
    const text = JSON.stringify(templates()[0]).replace('"nodes":[', `"nodes":[${'0,'.repeat(5_000_000)}`);
    expectRefusedWithPath(text, /^\$\.nodes/, /elements/);
  });

  it('over a million values in arrays each short enough', () => {
    const arrays = Array.from({ length: 60 }, (_, i) => `"a${i}":[${'0,'.repeat(19_990)}0]`).join(',');
    expectRefusedWithPath(withMember(arrays), /^\$/, /values/);
  });

  it('a key of 40 million characters', () => {
    expectRefusedWithPath(withMember(`"${'k'.repeat(40_000_000)}":1`), /^\$\["k+\.\.\. \(40,000,000 characters\)"\]$/, /key/);
  });

  it('nesting 100,000 levels deep', () => {
    expectRefusedWithPath(withMember(`"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}`), /^\$\.deep(\[0\])+$/, /deeper/);
  });

  it('base64 weights longer than the limit', () => {
    const doc = templates()[1] as { runs: { weights: { data: string } }[] };
    (doc.runs[0] as { weights: { data: string } }).weights.data = 'A'.repeat(LIMITS.weightChars + 4);
    expectRefusedWithPath(JSON.stringify(doc), /^\$\.runs\[0\]\.weights\.data$/, /characters/);
  });

  it('a top level that is not an object is refused before parsing the rest', () => {
    expectRefusedWithPath(`[${'1,'.repeat(3_000_000)}1]`, /^\$$/, /object/);
  });

  it('the same hostile values given as parsed JSON', () => {
    const doc = templates()[0] as Record<string, unknown>;
    doc.nodes = new Array<number>(5_000_000).fill(0);
    const result = parseGraph(doc);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.path).toMatch(/^\$\.nodes/);
    const wide = templates()[0] as Record<string, unknown>;
    wide['w'.repeat(1_000_000)] = 1;
    const refused = parseGraph(wide);
    expect(refused.ok).toBe(false);
    if (!refused.ok) for (const e of refused.errors) expect(e.path.length + e.message.length).toBeLessThan(1000);
  });
});
