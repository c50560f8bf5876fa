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
  return labelVariants(shape)[0] as string;
}

/**
 * The label's texts from longest to shortest: the full shape (when short enough), the shape
 * without the batch ("28×28×1"), then that cut to a few characters. The wire shows the longest
 * one that fits between the cards.
 */
export function labelVariants(shape: Shape): string[] {
  const full = formatShape(shape);
  const product = shape.length > 1 ? formatShape(shape.slice(1)).slice(1, -1).split(', ').join('×') : full;
  const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
  const variants = [full.length <= LABEL_MAX_CHARS ? full : cut(product, LABEL_MAX_CHARS), cut(product, LABEL_MAX_CHARS), cut(product, 6)];
  return variants.filter((v, i) => variants.indexOf(v) === i);
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

/** Candidate spots are this far apart along the wire (flow units): finer than any gap a label fits in. */
const STEP = 8;
/** At most this many spots per side of the middle (a wire 6,400 units long keeps the 8-unit step). */
const MAX_STEPS = 400;

/**
 * Parameters along the wire from the middle outwards, one every STEP units of its length (a long
 * wire passes under other cards, and the gap between two of them may be the only visible part; a
 * fixed number of steps skipped such gaps on long wires).
 */
function alongFromMiddle(curve: readonly [Point, Point, Point, Point]): number[] {
  let length = 0;
  let previous = curve[0];
  for (let i = 1; i <= 32; i++) {
    const p = pointAt(curve, i / 32);
    length += Math.hypot(p.x - previous.x, p.y - previous.y);
    previous = p;
  }
  const steps = Math.min(MAX_STEPS, Math.max(12, Math.ceil(length / 2 / STEP)));
  const dt = 0.46 / steps; // out to 4% from either end: the ends sit on the cards' ports
  const out = [0.5];
  for (let i = 1; i <= steps; i++) out.push(0.5 - i * dt, 0.5 + i * dt);
  return out;
}
/** Cards and labels keep this gap. */
const MARGIN = 3;

/**
 * The label's centre: the point nearest the middle of the wire whose label box clears every card;
 * if the wire is covered everywhere, beside it (above, then below) where a box clears the cards;
 * if nothing clears, the spot with the least overlap.
 */
export function placeLabel(curve: readonly [Point, Point, Point, Point], size: { width: number; height: number }, cards: readonly Rect[]): Point {
  return placeLabelWithCost(curve, size, cards).centre;
}

/** The longest of `texts` that fits clear of the cards, and where; else the shortest at its best spot. */
export function fitLabel(curve: readonly [Point, Point, Point, Point], texts: readonly string[], cards: readonly Rect[]): { text: string; centre: Point; size: { width: number; height: number } } {
  let last: { text: string; centre: Point; size: { width: number; height: number } } | null = null;
  for (const text of texts) {
    const size = labelSize(text);
    const placed = placeLabelWithCost(curve, size, cards);
    last = { text, centre: placed.centre, size };
    if (placed.cost === 0) return last;
  }
  if (!last) throw new Error('fitLabel needs at least one text');
  return last;
}

function placeLabelWithCost(curve: readonly [Point, Point, Point, Point], size: { width: number; height: number }, cards: readonly Rect[]): { centre: Point; cost: number } {
  const boxAt = (p: Point): Rect => ({ x: p.x - size.width / 2 - MARGIN, y: p.y - size.height / 2 - MARGIN, width: size.width + 2 * MARGIN, height: size.height + 2 * MARGIN });
  // Only cards near the wire can cover a spot: its control points bound it, widened by the label
  // and the offsets beside it (long wires have hundreds of spots).
  const reach = { x: size.width / 2 + MARGIN, y: 1.5 * size.height + 4 + MARGIN };
  const xs = curve.map((p) => p.x);
  const ys = curve.map((p) => p.y);
  const near: Rect = { x: Math.min(...xs) - reach.x, y: Math.min(...ys) - reach.y, width: Math.max(...xs) - Math.min(...xs) + 2 * reach.x, height: Math.max(...ys) - Math.min(...ys) + 2 * reach.y };
  const nearCards = cards.filter((card) => overlapArea(near, card) > 0);
  const cost = (p: Point) => {
    const box = boxAt(p);
    let total = 0;
    for (const card of nearCards) total += overlapArea(box, card);
    return total;
  };
  const onWire = alongFromMiddle(curve).map((t) => pointAt(curve, t));
  const beside = [-1, 1, -2, 2].flatMap((k) => onWire.map((p) => ({ x: p.x, y: p.y + k * (size.height / 2 + 2) })));
  let best = onWire[0] as Point;
  let bestCost = Infinity;
  for (const p of [...onWire, ...beside]) {
    const c = cost(p);
    if (c === 0) return { centre: p, cost: 0 };
    if (c < bestCost) {
      best = p;
      bestCost = c;
    }
  }
  return { centre: best, cost: bestCost };
}
