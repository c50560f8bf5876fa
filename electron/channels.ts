/** IPC channel names and menu commands: plain constants, importable by the sandboxed preload. */

/** Commands the native menu (or, in web mode, the keyboard) sends to the renderer. */
export const MENU_COMMANDS = [
  'new',
  'open',
  'save',
  'saveAs',
  'export',
  'undo',
  'redo',
  'cut',
  'copy',
  'paste',
  'delete',
  'selectAll',
  'zoomIn',
  'zoomOut',
  'zoomReset',
  /** The window is closing with unsaved changes and the user chose Save: save, then close. */
  'saveAndClose',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export const MENU_COMMAND_CHANNEL = 'netwright:menu-command';

/** Invoke channels, one per API method. */
export const CHANNELS = {
  openGraph: 'netwright:open-graph',
  openModelFolder: 'netwright:open-model-folder',
  saveGraph: 'netwright:save-graph',
  saveGraphAs: 'netwright:save-graph-as',
  exportFile: 'netwright:export-file',
  recentFiles: 'netwright:recent-files',
  appVersion: 'netwright:app-version',
  autosaveRead: 'netwright:autosave-read',
  autosaveWrite: 'netwright:autosave-write',
  autosaveClear: 'netwright:autosave-clear',
  setDocumentState: 'netwright:set-document-state',
  closeWindow: 'netwright:close-window',
} as const;
export type ApiMethod = keyof typeof CHANNELS;

