/**
 * The window's layout: panel sizes, which side panels are collapsed, the training focus and the
 * minimap. UI state of this user on this machine, kept in localStorage: never in the document,
 * never undone.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { z } from 'zod';

export const LAYOUT_KEY = 'netwright.layout.v1';

/**
 * Sizes in CSS pixels; `dock` and `summary` are heights, the side panels widths. `dock` is null
 * until the user sizes it: then it is a share of the window (`DEFAULT_DOCK_SHARE`).
 */
const layoutSchema = z.object({
  palette: z.number().finite(),
  inspector: z.number().finite(),
  dock: z.number().finite().nullable(),
  summary: z.number().finite(),
  paletteCollapsed: z.boolean(),
  inspectorCollapsed: z.boolean(),
  dockCollapsed: z.boolean(),
  focusTraining: z.boolean(),
  minimap: z.boolean(),
});

export type Layout = z.infer<typeof layoutSchema>;
export type PanelSize = 'palette' | 'inspector' | 'dock' | 'summary';
export type Collapsible = 'paletteCollapsed' | 'inspectorCollapsed' | 'dockCollapsed';

export const DEFAULT_LAYOUT: Layout = {
  palette: 220,
  inspector: 290,
  dock: null,
  summary: 100,
  paletteCollapsed: false,
  inspectorCollapsed: false,
  dockCollapsed: false,
  focusTraining: false,
  minimap: true,
};

/** The training views need room: by default the dock takes this share of the workspace's height. */
export const DEFAULT_DOCK_SHARE = 0.45;

/** The smallest and largest sizes a drag may set (the window may still squeeze them, see `fitLayout`). */
export const SIZE_LIMITS: Readonly<Record<PanelSize, readonly [number, number]>> = {
  palette: [150, 480],
  inspector: [220, 560],
  dock: [160, 2000],
  summary: [60, 600],
};

const clampTo = (value: number, [min, max]: readonly [number, number]) => Math.min(max, Math.max(min, value));

function load(): Layout {
  try {
    const raw = window.localStorage.getItem(LAYOUT_KEY);
    if (raw === null) return DEFAULT_LAYOUT;
    // Unknown or damaged entries fall back to the defaults field by field: a layout never fails the app.
    const parsed: unknown = JSON.parse(raw);
    const partial = layoutSchema.partial().safeParse(parsed);
    return partial.success ? { ...DEFAULT_LAYOUT, ...partial.data } : DEFAULT_LAYOUT;
  } catch {
    return DEFAULT_LAYOUT;
  }
}

export const layoutStore = createStore<Layout>()(() => (typeof window === 'undefined' ? DEFAULT_LAYOUT : load()));

layoutStore.subscribe((state) => {
  try {
    window.localStorage.setItem(LAYOUT_KEY, JSON.stringify(state));
  } catch {
    // storage full or disabled: the layout just is not remembered
  }
});

export function useLayout<T>(selector: (state: Layout) => T): T {
  return useStore(layoutStore, selector);
}

export function setPanelSize(panel: PanelSize, size: number): void {
  layoutStore.setState({ [panel]: Math.round(clampTo(size, SIZE_LIMITS[panel])) });
}

export function toggleLayout(key: Collapsible | 'focusTraining' | 'minimap', value?: boolean): void {
  layoutStore.setState((s) => {
    const next = value ?? !s[key];
    // Focusing the training shows the dock; hiding the dock ends the focus.
    if (key === 'focusTraining' && next) return { focusTraining: true, dockCollapsed: false };
    if (key === 'dockCollapsed' && next) return { dockCollapsed: true, focusTraining: false };
    return { [key]: next };
  });
}

export interface FittedLayout {
  palette: number;
  inspector: number;
  dock: number;
  summary: number;
}

/** The canvas keeps at least this much, whatever the saved sizes say. */
const MIN_CANVAS_WIDTH = 260;
const MIN_CANVAS_HEIGHT = 120;
/** A collapsed side panel is a rail this wide; splitters are this thick. */
export const RAIL_WIDTH = 28;
export const SPLITTER = 6;
export const DOCK_BAR = 26;

/**
 * The sizes to draw in a workspace of `width` × `height`: the saved sizes, squeezed so the canvas
 * keeps its minimum (side panels shrink proportionally, then the dock). In focus mode the dock
 * takes all but a strip of canvas.
 */
export function fitLayout(layout: Layout, width: number, height: number): FittedLayout {
  const palette = layout.paletteCollapsed ? RAIL_WIDTH : layout.palette;
  const inspector = layout.inspectorCollapsed ? RAIL_WIDTH : layout.inspector;
  const sideRoom = Math.max(0, width - MIN_CANVAS_WIDTH - 2 * SPLITTER);
  const sideScale = palette + inspector > sideRoom ? sideRoom / (palette + inspector) : 1;
  const fittedPalette = layout.paletteCollapsed ? RAIL_WIDTH : Math.floor(palette * sideScale);
  const fittedInspector = layout.inspectorCollapsed ? RAIL_WIDTH : Math.floor(inspector * sideScale);
  const dockRoom = Math.max(0, height - MIN_CANVAS_HEIGHT - DOCK_BAR);
  const wanted = layout.dockCollapsed ? 0 : layout.focusTraining ? dockRoom : (layout.dock ?? Math.round(height * DEFAULT_DOCK_SHARE));
  const dock = Math.max(0, Math.min(dockRoom, wanted));
  return { palette: fittedPalette, inspector: fittedInspector, dock, summary: layout.summary };
}
