/**
 * The app: header, palette, canvas (with the model summary and the training dock below it),
 * inspector and status bar, plus what ties the editor to the shell: menu commands and keys,
 * the window title, autosave and recovery, unsaved-changes protection and file drops.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { formatSummary, serializeGraph, summarize } from '../core/graph';
import { moveNodes } from '../core/graph/edit';
import { Canvas, measuredSizes } from './components/Canvas';
import { FileErrorDialog, HelpOverlay, RecoveryBanner, TemplatesDialog, Toasts } from './components/Dialogs';
import { Header } from './components/Header';
import { Inspector } from './components/Inspector';
import { Palette } from './components/Palette';
import { StatusBar } from './components/StatusBar';
import { SummaryPanel } from './components/SummaryPanel';
import {
  copySelection,
  cutSelection,
  deleteSelection,
  duplicateSelection,
  exportSummary,
  newDocument,
  nudgeSelection,
  openFile,
  openText,
  paste,
  redo,
  saveFile,
  saveFileAs,
  selectAll,
  undo,
} from './editor/actions';
import { AUTOSAVE_KEY, decodeAutosave, encodeAutosave } from './editor/autosave';
import { layoutPositions } from './editor/layout';
import { useBackend } from './engine/useBackend';
import { platform } from './platform';
import { isTextEditingCommand } from './platform/shortcuts';
import { analysisOf } from './state/analysis';
import { editorStore, useEditor } from './state/editor';
import { isDirty } from './state/store';
import { requestFitView, showToast, uiStore } from './state/ui';
import { TrainingDock } from './training/TrainingDock';

const AUTOSAVE_DELAY_MS = 1000;
const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

function isTextField(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement);
}

function useAutoLayout(): () => void {
  return useCallback(() => {
    const graph = editorStore.getState().document;
    if (graph.nodes.length === 0) return;
    layoutPositions(graph, measuredSizes).then(
      (positions) => {
        editorStore.getState().edit((g) => moveNodes(g, positions));
        requestFitView();
      },
      (err: unknown) => showToast(`Auto-layout failed: ${err instanceof Error ? err.message : String(err)}`, 'error'),
    );
  }, []);
}

/** Menu (Electron) or keyboard (web) commands, and the editor's own keys. */
function useCommands(autoLayout: () => void): void {
  const flow = useReactFlow();
  useEffect(
    () =>
      platform.onMenuCommand((command) => {
        // A focused text field has already applied its own edit (natively, in both shells).
        if (isTextEditingCommand(command, document.activeElement)) return;
        switch (command) {
          case 'new': return newDocument();
          case 'open': return void openFile();
          case 'save': return void saveFile();
          case 'saveAs': return void saveFileAs();
          case 'export': {
            const graph = editorStore.getState().document;
            return void exportSummary(formatSummary(summarize(graph, analysisOf(graph))));
          }
          case 'undo': return undo();
          case 'redo': return redo();
          case 'cut': return void cutSelection();
          case 'copy': return void copySelection();
          case 'paste': return void paste();
          case 'delete': return deleteSelection();
          case 'selectAll':
            window.getSelection()?.removeAllRanges(); // outside text fields it means nodes, not page text
            return selectAll();
          case 'zoomIn': return void flow.zoomIn();
          case 'zoomOut': return void flow.zoomOut();
          case 'zoomReset': return void flow.zoomTo(1);
          default: return undefined;
        }
      }),
    [flow],
  );
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTextField(event.target)) return;
      const mod = isMac ? event.metaKey : event.ctrlKey;
      const key = event.key;
      const store = editorStore.getState();
      if (mod && !isMac && event.shiftKey && key.toLowerCase() === 'z') {
        event.preventDefault();
        redo();
      } else if (mod && key.toLowerCase() === 'd') {
        event.preventDefault();
        duplicateSelection();
      } else if (mod || event.altKey) {
        return;
      } else if (key === 'Delete' || key === 'Backspace') {
        event.preventDefault();
        deleteSelection();
      } else if (key.startsWith('Arrow')) {
        if (store.selection.nodes.length === 0) return;
        event.preventDefault();
        const step = event.shiftKey ? 10 : 1;
        const dx = key === 'ArrowLeft' ? -step : key === 'ArrowRight' ? step : 0;
        const dy = key === 'ArrowUp' ? -step : key === 'ArrowDown' ? step : 0;
        nudgeSelection(dx, dy);
      } else if (key === '?') {
        store.setPanel('help', !store.panels.help);
      } else if (key === 'Escape') {
        store.setPanel('help', false);
        store.setPanel('templates', false);
        store.select({ nodes: [], edges: [] });
      } else if (key === 'l' || key === 'L') {
        autoLayout();
      } else if (key === 'f' || key === 'F') {
        void flow.fitView({ padding: 0.12, maxZoom: 1.2 });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [flow, autoLayout]);
}

/** Offers the autosaved document at start; writes the working document ~1 s after each change. */
function useAutosave(): void {
  useEffect(() => {
    let raw: string | null;
    try {
      raw = window.localStorage.getItem(AUTOSAVE_KEY);
    } catch {
      raw = null; // storage disabled: no recovery, never fatal
    }
    if (raw !== null) {
      const decoded = decodeAutosave(raw);
      if (decoded.ok) {
        if (decoded.record.document.nodes.length > 0) uiStore.setState({ recovery: decoded.record });
      } else {
        showToast(`Autosaved work could not be recovered and was skipped: ${decoded.reason}`, 'error', 8000);
        try {
          window.localStorage.removeItem(AUTOSAVE_KEY);
        } catch {
          // nothing more to do
        }
      }
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    const write = () => {
      timer = null;
      const state = editorStore.getState();
      if (uiStore.getState().recovery) return; // keep the old work until the user decides
      try {
        if (!isDirty(state)) {
          window.localStorage.removeItem(AUTOSAVE_KEY);
          return;
        }
        const save = (document: typeof state.document) =>
          window.localStorage.setItem(AUTOSAVE_KEY, encodeAutosave({ document, fileName: state.file.name, savedAt: Date.now() }));
        try {
          save(state.document);
        } catch {
          // Kept runs' weights can outgrow the storage quota (a few MB): keep the graph and the
          // runs' curves at least; the weights are in the saved file.
          save({ ...state.document, runs: state.document.runs.map((r) => ({ ...r, weights: null })) });
        }
      } catch {
        // storage full or disabled: autosave is a safety net only
      }
    };
    const unsubscribe = editorStore.subscribe((state, previous) => {
      if (state.document === previous.document && state.file === previous.file) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(write, AUTOSAVE_DELAY_MS);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, []);
}

/** Drop a graph .json file anywhere on the window to open it. */
function useFileDrop(): void {
  useEffect(() => {
    const onDragOver = (event: DragEvent) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    };
    const onDrop = (event: DragEvent) => {
      const file = event.dataTransfer?.files[0];
      if (!file) return;
      event.preventDefault();
      file.text().then(
        (text) => openText(text, { name: file.name, handle: null }),
        (err: unknown) => showToast(`Could not read ${file.name}: ${String(err)}`, 'error'),
      );
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}

function useUnsavedGuard(): void {
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!isDirty(editorStore.getState())) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);
}

declare global {
  interface Window {
    /** Read-only view for end-to-end tests and benchmarks. */
    __netwright?: {
      store: typeof editorStore;
      serialize(): string;
      analyze(): ReturnType<typeof analysisOf>;
    };
  }
}

function Shell() {
  const backend = useBackend();
  const [version, setVersion] = useState<string | null>(null);
  const autoLayout = useAutoLayout();
  useCommands(autoLayout);
  useAutosave();
  useFileDrop();
  useUnsavedGuard();
  const graph = useEditor((s) => s.document);
  const file = useEditor((s) => s.file);
  const dirty = useMemo(() => isDirty({ document: graph, file }), [graph, file]);
  // A document without a file (new, a template) is called by its graph's name.
  const fileName = file.name ?? (graph.metadata.name.trim() || 'Untitled graph');
  useEffect(() => {
    document.title = `${fileName}${dirty ? ' •' : ''} — Netwright`;
  }, [fileName, dirty]);
  useEffect(() => {
    platform.appVersion().then(setVersion, () => setVersion(null));
    window.__netwright = {
      store: editorStore,
      serialize: () => serializeGraph(editorStore.getState().document),
      analyze: () => analysisOf(editorStore.getState().document),
    };
  }, []);
  return (
    <div className="app">
      <Header fileName={fileName} dirty={dirty} shell={platform.kind} onAutoLayout={autoLayout} />
      <RecoveryBanner />
      <div className="workspace">
        <Palette />
        <div className="center-column">
          <Canvas />
          <div className="bottom-dock">
            <SummaryPanel />
            <TrainingDock />
          </div>
        </div>
        <Inspector />
      </div>
      <StatusBar backend={backend} version={version} />
      <TemplatesDialog />
      <HelpOverlay />
      <FileErrorDialog />
      <Toasts />
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Shell />
    </ReactFlowProvider>
  );
}
