/**
 * The one interface the UI uses for everything the shell provides (files, recent files, menu
 * commands, version). Two implementations: Electron (through the preload) and the browser.
 * UI code never asks which one it has.
 */
import type { AutosaveSlot, MenuCommand } from '../../electron/api';

export type { AutosaveSlot, MenuCommand } from '../../electron/api';

/** A file the user opened or saved. `key` is opaque: a path in Electron, a handle id on the web. */
export interface FileRef {
  key: string;
  name: string;
}

export interface OpenedFile extends FileRef {
  contents: string;
}

/** A model picked in Open… (model.json with its weight files, or a Keras file): the page imports it. */
export interface OpenedModel {
  name: string;
  files: { name: string; bytes: Uint8Array<ArrayBuffer> }[];
}

/** What a save wrote: the document, or the document merged with runs the file gained on disk. */
export interface SavedFile extends FileRef {
  contents: string;
}

/**
 * Where autosave records live: files under userData (Electron, written atomically by the main
 * process) or localStorage (web). Writes reject when they fail (full disk, quota): the caller
 * shows it.
 */
export interface AutosaveSlots {
  read(slot: AutosaveSlot): Promise<string | null>;
  write(slot: AutosaveSlot, text: string): Promise<void>;
  clear(slot: AutosaveSlot): Promise<void>;
}

export interface ExportFilter {
  name: string;
  extensions: string[];
}

export interface Platform {
  readonly kind: 'electron' | 'web';
  /**
   * Shows a picker (graphs, and models to import: several files may be picked, a model.json with
   * its weight files), or reopens a recent file when given one. Null when the user cancels.
   */
  openGraph(recent?: FileRef): Promise<OpenedFile | OpenedModel | null>;
  /**
   * Picks a whole model folder and returns the model in it (its model.json with the weight files,
   * or its Keras file); null when cancelled. Web mode: the directory picker, or <input
   * webkitdirectory>; Electron: the native folder dialog, read by the main process.
   */
  openModelFolder?(): Promise<OpenedModel | null>;
  /**
   * Writes to a file opened or saved before (atomically in Electron). If the file changed on disk
   * since it was opened or last saved, the user chooses: merge the runs it gained (the result
   * says what was written), overwrite, or cancel (null).
   */
  saveGraph(file: FileRef, contents: string): Promise<SavedFile | null>;
  saveGraphAs(contents: string, suggestedName?: string): Promise<FileRef | null>;
  exportFile(suggestedName: string, data: string | Uint8Array<ArrayBuffer>, filters?: ExportFilter[]): Promise<FileRef | null>;
  recentFiles(): Promise<FileRef[]>;
  /** Drops a recent file that failed to open. */
  forgetRecent(file: FileRef): Promise<void>;
  appVersion(): Promise<string>;
  readonly autosave: AutosaveSlots;
  /** Tells the shell whether there are unsaved changes (Electron asks before closing then). */
  setDocumentState(state: { dirty: boolean }): void;
  /** Closes the window after "Save" in the close dialog succeeded (no-op on the web). */
  closeWindow(): Promise<void>;
  /** Menu (Electron) or keyboard (web) commands; returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
