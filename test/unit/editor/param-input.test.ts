import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { param, paramSchema, type ParamSpec } from '../../../core/catalogue/params';
import { allDecls } from '../../../core/catalogue/registry';
import { formatParamValue, parseParamInput } from '../../../renderer/editor/param-input';

describe('parseParamInput', () => {
  const units = param.int({ default: 32, min: 1, max: 1000, label: 'Units', help: '' });
  const rate = param.float({ default: 0.5, min: 0, max: 1, exclusiveMin: true, label: 'Rate', help: '' });
  const shape = param.ints({ default: [28, 28, 1], minLength: 0, maxLength: 4, min: 1, max: 1_000_000, allowNull: true, label: 'Shape', help: '' });
  const kernel = param.ints({ default: [3, 3], minLength: 2, maxLength: 2, min: 1, max: 64, label: 'Kernel size', help: '' });

  it('accepts values in range and refuses the rest with a message', () => {
    expect(parseParamInput(units, ' 128 ')).toEqual({ ok: true, value: 128 });
    expect(parseParamInput(units, '0')).toEqual({ ok: false, message: 'Units must be between 1 and 1000' });
    expect(parseParamInput(units, '12.5')).toEqual({ ok: false, message: 'Units must be a whole number' });
    expect(parseParamInput(units, '12abc')).toEqual({ ok: false, message: 'Units must be a whole number' });
    expect(parseParamInput(units, '')).toMatchObject({ ok: false });
    expect(parseParamInput(rate, '1e-1')).toEqual({ ok: true, value: 0.1 });
    // 0 itself is excluded: the message says so.
    expect(parseParamInput(rate, '0')).toEqual({ ok: false, message: 'Rate must be greater than 0 and at most 1' });
    expect(parseParamInput(rate, 'Infinity')).toMatchObject({ ok: false });
  });

  it('an empty optional number is "off" (null); a required one is refused', () => {
    const clip = { kind: 'float', label: 'Clip', help: '', default: null, min: 0, exclusiveMin: true, nullable: true } as const;
    expect(parseParamInput(clip, ' ')).toEqual({ ok: true, value: null });
    expect(parseParamInput(clip, '0')).toEqual({ ok: false, message: 'Clip must be greater than 0' });
    expect(parseParamInput(units, '')).toMatchObject({ ok: false });
  });

  it('reads comma-separated int lists with length, bounds and null rules', () => {
    expect(parseParamInput(shape, '28, 28,1')).toEqual({ ok: true, value: [28, 28, 1] });
    expect(parseParamInput(shape, '')).toEqual({ ok: true, value: [] });
    expect(parseParamInput(shape, '?, 64')).toEqual({ ok: true, value: [null, 64] });
    expect(parseParamInput(shape, '1,2,3,4,5')).toEqual({ ok: false, message: 'Shape needs 0 to 4 comma-separated numbers' });
    expect(parseParamInput(shape, '10, x')).toEqual({ ok: false, message: 'Shape: entry 2 must be a whole number' });
    expect(parseParamInput(kernel, '3')).toEqual({ ok: false, message: 'Kernel size needs 2 comma-separated numbers' });
    expect(parseParamInput(kernel, '3, ')).toEqual({ ok: false, message: 'Kernel size: entry 2 is empty' });
    expect(parseParamInput(kernel, '3, 65')).toEqual({ ok: false, message: 'Kernel size: entry 2 must be between 1 and 64' });
  });

  it('agrees with the parameter schema on every catalogue parameter: what it accepts, the schema accepts', () => {
    const specs: ParamSpec[] = allDecls().flatMap((d) => Object.values(d.params));
    fc.assert(
      fc.property(fc.constantFrom(...specs), fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 300 }), (spec, text, n) => {
        for (const input of [text, String(n), `${n}, ${n}`, `${n / 4}`]) {
          const parsed = parseParamInput(spec, input);
          if (parsed.ok) expect(paramSchema(spec).safeParse(parsed.value).success).toBe(true);
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('round-trips every default value through the text shown in the field', () => {
    for (const decl of allDecls()) {
      for (const spec of Object.values(decl.params)) {
        if (spec.kind === 'bool') continue;
        const text = formatParamValue(spec, spec.default);
        expect(parseParamInput(spec, text), `${decl.type}.${spec.label}`).toEqual({ ok: true, value: spec.default });
      }
    }
  });
});
