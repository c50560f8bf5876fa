import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../../electron/api';
import { createIpcRouter, IpcRejectedError, registerIpc, type ApiHandlers, type InvokeEvent } from '../../../electron/ipc';
import { isAppUrl } from '../../../electron/app-protocol';

const MAIN_ID = 7;
const fromMain: InvokeEvent = { sender: { id: MAIN_ID }, senderFrame: { url: 'app://netwright/index.html' } };

function setup() {
  const handlers: ApiHandlers = {
    openGraph: vi.fn(async () => null),
    openModelFolder: vi.fn(async () => null),
    saveGraph: vi.fn(async (p) => ({ path: p.path, name: 'g.json', contents: p.contents })),
    saveGraphAs: vi.fn(async () => null),
    exportFile: vi.fn(async () => null),
    recentFiles: vi.fn(async () => []),
    appVersion: vi.fn(async () => '0.1.0'),
    autosaveRead: vi.fn(async () => null),
    autosaveWrite: vi.fn(async () => undefined),
    autosaveClear: vi.fn(async () => undefined),
    setDocumentState: vi.fn(async () => undefined),
    closeWindow: vi.fn(async () => undefined),
  };
  const route = createIpcRouter({ mainContentsId: () => MAIN_ID, isAppUrl, handlers });
  return { handlers, route };
}

describe('IPC router', () => {
  it('passes valid calls from the main window to their handler', async () => {
    const { handlers, route } = setup();
    await expect(route(CHANNELS.appVersion, fromMain, undefined)).resolves.toBe('0.1.0');
    await expect(route(CHANNELS.saveGraph, fromMain, { path: '/home/u/g.json', contents: '{}' })).resolves.toEqual({
      path: '/home/u/g.json',
      name: 'g.json',
      contents: '{}',
    });
    expect(handlers.saveGraph).toHaveBeenCalledWith({ path: '/home/u/g.json', contents: '{}' });
    await route(CHANNELS.exportFile, fromMain, { suggestedName: 'w.bin', data: new Uint8Array([1, 2]) });
    await route(CHANNELS.openGraph, fromMain, undefined);
    await route(CHANNELS.openGraph, fromMain, { path: '/home/u/g.json' });
    await route(CHANNELS.autosaveWrite, fromMain, { slot: 'working', text: '{}' });
    expect(handlers.autosaveWrite).toHaveBeenCalledWith({ slot: 'working', text: '{}' });
    await route(CHANNELS.setDocumentState, fromMain, { dirty: true });
    expect(handlers.setDocumentState).toHaveBeenCalledWith({ dirty: true });
    await route(CHANNELS.closeWindow, fromMain, undefined);
  });

  it('rejects unknown channels', async () => {
    const { route } = setup();
    await expect(route('netwright:delete-everything', fromMain, undefined)).rejects.toThrow(
      'IPC rejected: unknown channel "netwright:delete-everything"',
    );
    await expect(route('openGraph', fromMain, undefined)).rejects.toBeInstanceOf(IpcRejectedError);
  });

  it('rejects other senders and foreign frames', async () => {
    const { handlers, route } = setup();
    await expect(
      route(CHANNELS.appVersion, { sender: { id: 99 }, senderFrame: { url: 'app://netwright/index.html' } }, undefined),
    ).rejects.toThrow('was not sent by the main window');
    await expect(
      route(CHANNELS.appVersion, { sender: { id: MAIN_ID }, senderFrame: { url: 'https://evil.example/' } }, undefined),
    ).rejects.toThrow('came from a foreign page (https://evil.example/)');
    await expect(route(CHANNELS.appVersion, { sender: { id: MAIN_ID }, senderFrame: null }, undefined)).rejects.toThrow(
      'came from a foreign page (no frame)',
    );
    expect(handlers.appVersion).not.toHaveBeenCalled();
  });

  it('rejects calls while there is no main window', async () => {
    const route = createIpcRouter({ mainContentsId: () => null, isAppUrl, handlers: setup().handlers });
    await expect(route(CHANNELS.appVersion, fromMain, undefined)).rejects.toThrow('not sent by the main window');
  });

  it.each([
    ['saveGraph without contents', CHANNELS.saveGraph, { path: '/a.json' }],
    ['saveGraph with a number path', CHANNELS.saveGraph, { path: 42, contents: '{}' }],
    ['saveGraph with an extra key', CHANNELS.saveGraph, { path: '/a.json', contents: '{}', mode: 0o777 }],
    ['saveGraph with a NUL in the path', CHANNELS.saveGraph, { path: '/a\0.json', contents: '{}' }],
    ['saveGraphAs with a folder in the name', CHANNELS.saveGraphAs, { contents: '{}', suggestedName: '../x.json' }],
    ['exportFile with an object as data', CHANNELS.exportFile, { suggestedName: 'x.bin', data: { length: 3 } }],
    ['exportFile with a bad extension filter', CHANNELS.exportFile, { suggestedName: 'x', data: '', filters: [{ name: 'x', extensions: ['*.*'] }] }],
    ['openGraph with a string', CHANNELS.openGraph, '/etc/passwd'],
    ['appVersion with a payload', CHANNELS.appVersion, { please: true }],
    ['recentFiles with a payload', CHANNELS.recentFiles, []],
    ['autosaveWrite to a slot that is not one', CHANNELS.autosaveWrite, { slot: '../../.bashrc', text: '{}' }],
    ['autosaveWrite without text', CHANNELS.autosaveWrite, { slot: 'working' }],
    ['autosaveRead with an extra key', CHANNELS.autosaveRead, { slot: 'working', path: '/etc/passwd' }],
    ['autosaveClear without a slot', CHANNELS.autosaveClear, {}],
    ['setDocumentState with a string', CHANNELS.setDocumentState, { dirty: 'yes' }],
    ['closeWindow with a payload', CHANNELS.closeWindow, { force: true }],
  ])('rejects a malformed payload: %s', async (_label, channel, payload) => {
    const { handlers, route } = setup();
    await expect(route(channel, fromMain, payload)).rejects.toThrow(`IPC rejected: invalid payload for "${channel}"`);
    for (const handler of Object.values(handlers)) expect(handler).not.toHaveBeenCalled();
  });

  it('registers exactly the known channels', () => {
    const registered: string[] = [];
    registerIpc({ handle: (channel) => registered.push(channel) }, setup().route);
    expect(registered.sort()).toEqual(Object.values(CHANNELS).sort());
  });
});
