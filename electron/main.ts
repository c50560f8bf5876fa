/**
 * Electron main process entry: wires Electron's modules into the plain, tested modules beside
 * this file. Bundled by esbuild to dist-electron/main.cjs.
 */
import { app, BrowserWindow, Menu, dialog, ipcMain, protocol, session } from 'electron';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MENU_COMMAND_CHANNEL, type MenuCommand } from './channels';
import { APP_ENTRY_URL, APP_SCHEME, createAppProtocolHandler, isAppUrl } from './app-protocol';
import { writeFileAtomic } from '../node/atomic-write';
import { createAutosaveStore } from './autosave-store';
import { createFileService } from './file-service';
import { createIpcRouter, registerIpc } from './ipc';
import { buildMenuTemplate, type EditCommand } from './menu';
import { createRecentFilesStore } from './recent-files';
import { denyAllPermissions, hardenWebContents, mainWindowOptions } from './window';
import { attachCloseGuard, attachCrashRecovery, type CloseGuard, type MessageBoxOptions } from './window-lifecycle';

// Must happen before 'ready': app:// behaves like https (secure context, fetch, workers).
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
  },
]);

// DevTools and reload exist only in an unpackaged app (no environment switch turns them on).
const isDev = !app.isPackaged;
let mainWindow: BrowserWindow | null = null;
let closeGuard: CloseGuard | null = null;
/** A quit is in progress: once the window has closed (after asking), the app quits. */
let quitting = false;

function showMessage(options: MessageBoxOptions): Promise<{ response: number }> {
  return mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options);
}

function sendMenuCommand(command: MenuCommand): void {
  mainWindow?.webContents.send(MENU_COMMAND_CHANNEL, command);
}

function nativeEdit(command: EditCommand): void {
  const contents = mainWindow?.webContents;
  if (!contents) return;
  if (command === 'undo') contents.undo();
  else if (command === 'redo') contents.redo();
  else if (command === 'cut') contents.cut();
  else if (command === 'copy') contents.copy();
  else if (command === 'paste') contents.paste();
  else if (command === 'delete') contents.delete();
  else contents.selectAll();
}

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(path.join(__dirname, 'preload.cjs'), { devTools: isDev }));
  win.once('ready-to-show', () => win.show());
  const guard = attachCloseGuard(win, {
    showMessage,
    requestSaveAndClose: () => win.webContents.send(MENU_COMMAND_CHANNEL, 'saveAndClose' satisfies MenuCommand),
    onCancel: () => {
      quitting = false;
    },
  });
  closeGuard = guard;
  attachCrashRecovery(win.webContents, {
    showMessage,
    log: (message) => console.error(`Netwright: ${message}`),
    // Until the reloaded page reports its state, closing must not ask about a document it lost.
    onGone: () => guard.setDirty(false),
  });
  win.on('closed', () => {
    if (mainWindow === win) {
      mainWindow = null;
      closeGuard = null;
    }
    if (quitting) app.quit();
  });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();

  const rendererRoot = path.join(app.getAppPath(), 'dist');
  protocol.handle(
    APP_SCHEME,
    createAppProtocolHandler({ root: rendererRoot, readFile: (file) => readFile(file) }),
  );
  denyAllPermissions(session.defaultSession);

  const dialogs = {
    showOpen: (options: Electron.OpenDialogOptions) =>
      mainWindow ? dialog.showOpenDialog(mainWindow, options) : dialog.showOpenDialog(options),
    showSave: (options: Electron.SaveDialogOptions) =>
      mainWindow ? dialog.showSaveDialog(mainWindow, options) : dialog.showSaveDialog(options),
  };
  const fileHandlers = createFileService({
    dialogs: {
      showOpen: (options) => dialogs.showOpen({ ...options, properties: ['openFile'] }),
      showOpenFolder: () => dialogs.showOpen({ properties: ['openDirectory'] }),
      showSave: (options) => dialogs.showSave(options),
      showMessage,
    },
    recent: createRecentFilesStore({ file: path.join(app.getPath('userData'), 'recent-files.json') }),
    fileSize: async (file) => (await stat(file)).size,
    readText: (file) => readFile(file, 'utf8'),
    readBytes: async (file) => new Uint8Array(await readFile(file)),
    listFiles: async (folder) => (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name),
    writeAtomic: (file, data) => writeFileAtomic(file, data),
    appVersion: app.getVersion(),
    noteRecentDocument: (file) => app.addRecentDocument(file),
  });
  // One window, so one set of slots; a second window would get its own folder.
  const autosave = createAutosaveStore({ dir: path.join(app.getPath('userData'), 'autosave', 'main-window') });
  const handlers = {
    ...fileHandlers,
    autosaveRead: ({ slot }: { slot: Parameters<typeof autosave.read>[0] }) => autosave.read(slot),
    autosaveWrite: ({ slot, text }: { slot: Parameters<typeof autosave.write>[0]; text: string }) => autosave.write(slot, text),
    autosaveClear: ({ slot }: { slot: Parameters<typeof autosave.clear>[0] }) => autosave.clear(slot),
    setDocumentState: async ({ dirty }: { dirty: boolean }) => closeGuard?.setDirty(dirty),
    closeWindow: async () => closeGuard?.closeWithoutAsking(),
  };
  registerIpc(
    ipcMain,
    createIpcRouter({ mainContentsId: () => mainWindow?.webContents.id ?? null, isAppUrl, handlers }),
  );

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({ appName: app.name, isMac: process.platform === 'darwin', isDev, send: sendMenuCommand, nativeEdit }),
    ),
  );

  mainWindow = createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow();
  });
}

app.on('before-quit', () => {
  quitting = true;
});

// Every web contents (windows, and anything they might try to open) gets the same rules.
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl));

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

start().catch((err: unknown) => {
  console.error('Netwright failed to start:', err);
  app.exit(1);
});
