/** scripts/web.mjs, run as a real process on a temporary folder (the tests run before any build). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../../electron/csp';

let dir: string;
let server: ChildProcess;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'netwright-web-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(path.join(dir, 'assets', 'engine.wasm'), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  await writeFile(path.join(dir, 'assets', 'app.js'), 'export {};');
  // PORT=0: the OS picks a free port; the server prints the URL it listens on.
  server = spawn(process.execPath, ['scripts/web.mjs', '--root', dir], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
      if (url) resolve(url);
    });
    server.on('exit', (code) => reject(new Error(`web.mjs exited with ${code}: ${out}`)));
  });
});

afterAll(async () => {
  server?.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

describe('scripts/web.mjs', () => {
  it('listens on 127.0.0.1 and serves index.html at / with isolation and CSP headers', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await res.text()).toContain('<title>t</title>');
  });

  it('serves .wasm as application/wasm and .js as JavaScript', async () => {
    const wasm = await fetch(`${base}assets/engine.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    expect((await fetch(`${base}assets/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for missing files and paths outside the folder, 405 for writes', async () => {
    expect((await fetch(`${base}missing.js`)).status).toBe(404);
    expect((await fetch(`${base}assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}index.html`, { method: 'POST', body: 'x' })).status).toBe(405);
  });
});
