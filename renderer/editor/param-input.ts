/**
 * Turning what users type into parameter values, per parameter spec: the inspector applies a
 * value only when it parses and passes the spec's bounds; otherwise it shows the message.
 */
import type { ParamSpec } from '../../core/catalogue/params';
import type { ParamValueJson } from '../../core/graph/document';

export type ParsedInput = { ok: true; value: ParamValueJson } | { ok: false; message: string };

function boundsMessage(spec: { min?: number; max?: number }, exclusiveMin = false): string {
  if (exclusiveMin && spec.min !== undefined && spec.max !== undefined) return `greater than ${spec.min} and at most ${spec.max}`;
  if (spec.min !== undefined && spec.max !== undefined) return `between ${spec.min} and ${spec.max}`;
  if (spec.min !== undefined) return exclusiveMin ? `greater than ${spec.min}` : `at least ${spec.min}`;
  if (spec.max !== undefined) return `at most ${spec.max}`;
  return '';
}

function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed)) return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}

function checkInt(n: number | null, spec: { min?: number; max?: number }, what: string): string | null {
  if (n === null || !Number.isInteger(n)) return `${what} must be a whole number`;
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    return `${what} must be ${boundsMessage(spec)}`;
  }
  return null;
}

/** Text shown in a field for a value (inverse of `parseParamInput` for valid values). */
export function formatParamValue(spec: ParamSpec, value: unknown): string {
  if (spec.kind === 'ints') {
    return Array.isArray(value) ? value.map((v) => (v === null ? '' : String(v))).join(', ') : '';
  }
  if (value === undefined || value === null) return '';
  return String(value);
}

export function parseParamInput(spec: ParamSpec, text: string): ParsedInput {
  // An empty optional number is "off".
  if ((spec.kind === 'int' || spec.kind === 'float') && spec.nullable && text.trim() === '') return { ok: true, value: null };
  switch (spec.kind) {
    case 'int': {
      const n = parseNumber(text);
      const problem = checkInt(n, spec, spec.label);
      return problem ? { ok: false, message: problem } : { ok: true, value: n as number };
    }
    case 'float': {
      const n = parseNumber(text);
      if (n === null) return { ok: false, message: `${spec.label} must be a number` };
      const low = spec.min !== undefined && (spec.exclusiveMin ? n <= spec.min : n < spec.min);
      const high = spec.max !== undefined && n > spec.max;
      if (low || high) return { ok: false, message: `${spec.label} must be ${boundsMessage(spec, spec.exclusiveMin)}` };
      return { ok: true, value: n };
    }
    case 'bool':
      if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
      return { ok: false, message: `${spec.label} must be true or false` };
    case 'enum':
      return spec.options.includes(text)
        ? { ok: true, value: text }
        : { ok: false, message: `${spec.label} must be one of ${spec.options.join(', ')}` };
    case 'string':
      return text.length > spec.maxLength
        ? { ok: false, message: `${spec.label} is longer than ${spec.maxLength} characters` }
        : { ok: true, value: text };
    case 'ints': {
      const trimmed = text.trim();
      const parts = trimmed === '' ? [] : trimmed.split(',').map((p) => p.trim());
      if (parts.length < spec.minLength || parts.length > spec.maxLength) {
        const count = spec.minLength === spec.maxLength ? `${spec.minLength}` : `${spec.minLength} to ${spec.maxLength}`;
        return { ok: false, message: `${spec.label} needs ${count} comma-separated numbers` };
      }
      const values: (number | null)[] = [];
      for (const [i, part] of parts.entries()) {
        if (part === '' || part === '?' || part.toLowerCase() === 'null') {
          if (!spec.allowNull) return { ok: false, message: `${spec.label}: entry ${i + 1} is empty` };
          values.push(null);
          continue;
        }
        const n = parseNumber(part);
        const problem = checkInt(n, spec, `${spec.label}: entry ${i + 1}`);
        if (problem) return { ok: false, message: problem };
        values.push(n as number);
      }
      return { ok: true, value: values };
    }
  }
}
