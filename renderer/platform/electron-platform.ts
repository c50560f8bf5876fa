/** Platform over the preload's `window.netwright` bridge. */
import type { FileInfo, NetwrightBridge } from '../../electron/api';
import type { FileRef, Platform } from './platform';

declare global {
  interface Window {
    /** Present only inside the Electron shell (exposed by electron/preload.ts). */
    netwright?: NetwrightBridge;
  }
}

const toRef = (file: FileInfo): FileRef => ({ key: file.path, name: file.name });

export function createElectronPlatform(bridge: NetwrightBridge): Platform {
  return {
    kind: 'electron',
    async openGraph(recent) {
      const opened = await bridge.openGraph(recent ? { path: recent.key } : undefined);
      if (!opened) return null;
      return 'files' in opened ? { name: opened.name, files: opened.files } : { ...toRef(opened), contents: opened.contents };
    },
    async openModelFolder() {
      const opened = await bridge.openModelFolder();
      return opened ? { name: opened.name, files: opened.files } : null;
    },
    async saveGraph(file, contents) {
      const saved = await bridge.saveGraph({ path: file.key, contents });
      return saved ? { ...toRef(saved), contents: saved.contents } : null;
    },
    async saveGraphAs(contents, suggestedName) {
      const saved = await bridge.saveGraphAs(suggestedName ? { contents, suggestedName } : { contents });
      return saved ? toRef(saved) : null;
    },
    async exportFile(suggestedName, data, filters) {
      const saved = await bridge.exportFile(filters ? { suggestedName, data, filters } : { suggestedName, data });
      return saved ? toRef(saved) : null;
    },
    // The main process drops a recent file itself: one it cannot read, and one that reads but is
    // no valid graph (electron/file-service.ts parses what it opens).
    async forgetRecent() {},
    async recentFiles() {
      return (await bridge.recentFiles()).map(toRef);
    },
    appVersion: () => bridge.appVersion(),
    autosave: {
      read: (slot) => bridge.autosaveRead({ slot }),
      write: (slot, text) => bridge.autosaveWrite({ slot, text }),
      clear: (slot) => bridge.autosaveClear({ slot }),
    },
    setDocumentState(state) {
      bridge.setDocumentState(state).catch((err: unknown) => console.error('setDocumentState failed', err));
    },
    closeWindow: () => bridge.closeWindow(),
    onMenuCommand: (listener) => bridge.onMenuCommand(listener),
  };
}
