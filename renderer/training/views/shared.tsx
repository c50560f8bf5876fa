/** What the dock's views share: a canvas drawn from data, the empty-state line, node names. */
import { useEffect, useRef } from 'react';
import { nodeDisplayName, type GraphDocument } from '../../../core/graph';
import type { Run } from '../training-store';

export function nodeName(graph: GraphDocument, id: string): string {
  const node = graph.nodes.find((n) => n.id === id);
  return node ? nodeDisplayName(node) : id;
}

type PointerHandler = (e: React.PointerEvent<HTMLCanvasElement>) => void;

/** A canvas redrawn by `draw` whenever `deps` change. */
export function Drawing({
  draw,
  deps,
  testId,
  className,
  onPointerDown,
  onPointerMove,
  onPointerUp,
  ...rest
}: { draw: (c: HTMLCanvasElement) => void; deps: unknown[]; testId?: string; className?: string; onPointerDown?: PointerHandler; onPointerMove?: PointerHandler; onPointerUp?: PointerHandler } & Record<
  `data-${string}`,
  string | number
>) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) draw(ref.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return <canvas ref={ref} data-testid={testId} className={className} onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} {...rest} />;
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="dock-empty">{children}</p>;
}

/** A model the views can read: compiled, its capabilities known, not failed. */
export function modelReady(run: Run | null): run is Run {
  return run !== null && run.capabilities !== null && run.state !== 'error' && run.state !== 'loading';
}
