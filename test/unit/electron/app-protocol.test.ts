import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { createAppProtocolHandler, isAppUrl, resolveAppAsset } from '../../../electron/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../../electron/csp';

const root = path.resolve('/srv/netwright/dist');

describe('app:// protocol', () => {
  it('recognises only the app origin', () => {
    expect(isAppUrl('app://netwright/index.html')).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///srv/netwright/dist/index.html')).toBe(false);
    expect(isAppUrl('https://netwright/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });

  it('maps URLs into the renderer folder and nowhere else', () => {
    expect(resolveAppAsset(root, 'app://netwright/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://netwright/assets/a.js?x=1')).toBe(path.join(root, 'assets/a.js'));
    expect(resolveAppAsset(root, 'app://netwright/../package.json')).toBe(path.join(root, 'package.json'));
    // The URL parser folds dot segments (even encoded ones) into the root...
    expect(resolveAppAsset(root, 'app://netwright/%2e%2e/package.json')).toBe(path.join(root, 'package.json'));
    // ...and encoded slashes that decode into an escape are refused.
    expect(resolveAppAsset(root, 'app://netwright/assets/%2e%2e%2f%2e%2e%2fsecret')).toBeNull();
    expect(resolveAppAsset(root, 'app://netwright/a%00b')).toBeNull();
    expect(resolveAppAsset(root, 'app://other/index.html')).toBeNull();
  });

  it('serves files with MIME types and security headers, 404 otherwise', async () => {
    const files = new Map([[path.join(root, 'assets/tfjs-backend-wasm.wasm'), new Uint8Array([0, 97, 115, 109])]]);
    const handle = createAppProtocolHandler({
      root,
      readFile: async (file) => {
        const data = files.get(file);
        if (!data) throw new Error('ENOENT');
        return data;
      },
    });
    const ok = await handle(new Request('app://netwright/assets/tfjs-backend-wasm.wasm'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/wasm');
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
    expect((await handle(new Request('app://netwright/missing.js'))).status).toBe(404);
    expect((await handle(new Request('app://netwright/%2e%2e/secret'))).status).toBe(404);
  });
});
