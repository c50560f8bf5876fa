/**
 * What the training dock changes in the editor: the highlighted node (where training produced
 * NaN/Inf or an error) and the per-edge overlay (gradient flow). Both are UI state in the editor
 * store, never part of the document or of undo.
 */
import type { EdgeOverlayStyle } from '../state/store';
import { editorStore } from '../state/editor';

export function highlightNode(nodeId: string, _reason: string): void {
  editorStore.getState().setHighlight({ nodeId, kind: 'nonFinite' });
}

/** Removes a highlight left by a previous run (not one the editor set for its own reasons). */
export function clearNonFiniteHighlight(): void {
  const current = editorStore.getState().highlight;
  if (current?.kind === 'nonFinite') editorStore.getState().setHighlight(null);
}

export function setEdgeOverlay(overlay: Readonly<Record<string, EdgeOverlayStyle>> | null): void {
  editorStore.getState().setEdgeOverlay(overlay);
}

export type { EdgeOverlayStyle };
