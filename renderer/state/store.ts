/**
 * The editor's one store, in slices: the DOCUMENT (the graph: the only thing saved and undone),
 * the FILE it belongs to, and UI state (selection, panels) beside them. Undo/redo (zundo) records
 * document snapshots only, one per edit; selection and panel changes are never undo entries.
 * Derived data (shapes, counts, errors) is computed from the document, never stored here.
 */
import { temporal } from 'zundo';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { emptyGraph, serializeGraph, type GraphDocument } from '../../core/graph';

export type PanelName = 'summary' | 'training' | 'help' | 'templates' | 'datasets';

export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
}

/** A node the canvas draws attention to (e.g. where training produced an error or NaN/Inf). */
export interface NodeHighlight {
  nodeId: string;
  kind: 'error' | 'nonFinite';
}

/** How one edge is drawn over the canvas (e.g. the training dock's gradient-flow overlay). */
export interface EdgeOverlayStyle {
  /** Stroke width in screen pixels. */
  width: number;
  /** CSS colour. */
  color: string;
  /** Shown on hover, e.g. the gradient norm. */
  label?: string;
}

export interface FileInfo {
  /** Shown in the title; null for a new, never-saved document. */
  name: string | null;
  /** Opaque handle of the shell (a path in Electron, a file handle id on the web). */
  handle: string | null;
  /** Canonical text of the document as last saved or opened (null: never saved). */
  savedText: string | null;
}

export interface EditorState {
  document: GraphDocument;
  /**
   * The identity of the loaded document: a new number on every load (New, Open, a template, a
   * recovered autosave), never on edits. Views derived from a model are keyed by it, so nothing
   * of the previous document's model survives a switch.
   */
  documentKey: number;
  file: FileInfo;
  selection: Selection;
  panels: Readonly<Record<PanelName, boolean>>;
  /** UI state, never undone or saved. */
  highlight: NodeHighlight | null;
  /** Per-edge styles by edge id (null: normal edges); UI state. */
  edgeOverlay: Readonly<Record<string, EdgeOverlayStyle>> | null;

  /** Applies one edit to the document: one undo entry when it changed anything. */
  edit(recipe: (graph: GraphDocument) => GraphDocument): void;
  /** Replaces the document (open, new, recover): history starts afresh. */
  load(graph: GraphDocument, file: FileInfo): void;
  markSaved(file: Omit<FileInfo, 'savedText'>): void;
  select(selection: Selection): void;
  setPanel(panel: PanelName, open: boolean): void;
  setHighlight(highlight: NodeHighlight | null): void;
  setEdgeOverlay(overlay: Readonly<Record<string, EdgeOverlayStyle>> | null): void;
}

/** The part of the state undo/redo tracks. */
export type TrackedState = Pick<EditorState, 'document'>;

export type EditorStore = StoreApi<EditorState> & {
  temporal: StoreApi<import('zundo').TemporalState<TrackedState>>;
};

let lastDocumentKey = 0;
function nextDocumentKey(): number {
  lastDocumentKey += 1;
  return lastDocumentKey;
}

const NO_FILE: FileInfo = { name: null, handle: null, savedText: null };

export function createEditorStore(initial: GraphDocument = emptyGraph()): EditorStore {
  // `load` clears this store's own history, so it needs the store it belongs to.
  let self: EditorStore | null = null;
  self = createStore<EditorState>()(
    temporal(
      (set, get) => ({
        document: initial,
        documentKey: nextDocumentKey(),
        file: NO_FILE,
        selection: { nodes: [], edges: [] },
        panels: { summary: true, training: false, help: false, templates: false, datasets: false },
        highlight: null,
        edgeOverlay: null,

        edit(recipe) {
          const before = get().document;
          const after = recipe(before);
          if (after === before) return;
          // Drop selected ids the edit removed, in the same update (no separate undo entry).
          const nodeIds = new Set(after.nodes.map((n) => n.id));
          const edgeIds = new Set(after.edges.map((e) => e.id));
          const { nodes, edges } = get().selection;
          set({
            document: after,
            selection: { nodes: nodes.filter((id) => nodeIds.has(id)), edges: edges.filter((id) => edgeIds.has(id)) },
          });
        },
        load(graph, file) {
          // The previous model's highlight and gradient overlay name its nodes and wires: drop them.
          set({ document: graph, documentKey: nextDocumentKey(), file, selection: { nodes: [], edges: [] }, highlight: null, edgeOverlay: null });
          self?.temporal.getState().clear();
        },
        markSaved(file) {
          set({ file: { ...file, savedText: serializeGraph(get().document) } });
        },
        select(selection) {
          const current = get().selection;
          if (sameIds(current.nodes, selection.nodes) && sameIds(current.edges, selection.edges)) return;
          set({ selection: { nodes: [...selection.nodes], edges: [...selection.edges] } });
        },
        setPanel(panel, open) {
          if (get().panels[panel] === open) return;
          set({ panels: { ...get().panels, [panel]: open } });
        },
        setHighlight(highlight) {
          set({ highlight });
        },
        setEdgeOverlay(edgeOverlay) {
          set({ edgeOverlay });
        },
      }),
      {
        partialize: (state): TrackedState => ({ document: state.document }),
        // Only a new document object is an entry: selection, file and panel updates are not.
        equality: (past, current) => past.document === current.document,
        limit: 500,
      },
    ),
  ) as EditorStore;
  return self;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether the document differs from what was last saved or opened. */
export function isDirty(state: Pick<EditorState, 'document' | 'file'>): boolean {
  if (state.file.savedText === null) return state.document.nodes.length > 0 || state.document.edges.length > 0;
  return serializeGraph(state.document) !== state.file.savedText;
}
