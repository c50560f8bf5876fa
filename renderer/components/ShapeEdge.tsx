/**
 * A wire with its tensor shape: the label sits on the visible part of the wire, clear of every
 * node card (editor/edge-label.ts), shortened when long, with the full shape on hover.
 */
import { memo, useMemo } from 'react';
import { BaseEdge, getBezierPath, useStore, type Edge, type EdgeProps, type ReactFlowState } from '@xyflow/react';
import { fitLabel, labelSize, parseCubic, type Rect } from '../editor/edge-label';

export interface ShapeEdgeData extends Record<string, unknown> {
  /** What the wire may show, longest first ("?" when unknown); the longest that fits is drawn. */
  labels: readonly string[];
  /** The full shape, shown on hover. */
  full: string;
}

export type ShapeEdgeType = Edge<ShapeEdgeData, 'shape'>;

/**
 * The cards' boxes, as a fresh list compared by value: React Flow updates measured sizes inside
 * the same node lookup, so selecting the lookup itself kept labels placed with stale sizes (a
 * card measured after a template loaded could cover a label placed with its old size).
 */
function cardsOf(s: ReactFlowState): Rect[] {
  const cards: Rect[] = [];
  for (const node of s.nodeLookup.values()) {
    const width = node.measured.width;
    const height = node.measured.height;
    if (width === undefined || height === undefined) continue;
    cards.push({ x: node.internals.positionAbsolute.x, y: node.internals.positionAbsolute.y, width, height });
  }
  return cards;
}

function sameCards(a: readonly Rect[], b: readonly Rect[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const p = a[i] as Rect;
    const q = b[i] as Rect;
    if (p.x !== q.x || p.y !== q.y || p.width !== q.width || p.height !== q.height) return false;
  }
  return true;
}

export const ShapeEdge = memo(function ShapeEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, style, markerEnd, interactionWidth }: EdgeProps<ShapeEdgeType>) {
  const [path] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const cards = useStore(cardsOf, sameCards);
  const labels = data?.labels;
  const at = useMemo(() => {
    const curve = parseCubic(path);
    if (!labels || labels.length === 0) return null;
    if (curve) return fitLabel(curve, labels, cards);
    const text = labels[0] as string;
    return { text, centre: { x: (sourceX + targetX) / 2, y: (sourceY + targetY) / 2 }, size: labelSize(text) };
  }, [cards, path, labels, sourceX, sourceY, targetX, targetY]);
  return (
    <>
      <BaseEdge id={id} path={path} style={style} markerEnd={markerEnd} interactionWidth={interactionWidth} />
      {at ? (
        <g className="shape-label" transform={`translate(${at.centre.x - at.size.width / 2} ${at.centre.y - at.size.height / 2})`} data-testid={`edge-label-${id}`}>
          <title>{data?.full ?? at.text}</title>
          <rect className="shape-label-bg" width={at.size.width} height={at.size.height} rx={4} />
          <text className="shape-label-text" x={at.size.width / 2} y={at.size.height / 2} dominantBaseline="central" textAnchor="middle">
            {at.text}
          </text>
        </g>
      ) : null}
    </>
  );
});
