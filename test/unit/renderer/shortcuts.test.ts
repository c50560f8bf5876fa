import { describe, expect, it } from 'vitest';
import { commandForKey, type KeyLike } from '../../../renderer/platform/shortcuts';

const key = (k: string, mods: Partial<Omit<KeyLike, 'key'>> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('web-mode shortcuts mirror the menu accelerators', () => {
  it('maps Ctrl shortcuts on Linux/Windows', () => {
    expect(commandForKey(key('s', { ctrlKey: true }), false)).toBe('save');
    expect(commandForKey(key('S', { ctrlKey: true, shiftKey: true }), false)).toBe('saveAs');
    expect(commandForKey(key('o', { ctrlKey: true }), false)).toBe('open');
    expect(commandForKey(key('z', { ctrlKey: true }), false)).toBe('undo');
    expect(commandForKey(key('y', { ctrlKey: true }), false)).toBe('redo');
    expect(commandForKey(key('=', { ctrlKey: true }), false)).toBe('zoomIn');
    expect(commandForKey(key('0', { ctrlKey: true }), false)).toBe('zoomReset');
  });

  it('uses Cmd on macOS, where Shift+Cmd+Z is redo', () => {
    expect(commandForKey(key('s', { metaKey: true }), true)).toBe('save');
    expect(commandForKey(key('s', { ctrlKey: true }), true)).toBeNull();
    expect(commandForKey(key('z', { metaKey: true, shiftKey: true }), true)).toBe('redo');
  });

  it('ignores plain typing and Alt combinations', () => {
    expect(commandForKey(key('s'), false)).toBeNull();
    expect(commandForKey(key('Backspace'), false)).toBeNull();
    expect(commandForKey(key('Delete'), false)).toBeNull(); // the canvas handles it, as in Electron
    expect(commandForKey(key('Backspace'), true)).toBeNull();
    expect(commandForKey(key('s', { ctrlKey: true, altKey: true }), false)).toBeNull();
  });
});
