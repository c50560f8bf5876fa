/**
 * The contract between the Electron main process, the preload and the renderer: channel names,
 * payload schemas and the typed API the preload exposes as `window.netwright`.
 * Pure TypeScript (zod only) so the renderer may import it; nothing here touches Electron.
 */
import { z } from 'zod';

import type { ApiMethod, MenuCommand } from './channels';

export { CHANNELS, MENU_COMMANDS, MENU_COMMAND_CHANNEL, type ApiMethod, type MenuCommand } from './channels';

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

export const PAYLOAD_SCHEMAS = {
  /** Without a path: show the open dialog. With one: reopen a recent file. */
  openGraph: z.strictObject({ path: absolutePath.optional() }).optional(),
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

export interface ApiResults {
  openGraph: OpenedGraph | null;
  saveGraph: FileInfo;
  saveGraphAs: FileInfo | null;
  exportFile: FileInfo | null;
  recentFiles: FileInfo[];
  appVersion: string;
}

/** What the preload exposes on `window.netwright`. Dialog cancellation resolves to null. */
export interface NetwrightBridge {
  openGraph(payload?: Payload<'openGraph'>): Promise<ApiResults['openGraph']>;
  saveGraph(payload: Payload<'saveGraph'>): Promise<ApiResults['saveGraph']>;
  saveGraphAs(payload: Payload<'saveGraphAs'>): Promise<ApiResults['saveGraphAs']>;
  exportFile(payload: Payload<'exportFile'>): Promise<ApiResults['exportFile']>;
  recentFiles(): Promise<ApiResults['recentFiles']>;
  appVersion(): Promise<ApiResults['appVersion']>;
  /** Subscribes to menu commands; returns the unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
