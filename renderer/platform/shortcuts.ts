/**
 * Keyboard shortcuts for web mode, mirroring the Electron menu's accelerators, so the UI
 * receives the same MenuCommands in both shells.
 */
import type { MenuCommand } from '../../electron/api';

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Commands a text field handles itself when it has focus. */
const TEXT_EDITING: ReadonlySet<MenuCommand> = new Set(['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll']);

export function commandForKey(event: KeyLike, isMac: boolean): MenuCommand | null {
  const mod = isMac ? event.metaKey : event.ctrlKey;
  if (event.altKey) return null;
  const key = event.key.toLowerCase();
  // Delete/Backspace are left to the focused element (the canvas deletes its selection itself),
  // as in Electron, where the Delete menu item does not register its accelerator.
  if (!mod) return null;
  if (event.shiftKey) {
    if (key === 's') return 'saveAs';
    if (key === 'z' && isMac) return 'redo';
    return null;
  }
  switch (key) {
    case 'n': return 'new';
    case 'o': return 'open';
    case 's': return 'save';
    case 'e': return 'export';
    case 'z': return 'undo';
    case 'y': return isMac ? null : 'redo';
    case 'x': return 'cut';
    case 'c': return 'copy';
    case 'v': return 'paste';
    case 'a': return 'selectAll';
    case '=': case '+': return 'zoomIn';
    case '-': return 'zoomOut';
    case '0': return 'zoomReset';
    default: return null;
  }
}

/** True when the command belongs to the focused text field rather than to the graph. */
export function isTextEditingCommand(command: MenuCommand, target: EventTarget | null): boolean {
  if (!TEXT_EDITING.has(command)) return false;
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement
    || target instanceof HTMLSelectElement;
}
