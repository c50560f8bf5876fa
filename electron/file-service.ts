/**
 * What the file API methods do in the main process: dialogs, reads, atomic writes, recent files.
 * Write access is granted only to paths the user picked in a dialog this session. Reopening a
 * recent file grants reading it; saving over it asks the user first (a native dialog the page
 * cannot answer), so a compromised page cannot name a file to overwrite.
 * Each save compares the file on disk with what this session last read or wrote there (SHA-256):
 * if it changed (e.g. `netwright train --keep` appended a run), the user chooses to merge the
 * runs it gained, overwrite, or cancel; nothing is lost silently.
 * The recent list holds only files that opened as graphs: one that cannot be read, or reads but
 * is not a valid graph document, leaves it (the page still gets the text to show why).
 * A model chosen in Open… (a TensorFlow.js model.json, a Keras .keras or .h5 file) comes back as
 * its files' bytes for the page to import: a model.json with the weight files its manifest names,
 * read from its own folder only (by file name, so a manifest cannot point elsewhere). A model
 * folder (Open folder) is read the same way: its one model.json or Keras file, refused naming
 * what it holds when it has none or several.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { LIMITS } from '../core/graph/document';
import type { ApiHandlers } from './ipc';
import type { FileInfo, OpenedModelFiles, SavedGraph } from './api';
import { folderModel, isModelJsonText, MODEL_JSON_MAX_BYTES, MODEL_PART } from '../core/import/model-json';
import { manifestShardPaths, shardFileName, WEIGHT_LIMITS } from '../core/import/weights-manifest';
import { mergeGainedRuns } from '../core/graph/merge-runs';
import { parseGraphText } from '../core/graph/parse';
import type { RecentFilesStore } from './recent-files';

/** Largest graph file opened: the document limit (kept runs carry their weights). */
export const MAX_GRAPH_FILE_BYTES = LIMITS.fileBytes;

export const GRAPH_FILTERS = [{ name: 'Netwright graph', extensions: ['json'] }];

/** Open… shows graphs and the models it imports. */
export const OPEN_FILTERS = [
  { name: 'Netwright graph or model', extensions: ['json', 'keras', 'h5'] },
  ...GRAPH_FILTERS,
  { name: 'Keras or TensorFlow.js model', extensions: ['json', 'keras', 'h5', 'hdf5'] },
];

/** The largest Keras file read (the importer keeps at most WEIGHT_LIMITS.values float32 weights). */
export const MAX_KERAS_FILE_BYTES = WEIGHT_LIMITS.values * 4 + 16 * 1024 * 1024;

/** The dialog calls used, shaped like Electron's `dialog` module (window argument bound). */
export interface Dialogs {
  showOpen(options: { filters: typeof OPEN_FILTERS }): Promise<{ canceled: boolean; filePaths: string[] }>;
  /** A folder picker (Electron's open dialog with openDirectory). */
  showOpenFolder(): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSave(options: {
    defaultPath?: string;
    filters?: { name: string; extensions: string[] }[];
  }): Promise<{ canceled: boolean; filePath?: string | undefined }>;
  /** A question with buttons, shaped like `dialog.showMessageBox`; resolves to the button index. */
  showMessage(options: {
    type: 'question' | 'warning';
    message: string;
    detail: string;
    buttons: string[];
    defaultId: number;
    cancelId: number;
  }): Promise<{ response: number }>;
}

export type FileHandlers = Pick<
  ApiHandlers,
  'openGraph' | 'openModelFolder' | 'saveGraph' | 'saveGraphAs' | 'exportFile' | 'recentFiles' | 'appVersion'
>;

export interface FileServiceDeps {
  dialogs: Dialogs;
  recent: RecentFilesStore;
  /** Size in bytes; rejects when the file does not exist. */
  fileSize: (file: string) => Promise<number>;
  readText: (file: string) => Promise<string>;
  readBytes: (file: string) => Promise<Uint8Array<ArrayBuffer>>;
  /** The names of a folder's regular files (not its subfolders). */
  listFiles: (folder: string) => Promise<string[]>;
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

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function createFileService(deps: FileServiceDeps): FileHandlers {
  /** Paths the user chose in a dialog this session (or agreed to overwrite): writable. */
  const writable = new Set<string>();
  /** Paths opened this session (dialog or recent list): readable. */
  const readable = new Set<string>();
  /** Hash of what this session last read from or wrote to each path. */
  const lastSeen = new Map<string, string>();
  const info = (file: string): FileInfo => ({ path: file, name: path.basename(file) });

  async function remember(file: string): Promise<void> {
    readable.add(file);
    await deps.recent.add(file);
    deps.noteRecentDocument?.(file);
  }

  /** Reads a graph file after checking its size, so a huge file is refused before it is read. */
  async function readGraphFile(file: string): Promise<string> {
    const size = await deps.fileSize(file);
    if (size > MAX_GRAPH_FILE_BYTES) {
      throw new FileAccessError(
        `open refused: "${file}" is ${megabytes(size)}, larger than the ${megabytes(MAX_GRAPH_FILE_BYTES)} limit for a graph file`,
      );
    }
    return deps.readText(file);
  }

  /** The file's current text, or null when it no longer exists (or cannot be read). */
  async function currentText(file: string): Promise<string | null> {
    try {
      return await readGraphFile(file);
    } catch {
      return null;
    }
  }

  /** Reads a file after checking its size against `max`. */
  async function readBytesBounded(file: string, max: number, what: string): Promise<Uint8Array<ArrayBuffer>> {
    const size = await deps.fileSize(file);
    if (size > max) throw new FileAccessError(`open refused: ${what} "${file}" is ${megabytes(size)}, larger than the ${megabytes(max)} limit`);
    return deps.readBytes(file);
  }

  /**
   * A model.json and the weight files its manifest names, from the model's folder. A missing or
   * malformed manifest, or a missing weight file, is left for the importer to name in the page.
   */
  async function modelJsonFiles(file: string, contents: string): Promise<OpenedModelFiles> {
    const files: OpenedModelFiles['files'] = [{ name: path.basename(file), bytes: new TextEncoder().encode(contents) }];
    let shards: string[];
    try {
      shards = manifestShardPaths((JSON.parse(contents) as { weightsManifest?: unknown }).weightsManifest);
    } catch {
      shards = []; // the importer names what is wrong with the manifest
    }
    let total = 0;
    const folder = path.dirname(file);
    for (const shard of new Set(shards.map(shardFileName))) {
      const local = path.join(folder, path.basename(shard));
      if (local === file) continue;
      let size: number;
      try {
        size = await deps.fileSize(local);
      } catch {
        continue; // missing: the importer says which file it needs
      }
      total += size;
      if (total > WEIGHT_LIMITS.values * 4) {
        throw new FileAccessError(`open refused: the weight files of "${file}" hold more than ${megabytes(WEIGHT_LIMITS.values * 4)}, more than Netwright keeps`);
      }
      files.push({ name: path.basename(shard), bytes: await deps.readBytes(local) });
    }
    return { ...info(file), files };
  }

  async function ask(message: string, detail: string, buttons: string[], cancelId: number): Promise<number> {
    return (await deps.dialogs.showMessage({ type: 'question', message, detail, buttons, defaultId: 0, cancelId })).response;
  }

  async function write(file: string, contents: string): Promise<void> {
    await deps.writeAtomic(file, contents);
    lastSeen.set(file, sha256(contents));
    writable.add(file);
    await remember(file);
  }

  return {
    async openModelFolder() {
      const result = await deps.dialogs.showOpenFolder();
      const folder = result.filePaths[0];
      if (result.canceled || !folder) return null;
      const names = (await deps.listFiles(folder)).filter((n) => MODEL_PART.test(n)).sort();
      // Which .json files are models: each read after its size is checked (other JSON stays unread past the limit).
      const modelJsons = new Map<string, string>();
      for (const name of names.filter((n) => /\.json$/i.test(n))) {
        const file = path.join(folder, name);
        if ((await deps.fileSize(file)) > MODEL_JSON_MAX_BYTES) continue;
        const text = await deps.readText(file);
        if (isModelJsonText(text)) modelJsons.set(name, text);
      }
      let chosen;
      try {
        chosen = folderModel(path.basename(folder), names, (name) => modelJsons.has(name));
      } catch (err) {
        throw new FileAccessError(`open refused: ${err instanceof Error ? err.message : String(err)}`);
      }
      // Read for the page to import: no grant to reopen or save over it.
      const file = path.join(folder, chosen.entry);
      if (chosen.kind === 'keras') {
        return { ...info(file), files: [{ name: chosen.entry, bytes: await readBytesBounded(file, MAX_KERAS_FILE_BYTES, 'the Keras file') }] };
      }
      // Imported into a new document: the model.json is read, never saved over.
      return modelJsonFiles(file, modelJsons.get(chosen.entry) as string);
    },

    async openGraph(payload) {
      let file: string;
      if (payload?.path) {
        const requested = path.resolve(payload.path);
        if (!readable.has(requested) && !(await deps.recent.has(requested))) {
          throw new FileAccessError(`open refused: "${requested}" is not a file you opened before`);
        }
        file = requested;
      } else {
        const result = await deps.dialogs.showOpen({ filters: OPEN_FILTERS });
        const chosen = result.filePaths[0];
        if (result.canceled || !chosen) return null;
        file = chosen;
        // A Keras file is imported into a new document: it is never saved over.
        if (/\.(keras|h5|hdf5)$/i.test(file)) {
          return { ...info(file), files: [{ name: path.basename(file), bytes: await readBytesBounded(file, MAX_KERAS_FILE_BYTES, 'the Keras file') }] };
        }
        writable.add(file); // chosen in a dialog: the user may save over it
      }
      let contents: string;
      try {
        contents = await readGraphFile(file);
      } catch (err) {
        // A recent file that cannot be read (moved, deleted, too large) leaves the list.
        if (payload?.path) await deps.recent.remove(file);
        throw err;
      }
      if (!payload?.path && contents.length <= MODEL_JSON_MAX_BYTES && isModelJsonText(contents)) {
        writable.delete(file); // a model.json is imported into a new document, never saved over
        return modelJsonFiles(file, contents);
      }
      lastSeen.set(file, sha256(contents));
      // Not a graph (any more): the page shows the problems, and the file is not (or no longer) recent.
      if (!parseGraphText(contents).ok) {
        await deps.recent.remove(file);
        return { ...info(file), contents };
      }
      await remember(file);
      return { ...info(file), contents };
    },

    async saveGraph(payload): Promise<SavedGraph | null> {
      const file = path.resolve(payload.path);
      if (!readable.has(file)) {
        throw new FileAccessError(`save refused: "${file}" was not opened or chosen in this session; use Save As`);
      }
      if (!writable.has(file)) {
        // Reopened from the recent list: the page named this path, so the user confirms it.
        const answer = await ask(
          `Save over ${path.basename(file)}?`,
          `${file} was reopened from the recent files. Saving replaces it with the graph in this window.`,
          ['Save', 'Cancel'],
          1,
        );
        if (answer !== 0) return null;
        writable.add(file);
      }
      let contents = payload.contents;
      const onDisk = await currentText(file);
      const seen = lastSeen.get(file);
      if (onDisk !== null && seen !== undefined && sha256(onDisk) !== seen) {
        const name = path.basename(file);
        const merged = mergeGainedRuns(payload.contents, onDisk, name);
        const detail = merged.ok
          ? merged.gainedRunNames.length > 0
            ? `On disk it has ${merged.gainedRunNames.length} run(s) this window does not: ${merged.gainedRunNames.join(', ')}. ` +
              'Merge keeps them beside your document; Overwrite replaces the file with your document only.'
            : 'It has no runs this window lacks. Merge keeps your document (and its runs); Overwrite does the same.'
          : `Its runs cannot be merged: ${merged.reason}. Overwrite replaces the file with your document.`;
        const buttons = merged.ok ? ['Merge the runs it gained', 'Overwrite', 'Cancel'] : ['Overwrite', 'Cancel'];
        const answer = await ask(`${name} changed on disk since you opened it`, detail, buttons, buttons.length - 1);
        const choice = buttons[answer];
        if (choice === 'Cancel' || choice === undefined) return null;
        if (choice === 'Merge the runs it gained' && merged.ok) contents = merged.text;
      }
      await write(file, contents);
      return { ...info(file), contents };
    },

    async saveGraphAs(payload) {
      const result = await deps.dialogs.showSave({
        defaultPath: payload.suggestedName ?? 'untitled.json',
        filters: GRAPH_FILTERS,
      });
      if (result.canceled || !result.filePath) return null;
      const file = path.resolve(result.filePath);
      await write(file, payload.contents);
      return info(file);
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
