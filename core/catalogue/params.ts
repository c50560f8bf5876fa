/**
 * Parameter specs: one description per parameter that yields its validation (a zod schema),
 * its default and the hints the inspector form and the node card are generated from.
 */
import { z } from 'zod';

interface ParamUi {
  /** Short label for forms, e.g. "Units". */
  label: string;
  /** One or two sentences for the tooltip; say the convention where users could be misled. */
  help: string;
  /** Shown on the node card, not only in the inspector. */
  card?: boolean;
}

export interface IntParam extends ParamUi {
  kind: 'int';
  default: number | null;
  min?: number;
  max?: number;
  /** `null` is allowed and means "off" (e.g. no early stopping). */
  nullable?: boolean;
}
export interface FloatParam extends ParamUi {
  kind: 'float';
  /** null only where `nullable` (the spec's schema checks it). */
  default: number | null;
  min?: number;
  max?: number;
  /** The minimum itself is not allowed (e.g. epsilon > 0). */
  exclusiveMin?: boolean;
  /** `null` is allowed and means "off" (e.g. no gradient clipping). */
  nullable?: boolean;
}
export interface BoolParam extends ParamUi {
  kind: 'bool';
  default: boolean;
}
export interface EnumParam<T extends string = string> extends ParamUi {
  kind: 'enum';
  options: readonly T[];
  default: T;
}
export interface IntListParam extends ParamUi {
  kind: 'ints';
  default: readonly (number | null)[];
  minLength: number;
  maxLength: number;
  min?: number;
  max?: number;
  /** `null` entries are allowed (symbolic dimensions, e.g. a variable sequence length). */
  allowNull?: boolean;
}
export interface StringParam extends ParamUi {
  kind: 'string';
  default: string;
  maxLength: number;
}

export type ParamSpec = IntParam | FloatParam | BoolParam | EnumParam | IntListParam | StringParam;
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

export type ParamValue<S extends ParamSpec> = S extends { nullable: true }
  ? number | null
  : S extends IntParam | FloatParam
  ? number
  : S extends BoolParam
    ? boolean
    : S extends EnumParam<infer T>
      ? T
      : S extends IntListParam
        ? S['allowNull'] extends true
          ? (number | null)[]
          : number[]
        : string;

export type ParamValues<S extends ParamSpecs> = { [K in keyof S]: ParamValue<S[K]> };

/** Constructors keep literal types (enum options, allowNull) so values are typed precisely. */
export const param = {
  int: (spec: Omit<IntParam, 'kind'>): IntParam => ({ kind: 'int', ...spec }),
  float: (spec: Omit<FloatParam, 'kind'>): FloatParam => ({ kind: 'float', ...spec }),
  bool: (spec: Omit<BoolParam, 'kind'>): BoolParam => ({ kind: 'bool', ...spec }),
  enum: <const T extends string>(spec: Omit<EnumParam<T>, 'kind'>): EnumParam<T> => ({ kind: 'enum', ...spec }),
  ints: <const N extends boolean = false>(
    spec: Omit<IntListParam, 'kind' | 'allowNull'> & { allowNull?: N },
  ): IntListParam & { allowNull?: N } => ({ kind: 'ints', ...spec }),
  string: (spec: Omit<StringParam, 'kind'>): StringParam => ({ kind: 'string', ...spec }),
  /** An int that may be null ("off"). */
  optionalInt: (spec: Omit<IntParam, 'kind' | 'nullable'>): IntParam & { nullable: true } => ({ kind: 'int', nullable: true, ...spec }),
  /** A float that may be null ("off"). */
  optionalFloat: (spec: Omit<FloatParam, 'kind' | 'nullable'>): FloatParam & { nullable: true } => ({ kind: 'float', nullable: true, ...spec }),
};

function intSchema(min?: number, max?: number): z.ZodNumber {
  let s = z.number().int();
  if (min !== undefined) s = s.min(min);
  if (max !== undefined) s = s.max(max);
  return s;
}

export function paramSchema(spec: ParamSpec): z.ZodType {
  switch (spec.kind) {
    case 'int': {
      const s = intSchema(spec.min, spec.max);
      return spec.nullable ? s.nullable() : s;
    }
    case 'float': {
      let s = z.number();
      if (spec.min !== undefined) s = spec.exclusiveMin ? s.gt(spec.min) : s.min(spec.min);
      if (spec.max !== undefined) s = s.max(spec.max);
      return spec.nullable ? s.nullable() : s;
    }
    case 'bool':
      return z.boolean();
    case 'enum':
      return z.enum(spec.options as [string, ...string[]]);
    case 'ints': {
      const item = intSchema(spec.min, spec.max);
      return z.array(spec.allowNull ? item.nullable() : item).min(spec.minLength).max(spec.maxLength);
    }
    case 'string':
      return z.string().max(spec.maxLength);
  }
}

/** One zod schema per parameter, typed by its spec (for objects that add fields of their own). */
export function paramsShape<S extends ParamSpecs>(specs: S): { [K in keyof S]: z.ZodType<ParamValue<S[K]>> } {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(specs)) shape[key] = paramSchema(spec);
  return shape as { [K in keyof S]: z.ZodType<ParamValue<S[K]>> };
}

/** A strict object schema: unknown parameters are refused, missing ones take their default. */
export function paramsObjectSchema<S extends ParamSpecs>(specs: S): z.ZodType<ParamValues<S>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(specs)) {
    shape[key] = paramSchema(spec).default(structuredClone(spec.default) as never);
  }
  return z.strictObject(shape) as unknown as z.ZodType<ParamValues<S>>;
}

export function defaultParams<S extends ParamSpecs>(specs: S): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) out[key] = structuredClone(spec.default);
  return out as ParamValues<S>;
}
