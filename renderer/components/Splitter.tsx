/**
 * A splitter between two panels: drag it with the mouse, or focus it and use the arrow keys
 * (Shift: bigger steps); Enter collapses / restores the panel when it can be collapsed.
 */
import { useRef, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';

export interface SplitterProps {
  /** What it resizes, for screen readers and tests: "palette", "inspector", "summary", "dock". */
  name: string;
  label: string;
  /** 'vertical' splits columns (drag left/right), 'horizontal' rows (drag up/down). */
  orientation: 'vertical' | 'horizontal';
  /** The panel's current size in px. */
  size: number;
  min: number;
  max: number;
  /** +1 when dragging right/down grows the panel, -1 when it shrinks it. */
  direction: 1 | -1;
  onResize(size: number): void;
  onToggle?: () => void;
  className?: string;
  children?: ReactNode;
}

const KEY_STEP = 16;

export function Splitter({ name, label, orientation, size, min, max, direction, onResize, onToggle, className, children }: SplitterProps) {
  const drag = useRef<{ start: number; size: number } | null>(null);
  const along = (e: { clientX: number; clientY: number }) => (orientation === 'vertical' ? e.clientX : e.clientY);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    // Buttons inside the bar (collapse, focus) keep their click.
    if (event.button !== 0 || (event.target instanceof Element && event.target.closest('button'))) return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { start: along(event), size };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d) return;
    onResize(d.size + direction * (along(event) - d.start));
  };
  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    drag.current = null;
    event.currentTarget.releasePointerCapture(event.pointerId);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return;
    const step = event.shiftKey ? KEY_STEP * 4 : KEY_STEP;
    const grow = orientation === 'vertical' ? ['ArrowRight', 'ArrowLeft'] : ['ArrowDown', 'ArrowUp'];
    if (event.key === grow[0] || event.key === grow[1]) {
      event.preventDefault();
      event.stopPropagation();
      const sign = event.key === grow[0] ? 1 : -1;
      onResize(size + sign * direction * step);
    } else if (event.key === 'Enter' && onToggle) {
      event.preventDefault();
      event.stopPropagation();
      onToggle();
    }
  };
  return (
    <div
      role="separator"
      tabIndex={0}
      aria-label={label}
      aria-orientation={orientation}
      aria-valuenow={Math.round(size)}
      aria-valuemin={min}
      aria-valuemax={max}
      data-testid={`splitter-${name}`}
      className={`splitter ${orientation}${className ? ` ${className}` : ''}`}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onDoubleClick={(e) => {
        if (onToggle && !(e.target instanceof Element && e.target.closest('button'))) onToggle();
      }}
      onKeyDown={onKeyDown}
    >
      {children}
    </div>
  );
}
