/**
 * Transient UI beside the editor store: toasts, the file-error dialog, the recovery offer and
 * view requests (fit view). Nothing here is saved or undone.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { DocumentError } from '../../core/graph';
import type { RecoveryOffer } from '../editor/autosave';

export interface Toast {
  id: number;
  message: string;
  tone: 'info' | 'error';
}

export interface FileErrorReport {
  title: string;
  errors: readonly DocumentError[];
}

export interface UiState {
  toasts: readonly Toast[];
  fileError: FileErrorReport | null;
  recovery: RecoveryOffer | null;
  /** Why the last autosave write failed; null while autosave works. */
  autosaveError: string | null;
  /** Incremented to ask the canvas to fit the view (after open, template, layout). */
  fitViewRequest: number;
  /** A model being imported in the worker: its file and how far the import got. */
  importing: { name: string; fraction: number; stage: string } | null;
  /** An export being made in the worker (a PyTorch project with its data): its file and how far it got. */
  exporting: { name: string; fraction: number; stage: string } | null;
}

export const uiStore = createStore<UiState>()(() => ({
  toasts: [],
  fileError: null,
  recovery: null,
  autosaveError: null,
  fitViewRequest: 0,
  importing: null,
  exporting: null,
}));

export function useUi<T>(selector: (state: UiState) => T): T {
  return useStore(uiStore, selector);
}

let nextToast = 1;
export function showToast(message: string, tone: Toast['tone'] = 'info', ms = 4000): void {
  const id = nextToast++;
  uiStore.setState((s) => ({ toasts: [...s.toasts, { id, message, tone }].slice(-4) }));
  setTimeout(() => uiStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), ms);
}

export function requestFitView(): void {
  uiStore.setState((s) => ({ fitViewRequest: s.fitViewRequest + 1 }));
}
