/** What the dock's views share: a canvas drawn from data, the empty-state line, node names, the epoch slider. */
import { useEffect, useRef, useState } from 'react';
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

/**
 * The snapshot to show from a history (oldest first, the newest last): the picked one, or with
 * nothing picked the newest, so the view follows training by default.
 */
export function useEpochPick<T>(history: readonly { label: string; result: T }[]) {
  const [picked, setPicked] = useState<number | null>(null);
  const position = picked === null ? history.length - 1 : Math.min(picked, history.length - 1);
  return { position, shown: history[position]?.result ?? null, pick: setPicked };
}

/** A slider over a history's snapshots (hidden with only one); its last position follows the newest. */
export function EpochSlider({ labels, position, pick, testId, label }: { labels: readonly string[]; position: number; pick: (k: number | null) => void; testId: string; label: string }) {
  if (labels.length <= 1) return null;
  return (
    <label className="epoch-scrub">
      <input
        type="range"
        data-testid={`${testId}-slider`}
        aria-label={label}
        min={0}
        max={labels.length - 1}
        step={1}
        value={position}
        onChange={(e) => {
          const k = Number(e.target.value);
          pick(k >= labels.length - 1 ? null : k);
        }}
      />
      <span data-testid={`${testId}-label`}>{labels[position]}</span>
    </label>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="dock-empty">{children}</p>;
}

/** A model the views can read: compiled, its capabilities known, not failed. */
export function modelReady(run: Run | null): run is Run {
  return run !== null && run.capabilities !== null && run.state !== 'error' && run.state !== 'loading';
}
