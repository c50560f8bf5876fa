/** Whether the dataset preview is open, and on which dataset it opens. */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';

export interface DatasetPreviewState {
  /** null: closed. */
  open: { id: string; options: Readonly<Record<string, number>> } | null;
}

export const datasetPreviewStore = createStore<DatasetPreviewState>(() => ({ open: null }));

export function useDatasetPreview<T>(select: (s: DatasetPreviewState) => T): T {
  return useStore(datasetPreviewStore, select);
}

export function openDatasetPreview(id: string, options: Readonly<Record<string, number>> = {}): void {
  datasetPreviewStore.setState({ open: { id, options } });
}

export function closeDatasetPreview(): void {
  datasetPreviewStore.setState({ open: null });
}

/** The numeric generator options of a graph's dataset setting (the others mean nothing to a preview). */
export function numericOptions(options: Readonly<Record<string, unknown>>): Record<string, number> {
  return Object.fromEntries(Object.entries(options).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
