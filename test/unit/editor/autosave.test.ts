import { describe, expect, it } from 'vitest';
import { serializeGraph } from '../../../core/graph';
import { TEMPLATES } from '../../../core/templates';
import { decodeAutosave, encodeAutosave } from '../../../renderer/editor/autosave';

describe('autosave records', () => {
  it('round-trip every template exactly (the recovered document equals the saved one)', () => {
    for (const t of TEMPLATES) {
      const document = t.build();
      const decoded = decodeAutosave(encodeAutosave({ document, fileName: `${t.id}.json`, savedAt: 1_700_000_000_000 }));
      if (!decoded.ok) throw new Error(decoded.reason);
      expect(serializeGraph(decoded.record.document)).toBe(serializeGraph(document));
      expect(decoded.record.fileName).toBe(`${t.id}.json`);
      expect(decoded.record.savedAt).toBe(1_700_000_000_000);
    }
  });

  it('reports corrupt records instead of throwing', () => {
    const good = encodeAutosave({ document: (TEMPLATES[0] ?? { build: () => { throw new Error(); } }).build(), fileName: null, savedAt: 5 });
    const cases = [
      '',
      'not json',
      'null',
      '{}',
      good.slice(0, good.length / 2),
      JSON.stringify({ ...JSON.parse(good), savedAt: 'yesterday' }),
      JSON.stringify({ ...JSON.parse(good), document: '{"format":"netwright.graph"}' }),
      JSON.stringify({ ...JSON.parse(good), document: (JSON.parse(good) as { document: string }).document.replace('"units": 128', '"units": -1') }),
    ];
    for (const text of cases) {
      const decoded = decodeAutosave(text);
      expect(decoded.ok, text.slice(0, 40)).toBe(false);
      if (!decoded.ok) expect(decoded.reason.length).toBeGreaterThan(0);
    }
  });
});
