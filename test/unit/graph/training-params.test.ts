/** The training setup is declared once: schema, defaults and the form's bounds agree. */
import { describe, expect, it } from 'vitest';
import { paramSchema } from '../../../core/catalogue/params';
import { DEFAULT_TRAINING, TRAINING_PARAMS, parseGraphText, serializeGraph, emptyGraph, trainingSchema } from '../../../core/graph';

describe('training setup declaration', () => {
  it('the defaults are the declared ones and pass the schema', () => {
    for (const [key, spec] of Object.entries(TRAINING_PARAMS)) expect(DEFAULT_TRAINING[key as keyof typeof DEFAULT_TRAINING]).toEqual(spec.default);
    expect(trainingSchema.safeParse(DEFAULT_TRAINING).success).toBe(true);
  });

  it('every bound of a declared parameter is a bound of the document schema', () => {
    const cases: [keyof typeof TRAINING_PARAMS, unknown, boolean][] = [
      ['seed', 2 ** 31 - 1, true],
      ['seed', 2 ** 31, false],
      ['seed', -1, false],
      ['gradientClipNorm', 0, false],
      ['gradientClipNorm', null, true],
      ['gradientClipNorm', 1e6, true],
      ['gradientClipNorm', 1e6 + 1, false],
      ['earlyStoppingPatience', 0, false],
      ['earlyStoppingPatience', null, true],
      ['learningRate', 0, false],
      ['learningRate', 100, true],
      ['validationSplit', 0.95, false],
      ['epochs', 2.5, false],
      ['optimizer', 'lbfgs', false],
    ];
    for (const [key, value, ok] of cases) {
      expect(paramSchema(TRAINING_PARAMS[key]).safeParse(value).success, `${key} = ${String(value)}`).toBe(ok);
      expect(trainingSchema.safeParse({ ...DEFAULT_TRAINING, [key]: value }).success, `document ${key} = ${String(value)}`).toBe(ok);
    }
  });

  it('a file with an out-of-range seed is refused with its JSON path', () => {
    const doc = emptyGraph('g');
    const text = serializeGraph({ ...doc, training: { ...doc.training, seed: 2 ** 31 } });
    const parsed = parseGraphText(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.path).join(' ')).toContain('training.seed');
  });
});
