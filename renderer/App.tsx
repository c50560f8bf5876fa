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
import { ExportProgress, FileErrorDialog, HelpOverlay, ImportProgress, RecoveryBanner, TemplatesDialog, Toasts } from './components/Dialogs';
import { EngineAlert } from './components/EngineAlert';
import { Header } from './components/Header';
import { Inspector } from './components/Inspector';
import { PanelBoundary, setPanelFault, type PanelName } from './components/PanelBoundary';
import { Palette } from './components/Palette';
import { StatusBar } from './components/StatusBar';
import { SummaryPanel } from './components/SummaryPanel';
import {
  copySelection,
  cutSelection,
  deleteSelection,
  duplicateSelection,
  makeSubmodelFromSelection,
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
import { createAutosaveScheduler, findRecovery, writeWorking } from './editor/autosave';
import { importModel } from './editor/import-model';
import { layoutPositions } from './editor/layout';
import { checkEngine, killEngineForTest } from './engine/engine-client';
import { useBackend } from './engine/useBackend';
import { platform } from './platform';
import { graphOrModel } from './platform/picked-files';
import { isTextEditingCommand } from './platform/shortcuts';
import { analysisOf } from './state/analysis';
import { editorStore, useEditor } from './state/editor';
import { isDirty } from './state/store';
import { requestFitView, showToast, uiStore } from './state/ui';
import { TrainingDock } from './training/TrainingDock';
import { Workspace } from './components/Workspace';
import { openPortPicker, PortPicker } from './components/PortPicker';

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
          case 'saveAndClose':
            return void saveFile().then(() => {
              if (!isDirty(editorStore.getState())) void platform.closeWindow();
            });
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
      } else if ((key === 'w' || key === 'W') && store.selection.nodes.length === 1) {
        event.preventDefault();
        openPortPicker(store.selection.nodes[0] as string);
      } else if ((key === 'g' || key === 'G') && store.selection.nodes.length > 0) {
        event.preventDefault();
        makeSubmodelFromSelection();
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

/**
 * Offers the work an earlier session autosaved; autosaves the working document ~1 s after a
 * change (at least every 5 s while editing continues, and at once when the page is hidden), also
 * while the recovery offer is open (into its own slot). Failures are shown, not swallowed.
 */
function useAutosave(): void {
  useEffect(() => {
    const slots = platform.autosave;
    let stopped = false;
    findRecovery(slots).then(
      ({ offer, problem }) => {
        if (stopped) return;
        if (offer) uiStore.setState({ recovery: offer });
        if (problem) showToast(`Autosaved work could not be recovered and was skipped: ${problem}`, 'error', 8000);
      },
      (err: unknown) => showToast(`Autosaved work could not be read: ${err instanceof Error ? err.message : String(err)}`, 'error', 8000),
    );
    let weightsNoticeShown = false;
    const write = () => {
      const state = editorStore.getState();
      writeWorking(slots, { document: state.document, fileName: state.file.name, dirty: isDirty(state) }, Date.now()).then(
        (outcome) => {
          if (uiStore.getState().autosaveError) uiStore.setState({ autosaveError: null });
          if (outcome.kind === 'written-without-weights' && !weightsNoticeShown) {
            weightsNoticeShown = true;
            showToast(`Autosave keeps the graph and run curves but not the runs' weights (${outcome.reason}); save to keep them`, 'error', 8000);
          }
        },
        (err: unknown) => uiStore.setState({ autosaveError: err instanceof Error ? err.message : String(err) }),
      );
    };
    const scheduler = createAutosaveScheduler(write);
    const unsubscribe = editorStore.subscribe((state, previous) => {
      if (state.document === previous.document && state.file === previous.file) return;
      scheduler.changed();
    });
    const onHidden = () => {
      if (document.visibilityState === 'hidden') scheduler.flush();
    };
    const onPageHide = () => scheduler.flush();
    document.addEventListener('visibilitychange', onHidden);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      stopped = true;
      unsubscribe();
      scheduler.cancel();
      document.removeEventListener('visibilitychange', onHidden);
      window.removeEventListener('pagehide', onPageHide);
    };
  }, []);
}

/**
 * Drop a graph .json file anywhere on the window to open it, or a model to import it (a model.json
 * with its weight files dropped together, a .keras or .h5 file).
 */
function useFileDrop(): void {
  useEffect(() => {
    const onDragOver = (event: DragEvent) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    };
    const onDrop = (event: DragEvent) => {
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      graphOrModel(files).then(
        (opened) => {
          if (!opened) return;
          if ('model' in opened) void importModel(opened.model);
          else openText(opened.graph.text, { name: opened.graph.file.name, handle: null });
        },
        (err: unknown) => showToast(`Could not read ${files.map((f) => f.name).join(', ')}: ${String(err)}`, 'error'),
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
      /** Makes a panel throw `message` while rendering (null: stop), to test its error boundary. */
      failPanel(panel: PanelName, message: string | null): void;
      /** Kills the engine worker without an event (as an out-of-memory kill does). */
      killEngine(): void;
      /** Runs the engine heartbeat now with this timeout; false when the engine did not answer. */
      checkEngine(timeoutMs: number): Promise<boolean>;
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
    platform.setDocumentState({ dirty });
  }, [fileName, dirty]);
  useEffect(() => {
    platform.appVersion().then(setVersion, () => setVersion(null));
    window.__netwright = {
      store: editorStore,
      serialize: () => serializeGraph(editorStore.getState().document),
      analyze: () => analysisOf(editorStore.getState().document),
      failPanel: setPanelFault,
      killEngine: killEngineForTest,
      checkEngine,
    };
  }, []);
  return (
    <div className="app">
      <Header fileName={fileName} dirty={dirty} shell={platform.kind} onAutoLayout={autoLayout} />
      <RecoveryBanner />
      <EngineAlert />
      <Workspace
        palette={<Palette />}
        canvas={
          <PanelBoundary panel="canvas" className="canvas">
            <Canvas />
          </PanelBoundary>
        }
        summary={
          <PanelBoundary panel="summary" className="summary-panel">
            <SummaryPanel />
          </PanelBoundary>
        }
        inspector={
          <PanelBoundary panel="inspector" className="panel inspector">
            <Inspector />
          </PanelBoundary>
        }
        dock={
          <PanelBoundary panel="training dock" className="training-dock">
            <TrainingDock />
          </PanelBoundary>
        }
      />
      <StatusBar backend={backend} version={version} />
      <TemplatesDialog />
      <HelpOverlay />
      <PortPicker />
      <FileErrorDialog />
      <ImportProgress />
      <ExportProgress />
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
