/**
 * Platform for the browser: File System Access API pickers where the browser has them (Chromium),
 * otherwise <input type=file> to open and a download to save. Recent files: names in
 * localStorage, and where the browser has file handles, the handles in IndexedDB, so Recent
 * reopens the file itself (after asking for permission again). Autosave slots live in
 * localStorage. A save through a file handle first compares the file's lastModified with the one
 * seen at open/last save, and asks when another program changed it.
 */
import type { AutosaveSlot } from '../../electron/api';
import { mergeGainedRuns, type MergedRuns } from '../../core/graph/merge-runs';
import { graphOrModel, modelInFolder } from './picked-files';
import type { AutosaveSlots, ExportFilter, FileRef, OpenedFile, OpenedModel, Platform, SavedFile } from './platform';
import { forgetRecentHandle, loadRecentHandle, storeRecentHandle } from './recent-handles';
import { commandForKey, isTextEditingCommand } from './shortcuts';

/** What the user chose when the file changed on disk since it was opened or saved. */
export type ChangedFileChoice = 'merge' | 'overwrite' | 'cancel';
export type AskChangedFile = (fileName: string, merged: MergedRuns) => Promise<ChangedFileChoice>;

/** The browser has no three-button dialog: two native questions, each naming what OK does. */
export const askWithConfirm: AskChangedFile = async (fileName, merged) => {
  const intro = `${fileName} changed on disk since you opened it.`;
  if (merged.ok) {
    const gained = merged.gainedRunNames.length > 0 ? ` It gained ${merged.gainedRunNames.length} run(s): ${merged.gainedRunNames.join(', ')}.` : '';
    if (window.confirm(`${intro}${gained}\n\nOK: merge the runs it gained into your document and save.\nCancel: more choices.`)) return 'merge';
  }
  const why = merged.ok ? '' : ` Its runs cannot be merged: ${merged.reason}.`;
  return window.confirm(`${intro}${why}\n\nOK: overwrite it with your document.\nCancel: do not save.`) ? 'overwrite' : 'cancel';
};

/** localStorage keys; `working` keeps the key older versions used, so their autosave is found. */
export const AUTOSAVE_STORAGE_KEYS: Readonly<Record<AutosaveSlot, string>> = {
  working: 'netwright.autosave',
  recovered: 'netwright.autosave.recovered',
  lastSave: 'netwright.autosave.lastSave',
};

export function localStorageAutosave(storage: () => Storage = () => window.localStorage): AutosaveSlots {
  return {
    async read(slot) {
      return storage().getItem(AUTOSAVE_STORAGE_KEYS[slot]);
    },
    async write(slot, text) {
      storage().setItem(AUTOSAVE_STORAGE_KEYS[slot], text); // throws QuotaExceededError when full
    },
    async clear(slot) {
      storage().removeItem(AUTOSAVE_STORAGE_KEYS[slot]);
    },
  };
}

// The parts of the File System Access API used here (not yet in TypeScript's DOM library).
interface WritableFileStream {
  write(data: string | Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
}
interface FileHandle {
  readonly name: string;
  getFile(): Promise<File>;
  createWritable(): Promise<WritableFileStream>;
  queryPermission?(options: { mode: 'read' | 'readwrite' }): Promise<PermissionState>;
  requestPermission?(options: { mode: 'read' | 'readwrite' }): Promise<PermissionState>;
}

const RECENT_PREFIX = 'recent:';

/** Asks again for access to a handle kept from an earlier session; true when granted. */
async function regainAccess(handle: FileHandle): Promise<boolean> {
  const options = { mode: 'readwrite' as const };
  if (!handle.queryPermission || (await handle.queryPermission(options)) === 'granted') return true;
  return (await handle.requestPermission?.(options)) === 'granted';
}
interface PickerType {
  description: string;
  accept: Record<string, string[]>;
}
interface FileSystemAccess {
  showOpenFilePicker(options: { types: PickerType[]; multiple: boolean }): Promise<FileHandle[]>;
  showSaveFilePicker(options: { suggestedName: string; types?: PickerType[] }): Promise<FileHandle>;
}

const GRAPH_TYPES: PickerType[] = [{ description: 'Netwright graph', accept: { 'application/json': ['.json'] } }];
/** Open… also takes models to import: a model.json with its weight files (pick them together), a .keras or .h5 file. */
const OPEN_TYPES: PickerType[] = [
  {
    description: 'Netwright graph, or a model (model.json with its .bin weight files, .keras, .h5)',
    accept: { 'application/json': ['.json'], 'application/octet-stream': ['.bin', '.keras', '.h5', '.hdf5'] },
  },
];

const RECENT_KEY = 'netwright.recentFiles';
const MAX_RECENT = 10;

function fileSystemAccess(): FileSystemAccess | null {
  const w = window as Window & Partial<FileSystemAccess>;
  return typeof w.showOpenFilePicker === 'function' && typeof w.showSaveFilePicker === 'function'
    ? (w as FileSystemAccess)
    : null;
}

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

function toPickerTypes(filters: ExportFilter[] | undefined): PickerType[] | undefined {
  return filters?.map((f) => ({
    description: f.name,
    accept: { 'application/octet-stream': f.extensions.map((e) => `.${e}`) },
  }));
}

function download(name: string, data: string | Uint8Array): void {
  const part: BlobPart = typeof data === 'string' ? data : new Uint8Array(data);
  const url = URL.createObjectURL(new Blob([part]));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // Give the browser a moment to start the download before the URL is revoked.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function pickWithInput(): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.accept = '.json,application/json,.bin,.keras,.h5,.hdf5';
    input.addEventListener('change', () => resolve([...(input.files ?? [])]), { once: true });
    input.addEventListener('cancel', () => resolve([]), { once: true });
    input.click();
  });
}

interface DirectoryHandle {
  readonly kind: 'directory';
  readonly name: string;
  values(): AsyncIterable<{ kind: 'file' | 'directory'; name: string; getFile?: () => Promise<File> }>;
}

/** The files directly in a folder chosen with the File System Access API's directory picker. */
async function filesOfDirectory(dir: DirectoryHandle): Promise<File[]> {
  const files: File[] = [];
  for await (const entry of dir.values()) if (entry.kind === 'file' && entry.getFile) files.push(await entry.getFile());
  return files;
}

/** A folder through <input type=file webkitdirectory>: its files (with their relative paths), and its name. */
function pickFolderWithInput(): Promise<{ folder: string; files: File[] }> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.webkitdirectory = true;
    input.addEventListener('change', () => {
      const files = [...(input.files ?? [])];
      resolve({ folder: files[0]?.webkitRelativePath.split('/')[0] ?? '', files });
    }, { once: true });
    input.addEventListener('cancel', () => resolve({ folder: '', files: [] }), { once: true });
    input.click();
  });
}

function readRecent(): string[] {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((n): n is string => typeof n === 'string').slice(0, MAX_RECENT) : [];
  } catch {
    return []; // corrupt or unavailable storage: no recent files
  }
}

function forgetRecentName(name: string): void {
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(readRecent().filter((n) => n !== name)));
  } catch {
    // storage unavailable: nothing to forget
  }
}

function rememberRecent(name: string): void {
  try {
    const names = [name, ...readRecent().filter((n) => n !== name)].slice(0, MAX_RECENT);
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(names));
  } catch {
    // storage full or disabled: recent files are a convenience only
  }
}

export function createWebPlatform(options: { askChangedFile?: AskChangedFile } = {}): Platform {
  const askChangedFile = options.askChangedFile ?? askWithConfirm;
  const handles = new Map<string, FileHandle>();
  /** lastModified of each handle's file when this page last read or wrote it. */
  const lastModified = new Map<string, number>();
  let nextId = 1;

  const track = (handle: FileHandle): FileRef => {
    const key = `handle:${nextId++}`;
    handles.set(key, handle);
    rememberRecent(handle.name);
    void storeRecentHandle(handle.name, handle);
    return { key, name: handle.name };
  };

  async function readTracked(key: string, handle: FileHandle): Promise<string> {
    const file = await handle.getFile();
    lastModified.set(key, file.lastModified);
    return file.text();
  }

  async function write(handle: FileHandle, data: string | Uint8Array): Promise<void> {
    const stream = await handle.createWritable();
    await stream.write(typeof data === 'string' ? data : new Uint8Array(data));
    await stream.close(); // the browser swaps the file in only on close
  }

  async function saveVia(suggestedName: string, data: string | Uint8Array, types?: PickerType[]): Promise<FileRef | null> {
    const fsa = fileSystemAccess();
    if (!fsa) {
      download(suggestedName, data);
      rememberRecent(suggestedName);
      return { key: `download:${suggestedName}`, name: suggestedName };
    }
    try {
      const handle = await fsa.showSaveFilePicker(types ? { suggestedName, types } : { suggestedName });
      await write(handle, data);
      const ref = track(handle);
      lastModified.set(ref.key, (await handle.getFile()).lastModified);
      return ref;
    } catch (err) {
      if (isAbort(err)) return null;
      throw err;
    }
  }

  return {
    kind: 'web',
    async openGraph(recent): Promise<OpenedFile | OpenedModel | null> {
      const known = recent ? handles.get(recent.key) : undefined;
      if (known && recent) {
        return { ...recent, contents: await readTracked(recent.key, known) };
      }
      // A recent file of an earlier session: its handle, if the browser kept one.
      if (recent?.key.startsWith(RECENT_PREFIX)) {
        const kept = await loadRecentHandle<FileHandle>(recent.name);
        if (kept) {
          if (!(await regainAccess(kept))) throw new Error(`permission to read ${recent.name} was not granted`);
          const ref = track(kept);
          return { ...ref, contents: await readTracked(ref.key, kept) };
        }
      }
      const fsa = fileSystemAccess();
      if (fsa) {
        try {
          const picked = await fsa.showOpenFilePicker({ types: OPEN_TYPES, multiple: true });
          const handle = picked[0];
          if (!handle) return null;
          const opened = await graphOrModel(await Promise.all(picked.map((h) => h.getFile())));
          if (!opened || 'model' in opened) return opened?.model ?? null;
          const ref = track(handle);
          return { ...ref, contents: await readTracked(ref.key, handle) };
        } catch (err) {
          if (isAbort(err)) return null;
          throw err;
        }
      }
      const opened = await graphOrModel(await pickWithInput());
      if (!opened) return null;
      if ('model' in opened) return opened.model;
      const { file, text } = opened.graph;
      rememberRecent(file.name);
      return { key: `upload:${file.name}`, name: file.name, contents: text };
    },
    async openModelFolder(): Promise<OpenedModel | null> {
      const w = window as Window & { showDirectoryPicker?: () => Promise<DirectoryHandle> };
      if (typeof w.showDirectoryPicker === 'function') {
        try {
          const dir = await w.showDirectoryPicker();
          return await modelInFolder(dir.name, await filesOfDirectory(dir));
        } catch (err) {
          if (isAbort(err)) return null;
          throw err;
        }
      }
      const picked = await pickFolderWithInput();
      return picked.files.length === 0 ? null : modelInFolder(picked.folder, picked.files);
    },
    async saveGraph(file, contents): Promise<SavedFile | null> {
      const handle = handles.get(file.key);
      if (!handle) {
        // Opened through <input type=file>: the browser only lets us download a new copy.
        download(file.name, contents);
        return { ...file, contents };
      }
      let written = contents;
      const seen = lastModified.get(file.key);
      const onDisk = await handle.getFile();
      if (seen !== undefined && onDisk.lastModified !== seen) {
        const merged = mergeGainedRuns(contents, await onDisk.text(), handle.name);
        const choice = await askChangedFile(handle.name, merged);
        if (choice === 'cancel') return null;
        if (choice === 'merge' && merged.ok) written = merged.text;
      }
      await write(handle, written);
      lastModified.set(file.key, (await handle.getFile()).lastModified);
      rememberRecent(handle.name);
      return { ...file, contents: written };
    },
    saveGraphAs: (contents, suggestedName) => saveVia(suggestedName ?? 'untitled.json', contents, GRAPH_TYPES),
    exportFile: (suggestedName, data, filters) => saveVia(suggestedName, data, toPickerTypes(filters)),
    async recentFiles() {
      return readRecent().map((name) => ({ key: `${RECENT_PREFIX}${name}`, name }));
    },
    async forgetRecent(file) {
      forgetRecentName(file.name);
      await forgetRecentHandle(file.name);
    },
    async appVersion() {
      return import.meta.env.PACKAGE_VERSION;
    },
    autosave: localStorageAutosave(),
    setDocumentState() {
      // The browser asks through beforeunload (App's unsaved-changes guard).
    },
    async closeWindow() {
      // A page cannot close the browser's tab it did not open.
    },
    onMenuCommand(listener) {
      const isMac = /Mac|iPhone|iPad/.test(navigator.platform);
      const onKey = (event: KeyboardEvent): void => {
        const command = commandForKey(event, isMac);
        if (!command || isTextEditingCommand(command, event.target)) return;
        event.preventDefault(); // e.g. keep Ctrl+S from saving the page
        listener(command);
      };
      window.addEventListener('keydown', onKey);
      return () => window.removeEventListener('keydown', onKey);
    },
  };
}
