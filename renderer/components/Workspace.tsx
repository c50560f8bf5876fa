/**
 * The workspace's layout: palette | canvas (summary below it) | inspector on top, the training
 * dock across the whole width below, with splitters between them. Sizes and collapsed panels come
 * from the layout store (remembered per user), squeezed to the window so nothing overlaps and the
 * canvas always keeps some room.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useEditor } from '../state/editor';
import { DOCK_BAR, fitLayout, SIZE_LIMITS, setPanelSize, SPLITTER, toggleLayout, useLayout, type Layout, type PanelSize } from '../state/layout';
import { Splitter } from './Splitter';

function useSize(): [React.RefObject<HTMLDivElement | null>, { width: number; height: number }] {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: window.innerWidth, height: window.innerHeight - 76 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const { width, height } = entry.contentRect;
      setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, size];
}

/** A collapsed side panel: a narrow rail that brings it back. */
function Rail({ name, label, onOpen }: { name: string; label: string; onOpen(): void }) {
  return (
    <button type="button" className="panel-rail" data-testid={`rail-${name}`} aria-label={`Show the ${label.toLowerCase()}`} title={`Show the ${label.toLowerCase()}`} onClick={onOpen}>
      <span>{label}</span>
    </button>
  );
}

export interface WorkspaceProps {
  palette: ReactNode;
  canvas: ReactNode;
  summary: ReactNode;
  inspector: ReactNode;
  dock: ReactNode;
}

export function Workspace({ palette, canvas, summary, inspector, dock }: WorkspaceProps) {
  const layout = useLayout((s: Layout) => s);
  const summaryOpen = useEditor((s) => s.panels.summary);
  const [ref, box] = useSize();
  const fitted = fitLayout(layout, box.width, box.height);
  /** A splitter's name, size, limits and resize for the panel it sizes. */
  const panelSize = (name: Exclude<PanelSize, 'dock'>) => ({ name, size: fitted[name], min: SIZE_LIMITS[name][0], max: SIZE_LIMITS[name][1], onResize: (s: number) => setPanelSize(name, s) });
  const dockShown = !layout.dockCollapsed;
  const columns = `${fitted.palette}px ${layout.paletteCollapsed ? '' : `${SPLITTER}px `}minmax(0, 1fr) ${layout.inspectorCollapsed ? '' : `${SPLITTER}px `}${fitted.inspector}px`;
  const rows = `minmax(0, 1fr) ${DOCK_BAR}px ${dockShown ? fitted.dock : 0}px`;
  return (
    <div
      ref={ref}
      className={`workspace${layout.focusTraining ? ' focus-training' : ''}`}
      data-testid="workspace"
      style={{ gridTemplateRows: rows, ['--summary-h' as string]: `${fitted.summary}px` }}
    >
      <div className="workspace-top" style={{ gridTemplateColumns: columns }}>
        {layout.paletteCollapsed ? (
          <Rail name="palette" label="Layers" onOpen={() => toggleLayout('paletteCollapsed', false)} />
        ) : (
          <>
            {palette}
            <Splitter
              {...panelSize('palette')}
              label="Resize the layer palette (Enter hides it)"
              orientation="vertical"
              direction={1}
              onToggle={() => toggleLayout('paletteCollapsed', true)}
            >
              <button type="button" className="splitter-collapse" data-testid="collapse-palette" aria-label="Hide the layer palette" title="Hide the layer palette" onClick={() => toggleLayout('paletteCollapsed', true)}>
                ‹
              </button>
            </Splitter>
          </>
        )}
        <div className="center-column">
          {canvas}
          {summaryOpen ? (
            <Splitter
              {...panelSize('summary')}
              label="Resize the model summary"
              orientation="horizontal"
              direction={-1}
            />
          ) : null}
          <div className="bottom-dock">{summary}</div>
        </div>
        {layout.inspectorCollapsed ? (
          <Rail name="inspector" label="Inspector" onOpen={() => toggleLayout('inspectorCollapsed', false)} />
        ) : (
          <>
            <Splitter
              {...panelSize('inspector')}
              label="Resize the inspector (Enter hides it)"
              orientation="vertical"
              direction={-1}
              onToggle={() => toggleLayout('inspectorCollapsed', true)}
            >
              <button type="button" className="splitter-collapse" data-testid="collapse-inspector" aria-label="Hide the inspector" title="Hide the inspector" onClick={() => toggleLayout('inspectorCollapsed', true)}>
                ›
              </button>
            </Splitter>
            {inspector}
          </>
        )}
      </div>
      <Splitter
        name="dock"
        label="Resize the training dock (Enter hides it)"
        orientation="horizontal"
        size={fitted.dock}
        min={SIZE_LIMITS.dock[0]}
        max={Math.max(SIZE_LIMITS.dock[0], box.height - DOCK_BAR)}
        direction={-1}
        onResize={(s) => {
          // Dragging ends the focus: the dock keeps the size it was dragged to.
          if (layout.focusTraining) toggleLayout('focusTraining', false);
          if (layout.dockCollapsed) toggleLayout('dockCollapsed', false);
          setPanelSize('dock', s);
        }}
        onToggle={() => toggleLayout('dockCollapsed')}
        className="dock-bar"
      >
        <span className="dock-bar-title">Training</span>
        <span className="dock-bar-grip" aria-hidden="true" />
        <button type="button" data-testid="focus-training" aria-pressed={layout.focusTraining} title="Give the training dock most of the window (the canvas keeps a strip)" onClick={() => toggleLayout('focusTraining')}>
          {layout.focusTraining ? '⤓ Restore layout' : '⤒ Focus training'}
        </button>
        <button type="button" data-testid="toggle-dock" aria-expanded={dockShown} title={dockShown ? 'Hide the training dock' : 'Show the training dock'} onClick={() => toggleLayout('dockCollapsed')}>
          {dockShown ? '▾ Hide' : '▴ Show'}
        </button>
      </Splitter>
      {/* Hidden, not unmounted: a run's views and the dock's tab survive hiding it. */}
      <div className="dock-slot" hidden={!dockShown}>
        {dock}
      </div>
    </div>
  );
}
