/**
 * The one interface the UI uses for everything the shell provides (files, recent files, menu
 * commands, version). Two implementations: Electron (through the preload) and the browser.
 * UI code never asks which one it has.
 */
import type { MenuCommand } from '../../electron/api';

export type { MenuCommand } from '../../electron/api';

/** A file the user opened or saved. `key` is opaque: a path in Electron, a handle id on the web. */
export interface FileRef {
  key: string;
  name: string;
}

export interface OpenedFile extends FileRef {
  contents: string;
}

export interface ExportFilter {
  name: string;
  extensions: string[];
}

export interface Platform {
  readonly kind: 'electron' | 'web';
  /** Shows a picker, or reopens a recent file when given one. Null when the user cancels. */
  openGraph(recent?: FileRef): Promise<OpenedFile | null>;
  /** Writes to a file opened or saved before (atomically in Electron). */
  saveGraph(file: FileRef, contents: string): Promise<FileRef>;
  saveGraphAs(contents: string, suggestedName?: string): Promise<FileRef | null>;
  exportFile(suggestedName: string, data: string | Uint8Array<ArrayBuffer>, filters?: ExportFilter[]): Promise<FileRef | null>;
  recentFiles(): Promise<FileRef[]>;
  /** Drops a recent file that failed to open. */
  forgetRecent(file: FileRef): Promise<void>;
  appVersion(): Promise<string>;
  /** Menu (Electron) or keyboard (web) commands; returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
