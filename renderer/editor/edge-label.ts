/**
 * Where a wire's shape label goes, and how it is shortened: on the visible part of the wire, never
 * under a node card (wires are drawn beneath the cards), preferring the middle of the wire.
 */
import type { Shape } from '../../core/shapes/shape';
import { formatShape } from '../../core/shapes/shape';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Labels longer than this are shortened; the full shape shows on hover. */
export const LABEL_MAX_CHARS = 14;
/** The label's box, in flow units, for its 11 px monospace text and padding. */
export const LABEL_CHAR_WIDTH = 6.7;
export const LABEL_PAD_X = 6;
export const LABEL_HEIGHT = 18;

/**
 * The label text: the full shape when short, else without the batch dimension as a product
 * ("28×28×1"), and cut with an ellipsis as the last resort.
 */
export function shortShape(shape: Shape): string {
  const full = formatShape(shape);
  if (full.length <= LABEL_MAX_CHARS) return full;
  const dims = formatShape(shape.slice(1)).slice(1, -1).split(', ');
  const product = dims.join('×');
  if (product.length <= LABEL_MAX_CHARS) return product;
  return `${product.slice(0, LABEL_MAX_CHARS - 1)}…`;
}

export function labelSize(text: string): { width: number; height: number } {
  return { width: text.length * LABEL_CHAR_WIDTH + 2 * LABEL_PAD_X, height: LABEL_HEIGHT };
}

/** The cubic Bézier "M sx,sy C c1x,c1y c2x,c2y tx,ty" that React Flow draws, as four points. */
export function parseCubic(path: string): [Point, Point, Point, Point] | null {
  const n = path.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/gi)?.map(Number) ?? [];
  if (n.length !== 8 || n.some((v) => !Number.isFinite(v))) return null;
  const [a, b, c, d, e, f, g, h] = n as [number, number, number, number, number, number, number, number];
  return [
    { x: a, y: b },
    { x: c, y: d },
    { x: e, y: f },
    { x: g, y: h },
  ];
}

function pointAt([p0, p1, p2, p3]: readonly [Point, Point, Point, Point], t: number): Point {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * p0.x + b * p1.x + c * p2.x + d * p3.x, y: a * p0.y + b * p1.y + c * p2.y + d * p3.y };
}

function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

// From the middle of the wire outwards.
const ALONG = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82, 0.12, 0.88];
/** Cards and labels keep this gap. */
const MARGIN = 3;

/**
 * The label's centre: the point nearest the middle of the wire whose label box clears every card;
 * if the wire is covered everywhere, beside it (above, then below) where a box clears the cards;
 * if nothing clears, the spot with the least overlap.
 */
export function placeLabel(curve: readonly [Point, Point, Point, Point], size: { width: number; height: number }, cards: readonly Rect[]): Point {
  const boxAt = (p: Point): Rect => ({ x: p.x - size.width / 2 - MARGIN, y: p.y - size.height / 2 - MARGIN, width: size.width + 2 * MARGIN, height: size.height + 2 * MARGIN });
  const cost = (p: Point) => {
    const box = boxAt(p);
    let total = 0;
    for (const card of cards) total += overlapArea(box, card);
    return total;
  };
  const onWire = ALONG.map((t) => pointAt(curve, t));
  const beside = [-1, 1, -2, 2].flatMap((k) => onWire.map((p) => ({ x: p.x, y: p.y + k * (size.height / 2 + 2) })));
  let best = onWire[0] as Point;
  let bestCost = Infinity;
  for (const p of [...onWire, ...beside]) {
    const c = cost(p);
    if (c === 0) return p;
    if (c < bestCost) {
      best = p;
      bestCost = c;
    }
  }
  return best;
}
