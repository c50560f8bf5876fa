/** The amounts ZeroPadding2D adds and Cropping2D removes, written as Keras accepts them. */
import { param } from '../../params';

export type Sides = [[number, number], [number, number]];

/** [n] -> all four sides; [v, h] -> top/bottom v, left/right h; [t, b, l, r] -> each side. */
export function toSides(values: readonly number[]): Sides {
  const [a = 0, b = a, c, d] = values;
  if (values.length === 4) return [[a, b], [c ?? 0, d ?? 0]];
  return [[a, a], [b, b]];
}

export function sidesParam(verb: string, label: string, defaultValue: readonly number[]) {
  return param.ints({
    default: defaultValue,
    minLength: 1,
    maxLength: 4,
    min: 0,
    max: 4096,
    label,
    help: `Rows and columns to ${verb}, channels-last: [n] for every side, [vertical, horizontal] for top and bottom / left and right, or [top, bottom, left, right] (Keras' ((top, bottom), (left, right)) flattened).`,
    card: true,
  });
}

export function sidesRule(values: readonly number[], name: string): string[] {
  return values.length === 3 ? [`${name} takes 1, 2 or 4 numbers, not 3: [top, bottom, left, right]`] : [];
}
