/**
 * Editor commands (menu, keyboard, buttons): each reads the editor store, applies pure document
 * edits from core/graph/edit and reports through the UI store. One command = one undo entry.
 */
import { getDecl } from '../../core/catalogue/registry';
import { emptyGraph, parseGraphText, serializeGraph, type GraphDocument } from '../../core/graph';
import { addNode, addSubmodel, extractSubgraph, moveNodes, pasteSubgraph, removeElements, removeSubmodel, renameSubmodel, type Position } from '../../core/graph/edit';
import { getTemplate } from '../../core/templates';
import { platform, type FileRef } from '../platform';
import { editorStore } from '../state/editor';
import { requestFitView, showToast, uiStore } from '../state/ui';
import { encodeLastSave } from './autosave';
import { decodeClipboard, encodeClipboard, type Subgraph } from './clipboard';
import { confirmDiscard } from './discard';
import { importModel } from './import-model';

const PASTE_STEP = 40;
/** In-memory clipboard: used when the system clipboard is unavailable or holds something else. */
let memoryClipboard: string | null = null;
let pasteCount = 0;

export function undo(): void {
  editorStore.temporal.getState().undo();
}
export function redo(): void {
  editorStore.temporal.getState().redo();
}

export function addLayer(type: string, position: Position): string | null {
  if (!getDecl(type)) return null;
  let id: string | null = null;
  editorStore.getState().edit((g) => {
    const added = addNode(g, type, position);
    id = added.id;
    return added.graph;
  });
  if (id) editorStore.getState().select({ nodes: [id], edges: [] });
  return id;
}

export function deleteSelection(): void {
  const { selection, edit } = editorStore.getState();
  edit((g) => removeElements(g, selection.nodes, selection.edges));
}

export function selectAll(): void {
  const { document, select } = editorStore.getState();
  select({ nodes: document.nodes.map((n) => n.id), edges: document.edges.map((e) => e.id) });
}

function selectedSubgraph(): Subgraph | null {
  const { document, selection } = editorStore.getState();
  if (selection.nodes.length === 0) return null;
  return extractSubgraph(document, selection.nodes);
}

export async function copySelection(): Promise<void> {
  const sub = selectedSubgraph();
  if (!sub) return;
  const text = encodeClipboard(sub);
  memoryClipboard = text;
  pasteCount = 0;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no permission or no focus: the in-memory copy still pastes in this tab
  }
}

export async function cutSelection(): Promise<void> {
  await copySelection();
  deleteSelection();
}

function pasteSub(sub: Subgraph, offset: Position): void {
  let ids: string[] = [];
  editorStore.getState().edit((g) => {
    const pasted = pasteSubgraph(g, sub, offset);
    ids = pasted.nodeIds;
    return pasted.graph;
  });
  const { document } = editorStore.getState();
  const idSet = new Set(ids);
  const edges = document.edges.filter((e) => idSet.has(e.source.node) && idSet.has(e.target.node)).map((e) => e.id);
  editorStore.getState().select({ nodes: ids, edges });
}

export async function paste(): Promise<void> {
  let text: string | null = null;
  try {
    const system = await navigator.clipboard.readText();
    if (decodeClipboard(system)) text = system;
  } catch {
    // clipboard read refused: fall back to this tab's copy
  }
  if (text === null) text = memoryClipboard;
  if (text === null) return;
  const sub = decodeClipboard(text);
  if (!sub) {
    showToast('The clipboard holds no Netwright layers', 'error');
    return;
  }
  if (text !== memoryClipboard) {
    memoryClipboard = text;
    pasteCount = 0;
  }
  pasteCount += 1;
  pasteSub(sub, { x: PASTE_STEP * pasteCount, y: PASTE_STEP * pasteCount });
}

export function duplicateSelection(): void {
  const sub = selectedSubgraph();
  if (sub) pasteSub(sub, { x: PASTE_STEP, y: PASTE_STEP });
}

export function nudgeSelection(dx: number, dy: number): void {
  const { document, selection, edit } = editorStore.getState();
  const ids = new Set(selection.nodes);
  const positions: Record<string, Position> = {};
  for (const n of document.nodes) if (ids.has(n.id)) positions[n.id] = { x: n.position.x + dx, y: n.position.y + dy };
  edit((g) => moveNodes(g, positions));
}

export function alignSelection(edge: 'left' | 'top'): void {
  const { document, selection, edit } = editorStore.getState();
  const ids = new Set(selection.nodes);
  const chosen = document.nodes.filter((n) => ids.has(n.id));
  if (chosen.length < 2) return;
  const target = Math.min(...chosen.map((n) => (edge === 'left' ? n.position.x : n.position.y)));
  const positions: Record<string, Position> = {};
  for (const n of chosen) positions[n.id] = edge === 'left' ? { x: target, y: n.position.y } : { x: n.position.x, y: target };
  edit((g) => moveNodes(g, positions));
}


export function newDocument(): void {
  if (!confirmDiscard()) return;
  editorStore.getState().load(emptyGraph(), { name: null, handle: null, savedText: null });
  requestFitView();
}

export function loadTemplate(id: string): void {
  const template = getTemplate(id);
  if (!template || !confirmDiscard()) return;
  editorStore.getState().load(template.build(), { name: null, handle: null, savedText: null });
  editorStore.getState().setPanel('templates', false);
  requestFitView();
}

/**
 * Opens graph text: a file that does not validate is reported with its JSON paths and the
 * current document stays as it is.
 */
export function openText(text: string, file: { name: string; handle: string | null }): boolean {
  const parsed = parseGraphText(text);
  if (!parsed.ok) {
    uiStore.setState({ fileError: { title: `${file.name} could not be opened`, errors: parsed.errors } });
    return false;
  }
  if (!confirmDiscard()) return false;
  editorStore.getState().load(parsed.graph, { name: file.name, handle: file.handle, savedText: serializeGraph(parsed.graph) });
  requestFitView();
  return true;
}

function reportFailure(what: string, err: unknown): void {
  showToast(`${what} failed: ${err instanceof Error ? err.message : String(err)}`, 'error', 6000);
}

export async function openFile(recent?: FileRef): Promise<void> {
  try {
    const opened = await platform.openGraph(recent);
    if (!opened) return;
    if ('files' in opened) {
      await importModel(opened);
      return;
    }
    // A recent file that is no graph (any more) leaves the recent list; its errors are shown.
    if (recent && !parseGraphText(opened.contents).ok) await platform.forgetRecent(recent);
    openText(opened.contents, { name: opened.name, handle: opened.key });
  } catch (err) {
    if (recent) await platform.forgetRecent(recent).catch(() => undefined);
    reportFailure('Opening', err);
  }
}

/** Web mode: imports the model in a folder the user picks whole (model.json and its shards, or a Keras file). */
export async function openModelFolder(): Promise<void> {
  try {
    const opened = await platform.openModelFolder?.();
    if (opened) await importModel(opened);
  } catch (err) {
    reportFailure('Opening the model folder', err);
  }
}

function suggestedName(graph: GraphDocument): string {
  const stem = graph.metadata.name.trim().replace(/[^A-Za-z0-9._ -]+/g, '').replace(/\s+/g, '-').toLowerCase();
  return `${stem || 'untitled'}.json`;
}

/** After a successful save: the working autosave is no longer needed; note when this file was saved. */
function noteSaved(fileName: string): void {
  const { autosave } = platform;
  Promise.all([
    autosave.clear('working'),
    autosave.write('lastSave', encodeLastSave({ fileName, savedAt: Date.now() })),
  ]).catch((err: unknown) => reportFailure('Updating the autosave after saving', err));
}

export async function saveFileAs(): Promise<void> {
  const { document, file } = editorStore.getState();
  const text = serializeGraph(document);
  try {
    const saved = await platform.saveGraphAs(text, file.name ?? suggestedName(document));
    if (!saved) return;
    if (editorStore.getState().document === document) {
      editorStore.getState().markSaved({ name: saved.name, handle: saved.key });
      noteSaved(saved.name);
    }
    showToast(`Saved ${saved.name}`);
  } catch (err) {
    reportFailure('Saving', err);
  }
}

export async function saveFile(): Promise<void> {
  const { document, file } = editorStore.getState();
  if (!file.handle || !file.name) return saveFileAs();
  try {
    const text = serializeGraph(document);
    const saved = await platform.saveGraph({ key: file.handle, name: file.name }, text);
    if (!saved) {
      showToast(`Not saved: ${file.name} changed on disk and you chose Cancel`, 'info', 6000);
      return;
    }
    const merged = saved.contents !== text ? parseGraphText(saved.contents) : null;
    if (editorStore.getState().document === document) {
      // The file had gained runs (e.g. `netwright train --keep`): the document takes them too,
      // as one undoable edit, so the app shows what the file now holds.
      if (merged?.ok) editorStore.getState().edit((g) => ({ ...g, runs: merged.graph.runs }));
      editorStore.getState().markSaved({ name: saved.name, handle: saved.key });
      noteSaved(saved.name);
    } else if (merged?.ok) {
      editorStore.getState().edit((g) => ({ ...g, runs: [...g.runs, ...merged.graph.runs.filter((r) => !g.runs.some((o) => o.id === r.id))] }));
    }
    const gained = merged?.ok ? merged.graph.runs.length - document.runs.length : 0;
    showToast(gained > 0 ? `Saved ${saved.name}, with ${gained} run(s) it gained on disk` : `Saved ${saved.name}`);
  } catch (err) {
    reportFailure('Saving', err);
  }
}

export async function exportSummary(text: string): Promise<void> {
  try {
    await platform.exportFile('model-summary.txt', text, [{ name: 'Text', extensions: ['txt'] }]);
  } catch (err) {
    reportFailure('Export', err);
  }
}

/** The first free sub-model name from a stem: "submodel", "submodel_2", ... */
function freshSubmodelName(graph: GraphDocument, stem = 'submodel'): string {
  const used = new Set((graph.submodels ?? []).map((s) => s.name));
  if (!used.has(stem)) return stem;
  for (let i = 2; ; i++) if (!used.has(`${stem}_${i}`)) return `${stem}_${i}`;
}

/** Makes a sub-model of the selected layers (shortcut G); one undo entry. Returns its name. */
export function makeSubmodelFromSelection(): string | null {
  const { document, selection, edit } = editorStore.getState();
  if (selection.nodes.length === 0) {
    showToast('Select the layers of the sub-model first', 'error');
    return null;
  }
  const name = freshSubmodelName(document);
  try {
    edit((g) => addSubmodel(g, name, selection.nodes));
  } catch (err) {
    showToast(err instanceof Error ? err.message : String(err), 'error');
    return null;
  }
  showToast(`Sub-model "${name}" made: its inputs and outputs are the wires crossing its frame; click its name to rename it`);
  return name;
}

/** Renames a sub-model; a refused name is said in a toast. Returns whether it was renamed. */
export function renameSubmodelNamed(name: string, next: string): boolean {
  try {
    editorStore.getState().edit((g) => renameSubmodel(g, name, next.trim()));
    return true;
  } catch (err) {
    showToast(err instanceof Error ? err.message : String(err), 'error');
    return false;
  }
}

/** Removes a sub-model's declaration (its nodes stay). */
export function removeSubmodelNamed(name: string): void {
  editorStore.getState().edit((g) => removeSubmodel(g, name));
}
