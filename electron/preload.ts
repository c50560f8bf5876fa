/**
 * The preload: exposes one small typed API as `window.netwright` and nothing else (no ipcRenderer,
 * no Node). Runs sandboxed; bundled by esbuild so it needs only the 'electron' module.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, MENU_COMMANDS, MENU_COMMAND_CHANNEL, type MenuCommand } from './channels';
import type { NetwrightBridge } from './api';

const KNOWN_COMMANDS: ReadonlySet<string> = new Set(MENU_COMMANDS);

const bridge: NetwrightBridge = {
  openGraph: (payload) => ipcRenderer.invoke(CHANNELS.openGraph, payload),
  openModelFolder: () => ipcRenderer.invoke(CHANNELS.openModelFolder),
  saveGraph: (payload) => ipcRenderer.invoke(CHANNELS.saveGraph, payload),
  saveGraphAs: (payload) => ipcRenderer.invoke(CHANNELS.saveGraphAs, payload),
  exportFile: (payload) => ipcRenderer.invoke(CHANNELS.exportFile, payload),
  recentFiles: () => ipcRenderer.invoke(CHANNELS.recentFiles),
  appVersion: () => ipcRenderer.invoke(CHANNELS.appVersion),
  autosaveRead: (payload) => ipcRenderer.invoke(CHANNELS.autosaveRead, payload),
  autosaveWrite: (payload) => ipcRenderer.invoke(CHANNELS.autosaveWrite, payload),
  autosaveClear: (payload) => ipcRenderer.invoke(CHANNELS.autosaveClear, payload),
  setDocumentState: (payload) => ipcRenderer.invoke(CHANNELS.setDocumentState, payload),
  closeWindow: () => ipcRenderer.invoke(CHANNELS.closeWindow),
  onMenuCommand(listener) {
    // The event object is not passed on: it would hand the page a handle to ipcRenderer.
    const wrapped = (_event: IpcRendererEvent, command: unknown): void => {
      if (typeof command === 'string' && KNOWN_COMMANDS.has(command)) listener(command as MenuCommand);
    };
    ipcRenderer.on(MENU_COMMAND_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(MENU_COMMAND_CHANNEL, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('netwright', bridge);
