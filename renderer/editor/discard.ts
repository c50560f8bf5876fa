import { editorStore } from '../state/editor';
import { isDirty } from '../state/store';

/** Asks before replacing a document with unsaved changes. */
export function confirmDiscard(): boolean {
  if (!isDirty(editorStore.getState())) return true;
  return window.confirm('Discard the unsaved changes to the current graph?');
}
