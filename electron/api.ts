/**
 * The contract between the Electron main process, the preload and the renderer: channel names,
 * payload schemas and the typed API the preload exposes as `window.netwright`.
 * Pure TypeScript (zod only) so the renderer may import it; nothing here touches Electron.
 */
import { z } from 'zod';

import type { ApiMethod, MenuCommand } from './channels';

export { CHANNELS, type ApiMethod, type MenuCommand } from './channels';

// Generous bounds: a graph document is small JSON; exports (weights, images) can be larger.
const MAX_GRAPH_CHARS = 50 * 1024 * 1024;
const MAX_EXPORT_BYTES = 512 * 1024 * 1024;

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'path contains a NUL character');

/** A file name without directories, as offered in a save dialog. */
const baseName = z
  .string()
  .min(1)
  .max(255)
  .refine((n) => !/[\\/\0]/.test(n) && n !== '.' && n !== '..', 'must be a file name without folders');

const fileFilter = z.strictObject({
  name: z.string().min(1).max(100),
  extensions: z.array(z.string().regex(/^[A-Za-z0-9]{1,16}$/)).min(1).max(20),
});

/**
 * Autosave slots: `working` is written while the user edits; `recovered` holds the work found at
 * start until the user restores or discards it; `lastSave` notes the last successful save (file
 * name and time), so a recovered record older than that save can say so.
 */
export const AUTOSAVE_SLOTS = ['working', 'recovered', 'lastSave'] as const;
export type AutosaveSlot = (typeof AUTOSAVE_SLOTS)[number];
const autosaveSlot = z.enum(AUTOSAVE_SLOTS);

export const PAYLOAD_SCHEMAS = {
  /** Without a path: show the open dialog. With one: reopen a recent file. */
  openGraph: z.strictObject({ path: absolutePath.optional() }).optional(),
  /** Shows a folder dialog; the model in the chosen folder comes back as files. */
  openModelFolder: z.undefined(),
  saveGraph: z.strictObject({ path: absolutePath, contents: z.string().max(MAX_GRAPH_CHARS) }),
  saveGraphAs: z.strictObject({
    contents: z.string().max(MAX_GRAPH_CHARS),
    suggestedName: baseName.optional(),
  }),
  exportFile: z.strictObject({
    suggestedName: baseName,
    data: z.union([
      z.string().max(MAX_EXPORT_BYTES),
      z.instanceof(Uint8Array).refine((d) => d.byteLength <= MAX_EXPORT_BYTES, 'export too large'),
    ]),
    filters: z.array(fileFilter).max(20).optional(),
  }),
  recentFiles: z.undefined(),
  appVersion: z.undefined(),
  autosaveRead: z.strictObject({ slot: autosaveSlot }),
  autosaveWrite: z.strictObject({ slot: autosaveSlot, text: z.string().max(MAX_GRAPH_CHARS) }),
  autosaveClear: z.strictObject({ slot: autosaveSlot }),
  /** Whether the document has unsaved changes: closing the window asks only then. */
  setDocumentState: z.strictObject({ dirty: z.boolean() }),
  closeWindow: z.undefined(),
} as const satisfies Record<ApiMethod, z.ZodType>;

export type Payload<M extends ApiMethod> = z.infer<(typeof PAYLOAD_SCHEMAS)[M]>;

export interface FileInfo {
  /** Absolute path on disk. */
  path: string;
  /** Base name, for display. */
  name: string;
}

export interface OpenedGraph extends FileInfo {
  contents: string;
}

/** A model file chosen in Open… (model.json with the weight files its manifest names beside it, or a Keras file): imported by the page. */
export interface OpenedModelFiles extends FileInfo {
  files: { name: string; bytes: Uint8Array<ArrayBuffer> }[];
}

/** What a save wrote: the app's document, or it merged with runs the file gained on disk. */
export interface SavedGraph extends FileInfo {
  contents: string;
}

export interface ApiResults {
  /** A graph's text, or a model's files to import; null when the dialog was cancelled. */
  openGraph: OpenedGraph | OpenedModelFiles | null;
  /** The model in the folder the user chose (its model.json with its weight files, or its Keras file); null when cancelled. */
  openModelFolder: OpenedModelFiles | null;
  /** Null when the file changed on disk and the user chose Cancel. */
  saveGraph: SavedGraph | null;
  saveGraphAs: FileInfo | null;
  exportFile: FileInfo | null;
  recentFiles: FileInfo[];
  appVersion: string;
  autosaveRead: string | null;
  autosaveWrite: void;
  autosaveClear: void;
  setDocumentState: void;
  closeWindow: void;
}

/** What the preload exposes on `window.netwright`. Dialog cancellation resolves to null. */
export interface NetwrightBridge {
  openGraph(payload?: Payload<'openGraph'>): Promise<ApiResults['openGraph']>;
  openModelFolder(): Promise<ApiResults['openModelFolder']>;
  saveGraph(payload: Payload<'saveGraph'>): Promise<ApiResults['saveGraph']>;
  saveGraphAs(payload: Payload<'saveGraphAs'>): Promise<ApiResults['saveGraphAs']>;
  exportFile(payload: Payload<'exportFile'>): Promise<ApiResults['exportFile']>;
  recentFiles(): Promise<ApiResults['recentFiles']>;
  appVersion(): Promise<ApiResults['appVersion']>;
  autosaveRead(payload: Payload<'autosaveRead'>): Promise<ApiResults['autosaveRead']>;
  autosaveWrite(payload: Payload<'autosaveWrite'>): Promise<ApiResults['autosaveWrite']>;
  autosaveClear(payload: Payload<'autosaveClear'>): Promise<ApiResults['autosaveClear']>;
  setDocumentState(payload: Payload<'setDocumentState'>): Promise<ApiResults['setDocumentState']>;
  /** Closes the window without asking again (after "Save" in the close dialog succeeded). */
  closeWindow(): Promise<ApiResults['closeWindow']>;
  /** Subscribes to menu commands; returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
