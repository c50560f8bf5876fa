import { describe, expect, it } from 'vitest';
import { fitLabel, labelSize, labelVariants, parseCubic, placeLabel, shortShape, type Rect } from '../../../renderer/editor/edge-label';

function overlaps(a: Rect, b: Rect): boolean {
  return Math.min(a.x + a.width, b.x + b.width) > Math.max(a.x, b.x) && Math.min(a.y + a.height, b.y + b.height) > Math.max(a.y, b.y);
}

describe('shape labels on wires', () => {
  it('keeps short shapes, drops the batch from long ones, cuts the rest', () => {
    expect(shortShape([null, 128])).toBe('[batch, 128]');
    expect(shortShape([null, 28, 28, 1])).toBe('28×28×1');
    const cut = shortShape([null, 1024, 1024, 1024, 1024]);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(14);
  });

  it('parses the cubic React Flow draws', () => {
    expect(parseCubic('M10,20 C30,20 40,50 60,50')).toEqual([
      { x: 10, y: 20 },
      { x: 30, y: 20 },
      { x: 40, y: 50 },
      { x: 60, y: 50 },
    ]);
    expect(parseCubic('M0,0 L10,10')).toBeNull();
  });

  it('moves the label off the middle when a card covers it, and keeps it beside the wire', () => {
    const curve = parseCubic('M0,0 C150,0 150,0 300,0');
    if (!curve) throw new Error('no curve');
    const size = labelSize('[batch, 128]');
    // A card over the middle of the wire (the wire passes beneath it).
    const card: Rect = { x: 120, y: -40, width: 80, height: 80 };
    const at = placeLabel(curve, size, [card]);
    const box = { x: at.x - size.width / 2, y: at.y - size.height / 2, ...size };
    expect(overlaps(box, card)).toBe(false);
    // Unobstructed: the middle of the wire.
    expect(placeLabel(curve, size, [])).toEqual({ x: 150, y: 0 });
  });

  it('shows the longest text that fits between two close cards', () => {
    expect(labelVariants([null, 784])).toEqual(['[batch, 784]', '784']);
    const curve = parseCubic('M0,0 C30,0 30,0 60,0');
    if (!curve) throw new Error('no curve');
    const cards: Rect[] = [
      { x: -200, y: -40, width: 200, height: 80 },
      { x: 60, y: -40, width: 200, height: 80 },
    ];
    const fitted = fitLabel(curve, labelVariants([null, 784]), cards);
    expect(fitted.text).toBe('784');
    const box = { x: fitted.centre.x - fitted.size.width / 2, y: fitted.centre.y - fitted.size.height / 2, ...fitted.size };
    expect(cards.some((c) => overlaps(box, c))).toBe(false);
  });

  it('finds the one gap between cards along a long wire that passes under a row of cards', () => {
    // A wire 2,000 units long under six cards 250 wide with 80-unit gaps: only the gaps are visible.
    const curve = parseCubic('M0,0 C700,0 1300,0 2000,0');
    if (!curve) throw new Error('no curve');
    const cards: Rect[] = Array.from({ length: 6 }, (_, i) => ({ x: 40 + i * 330, y: -120, width: 250, height: 240 }));
    const fitted = fitLabel(curve, ['[batch]'], cards);
    const box = { x: fitted.centre.x - fitted.size.width / 2, y: fitted.centre.y - fitted.size.height / 2, ...fitted.size };
    expect(cards.some((c) => overlaps(box, c))).toBe(false);
    // The gap nearest the middle of the wire (x 950..1030).
    expect(Math.abs(fitted.centre.x - 990)).toBeLessThan(45);
  });
});
