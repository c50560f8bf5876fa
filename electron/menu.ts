/**
 * The native menu. Every item that acts on the document sends a MenuCommand to the renderer.
 * Edit items also run the native edit action first, so a focused text field behaves as usual;
 * the renderer ignores edit commands while a text field has focus and applies them to the graph
 * otherwise.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from './api';

export interface MenuOptions {
  appName: string;
  isMac: boolean;
  /** Development build: adds the devtools toggle and reload. */
  isDev: boolean;
  send: (command: MenuCommand) => void;
  /** Runs the web contents' own edit action (webContents.undo(), .paste()...). */
  nativeEdit: (command: EditCommand) => void;
}

export const EDIT_COMMANDS = ['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll'] as const;
export type EditCommand = (typeof EDIT_COMMANDS)[number];

export function buildMenuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const { appName, isMac, isDev, send, nativeEdit } = options;
  const command = (label: string, cmd: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => send(cmd),
  });

  const edit = (label: string, cmd: EditCommand, accelerator: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => {
      nativeEdit(cmd);
      send(cmd);
    },
  });

  const appMenu: MenuItemConstructorOptions[] = isMac
    ? [
        {
          label: appName,
          submenu: [
            { role: 'about' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];

  const fileMenu: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      command('New', 'new', 'CmdOrCtrl+N'),
      command('Open…', 'open', 'CmdOrCtrl+O'),
      { type: 'separator' },
      command('Save', 'save', 'CmdOrCtrl+S'),
      command('Save As…', 'saveAs', 'CmdOrCtrl+Shift+S'),
      command('Export…', 'export', 'CmdOrCtrl+E'),
      { type: 'separator' },
      isMac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const editMenu: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      edit('Undo', 'undo', 'CmdOrCtrl+Z'),
      edit('Redo', 'redo', isMac ? 'Shift+CmdOrCtrl+Z' : 'CmdOrCtrl+Y'),
      { type: 'separator' },
      edit('Cut', 'cut', 'CmdOrCtrl+X'),
      edit('Copy', 'copy', 'CmdOrCtrl+C'),
      edit('Paste', 'paste', 'CmdOrCtrl+V'),
      // Shown but not registered: a registered Delete/Backspace accelerator would swallow those
      // keys in text fields. The canvas handles the keys itself; the item serves mouse users.
      { ...edit('Delete', 'delete', isMac ? 'Backspace' : 'Delete'), registerAccelerator: false },
      { type: 'separator' },
      edit('Select All', 'selectAll', 'CmdOrCtrl+A'),
    ],
  };

  const viewMenu: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      command('Zoom In', 'zoomIn', 'CmdOrCtrl+='),
      command('Zoom Out', 'zoomOut', 'CmdOrCtrl+-'),
      command('Reset Zoom', 'zoomReset', 'CmdOrCtrl+0'),
      ...(isDev
        ? ([
            { type: 'separator' },
            { role: 'reload' },
            { role: 'toggleDevTools' },
          ] satisfies MenuItemConstructorOptions[])
        : []),
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  const windowMenu: MenuItemConstructorOptions = { role: 'windowMenu' };

  return [...appMenu, fileMenu, editMenu, viewMenu, windowMenu];
}
