/**
 * What the API methods do in the main process: dialogs, reads, atomic writes, recent files.
 * The renderer can only write to paths the user picked in a dialog this session (or reopened
 * from the recent list): a compromised page cannot name an arbitrary file to overwrite.
 */
import path from 'node:path';
import type { ApiHandlers } from './ipc';
import type { FileInfo } from './api';
import type { RecentFilesStore } from './recent-files';

export const GRAPH_FILTERS = [{ name: 'Netwright graph', extensions: ['json'] }];

/** The dialog calls used, shaped like Electron's `dialog` module (window argument bound). */
export interface Dialogs {
  showOpen(options: { filters: typeof GRAPH_FILTERS }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSave(options: {
    defaultPath?: string;
    filters?: { name: string; extensions: string[] }[];
  }): Promise<{ canceled: boolean; filePath?: string | undefined }>;
}

export interface FileServiceDeps {
  dialogs: Dialogs;
  recent: RecentFilesStore;
  readText: (file: string) => Promise<string>;
  writeAtomic: (file: string, data: string | Uint8Array) => Promise<void>;
  appVersion: string;
  /** Tells the OS about the file (recent documents menu); optional. */
  noteRecentDocument?: (file: string) => void;
}

export class FileAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileAccessError';
  }
}

export function createFileService(deps: FileServiceDeps): ApiHandlers {
  const granted = new Set<string>();
  const info = (file: string): FileInfo => ({ path: file, name: path.basename(file) });

  async function remember(file: string): Promise<void> {
    granted.add(file);
    await deps.recent.add(file);
    deps.noteRecentDocument?.(file);
  }

  return {
    async openGraph(payload) {
      let file: string;
      if (payload?.path) {
        const requested = path.resolve(payload.path);
        if (!granted.has(requested) && !(await deps.recent.has(requested))) {
          throw new FileAccessError(`open refused: "${requested}" is not a file you opened before`);
        }
        file = requested;
      } else {
        const result = await deps.dialogs.showOpen({ filters: GRAPH_FILTERS });
        const chosen = result.filePaths[0];
        if (result.canceled || !chosen) return null;
        file = chosen;
      }
      let contents: string;
      try {
        contents = await deps.readText(file);
      } catch (err) {
        // A recent file that cannot be read (moved, deleted) leaves the list.
        if (payload?.path) await deps.recent.remove(file);
        throw err;
      }
      await remember(file);
      return { ...info(file), contents };
    },

    async saveGraph(payload) {
      const file = path.resolve(payload.path);
      if (!granted.has(file)) {
        throw new FileAccessError(`save refused: "${file}" was not opened or chosen in this session; use Save As`);
      }
      await deps.writeAtomic(file, payload.contents);
      await remember(file);
      return info(file);
    },

    async saveGraphAs(payload) {
      const result = await deps.dialogs.showSave({
        defaultPath: payload.suggestedName ?? 'untitled.json',
        filters: GRAPH_FILTERS,
      });
      if (result.canceled || !result.filePath) return null;
      await deps.writeAtomic(result.filePath, payload.contents);
      await remember(result.filePath);
      return info(result.filePath);
    },

    async exportFile(payload) {
      const result = await deps.dialogs.showSave({
        defaultPath: payload.suggestedName,
        ...(payload.filters ? { filters: payload.filters } : {}),
      });
      if (result.canceled || !result.filePath) return null;
      await deps.writeAtomic(result.filePath, payload.data);
      return info(result.filePath);
    },

    async recentFiles() {
      return deps.recent.list();
    },

    async appVersion() {
      return deps.appVersion;
    },
  };
}
