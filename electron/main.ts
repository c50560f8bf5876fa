/**
 * Electron main process entry: wires Electron's modules into the plain, tested modules beside
 * this file. Bundled by esbuild to dist-electron/main.cjs.
 */
import { app, BrowserWindow, Menu, dialog, ipcMain, protocol, session } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MENU_COMMAND_CHANNEL, type MenuCommand } from './channels';
import { APP_ENTRY_URL, APP_SCHEME, createAppProtocolHandler, isAppUrl } from './app-protocol';
import { writeFileAtomic } from '../node/atomic-write';
import { createFileService } from './file-service';
import { createIpcRouter, registerIpc } from './ipc';
import { buildMenuTemplate, type EditCommand } from './menu';
import { createRecentFilesStore } from './recent-files';
import { denyAllPermissions, hardenWebContents, mainWindowOptions } from './window';

// Must happen before 'ready': app:// behaves like https (secure context, fetch, workers).
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
  },
]);

const isDev = !app.isPackaged || process.env.NETWRIGHT_DEV === '1';
let mainWindow: BrowserWindow | null = null;

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
  const win = new BrowserWindow(mainWindowOptions(path.join(__dirname, 'preload.cjs')));
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
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
  const handlers = createFileService({
    dialogs: {
      showOpen: (options) => dialogs.showOpen({ ...options, properties: ['openFile'] }),
      showSave: (options) => dialogs.showSave(options),
    },
    recent: createRecentFilesStore({ file: path.join(app.getPath('userData'), 'recent-files.json') }),
    readText: (file) => readFile(file, 'utf8'),
    writeAtomic: (file, data) => writeFileAtomic(file, data),
    appVersion: app.getVersion(),
    noteRecentDocument: (file) => app.addRecentDocument(file),
  });
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

// Every web contents (windows, and anything they might try to open) gets the same rules.
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl));

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

start().catch((err: unknown) => {
  console.error('Netwright failed to start:', err);
  app.exit(1);
});
