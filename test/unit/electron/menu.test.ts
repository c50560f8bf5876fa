import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { buildMenuTemplate, type EditCommand } from '../../../electron/menu';
import type { MenuCommand } from '../../../electron/api';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

function build(isMac: boolean, isDev: boolean) {
  const sent: MenuCommand[] = [];
  const native: EditCommand[] = [];
  const items = flatten(
    buildMenuTemplate({ appName: 'Netwright', isMac, isDev, send: (c) => sent.push(c), nativeEdit: (c) => native.push(c) }),
  );
  const byLabel = (label: string) => {
    const item = items.find((i) => i.label === label);
    if (!item) throw new Error(`no menu item "${label}"`);
    return item;
  };
  const click = (label: string) => (byLabel(label).click as () => void)();
  return { items, byLabel, click, sent, native };
}

describe('application menu', () => {
  it('has the standard accelerators', () => {
    const { byLabel } = build(false, false);
    const expected: Record<string, string> = {
      New: 'CmdOrCtrl+N',
      'Open…': 'CmdOrCtrl+O',
      Save: 'CmdOrCtrl+S',
      'Save As…': 'CmdOrCtrl+Shift+S',
      'Export…': 'CmdOrCtrl+E',
      Undo: 'CmdOrCtrl+Z',
      Redo: 'CmdOrCtrl+Y',
      Cut: 'CmdOrCtrl+X',
      Copy: 'CmdOrCtrl+C',
      Paste: 'CmdOrCtrl+V',
      Delete: 'Delete',
      'Select All': 'CmdOrCtrl+A',
      'Zoom In': 'CmdOrCtrl+=',
      'Zoom Out': 'CmdOrCtrl+-',
      'Reset Zoom': 'CmdOrCtrl+0',
    };
    for (const [label, accelerator] of Object.entries(expected)) expect(byLabel(label).accelerator, label).toBe(accelerator);
    expect(build(true, false).byLabel('Redo').accelerator).toBe('Shift+CmdOrCtrl+Z');
    // Delete must not steal the Delete/Backspace keys from text fields.
    expect(byLabel('Delete').registerAccelerator).toBe(false);
    for (const item of build(false, false).items.filter((i) => i.label !== 'Delete')) {
      expect(item.registerAccelerator, String(item.label)).not.toBe(false);
    }
  });

  it('sends commands to the renderer; edit items run the native action first', () => {
    const { click, sent, native } = build(false, false);
    click('Save As…');
    click('Zoom Out');
    click('Paste');
    expect(sent).toEqual(['saveAs', 'zoomOut', 'paste']);
    expect(native).toEqual(['paste']);
  });

  it('offers devtools only in development', () => {
    const roles = (isDev: boolean) => build(false, isDev).items.map((i) => i.role);
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('reload');
  });

  it('has the macOS app menu only on macOS', () => {
    expect(build(true, false).items[0]?.label).toBe('Netwright');
    expect(build(false, false).items[0]?.label).toBe('&File');
  });
});
