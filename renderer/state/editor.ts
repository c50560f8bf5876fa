/**
 * The app's one editor store and the hooks components read it with. The training dock and the
 * editor share it: `useEditor(selector)` in components, `editorStore` outside React.
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createEditorStore, type EditorState, type EditorStore } from './store';

export const editorStore: EditorStore = createEditorStore();

/** Tests or a second window may provide another store; the app uses `editorStore`. */
export const EditorStoreContext = createContext<EditorStore>(editorStore);

export function useEditorStore(): EditorStore {
  return useContext(EditorStoreContext);
}

/** Reads a slice of the editor store (re-renders when the slice changes). */
export function useEditor<T>(selector: (state: EditorState) => T): T {
  return useStore(useEditorStore(), selector);
}

/** Whether undo / redo have anything to do (re-renders when that changes). */
export function useHistoryState(): { canUndo: boolean; canRedo: boolean } {
  const store = useEditorStore();
  const canUndo = useStore(store.temporal, (t) => t.pastStates.length > 0);
  const canRedo = useStore(store.temporal, (t) => t.futureStates.length > 0);
  return { canUndo, canRedo };
}
