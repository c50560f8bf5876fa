import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { denyAllPermissions, hardenWebContents, mainWindowOptions, type HardenableContents } from '../../../electron/window';
import { isAppUrl } from '../../../electron/app-protocol';

describe('main window options', () => {
  it('are secure by default', () => {
    const prefs = mainWindowOptions('/app/dist-electron/preload.cjs').webPreferences;
    expect(prefs).toMatchObject({
      preload: '/app/dist-electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('allow DevTools only when asked for (the main process asks only when unpackaged)', () => {
    expect(mainWindowOptions('/p.cjs').webPreferences?.devTools).toBe(false);
    expect(mainWindowOptions('/p.cjs', { devTools: false }).webPreferences?.devTools).toBe(false);
    expect(mainWindowOptions('/p.cjs', { devTools: true }).webPreferences?.devTools).toBe(true);
  });

  it('main.ts ties DevTools to app.isPackaged alone (no environment switch)', () => {
    const main = readFileSync('electron/main.ts', 'utf8');
    expect(main).toMatch(/const isDev = !app\.isPackaged;/);
    expect(main).toContain('{ devTools: isDev }');
    expect(main).not.toMatch(/NETWRIGHT_DEV/);
  });
});

type Listener = (event: { preventDefault(): void }, url?: string) => void;

function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((details: { url: string }) => { action: string }) | null = null;
  const contents: HardenableContents = {
    on: ((event: string, listener: Listener) => {
      listeners.set(event, listener);
      return contents;
    }) as HardenableContents['on'],
    setWindowOpenHandler: (handler) => {
      openHandler = handler;
    },
  };
  /** Fires an event; returns whether the handler prevented it. */
  const fire = (event: string, url?: string): boolean => {
    let prevented = false;
    const listener = listeners.get(event);
    if (!listener) throw new Error(`no listener for ${event}`);
    listener({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler?.({ url }) };
}

describe('hardenWebContents', () => {
  it('blocks navigation and redirects away from the app, allows the app itself', () => {
    const { contents, fire } = fakeContents();
    hardenWebContents(contents, isAppUrl);
    expect(fire('will-navigate', 'https://example.com/')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-navigate', 'app://evil/index.html')).toBe(true);
    expect(fire('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(fire('will-navigate', 'app://netwright/index.html')).toBe(false);
  });

  it('denies every window.open and <webview>', () => {
    const { contents, fire, open } = fakeContents();
    hardenWebContents(contents, isAppUrl);
    expect(open('https://example.com/')).toEqual({ action: 'deny' });
    expect(open('app://netwright/index.html')).toEqual({ action: 'deny' });
    expect(fire('will-attach-webview')).toBe(true);
  });
});

describe('denyAllPermissions', () => {
  it('refuses requests and checks', () => {
    let request: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null;
    let check: ((c: unknown, p: string) => boolean) | null = null;
    denyAllPermissions({
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
    });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'fileSystem']) {
      const answers: boolean[] = [];
      request!(null, permission, (granted) => answers.push(granted));
      expect(answers).toEqual([false]);
      expect(check!(null, permission)).toBe(false);
    }
  });
});
