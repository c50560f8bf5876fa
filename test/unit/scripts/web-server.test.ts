/** scripts/web.mjs, run as a real process on a temporary folder (the tests run before any build). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../../electron/csp';

let dir: string;
let server: ChildProcess;
let base: string;
let serverStderr = '';
let serverExit: number | null | undefined;
// Larger than a stream's chunks, with a pattern that shows any reordering or truncation.
const bigFile = Uint8Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31 + (i >> 10)) % 251);

/** A GET with a chosen Host header (fetch may not set Host). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Host: host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'netwright-web-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(path.join(dir, 'assets', 'engine.wasm'), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  await writeFile(path.join(dir, 'assets', 'app.js'), 'export {};');
  await writeFile(path.join(dir, 'assets', 'big.bin'), bigFile);
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
    server.stderr?.on('data', (chunk: Buffer) => (serverStderr += chunk.toString()));
    server.on('exit', (code) => {
      serverExit = code;
      reject(new Error(`web.mjs exited with ${code}: ${out}`));
    });
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

  it('survives clients that go away before or while a file is sent (no second answer, no crash)', async () => {
    // Each request is cut right after it is sent: before the server has opened the file, or
    // while it streams. The server used to write its headers when the file opened, after it had
    // already answered the aborted request: ERR_HTTP_HEADERS_SENT, and the process died.
    const { port } = new URL(base);
    const outcomes = await Promise.all(
      Array.from(
        { length: 120 },
        (_, i) =>
          new Promise<string>((resolve) => {
            const req = http.get({ host: '127.0.0.1', port, path: '/assets/big.bin' }, (res) => {
              res.destroy();
              resolve('cut while streaming');
            });
            req.on('error', () => resolve('cut before the answer'));
            req.on('socket', (socket) =>
              socket.on('connect', () => (i % 2 ? setImmediate(() => req.destroy()) : setTimeout(() => req.destroy(), 2))),
            );
          }),
      ),
    );
    expect(outcomes.length).toBe(120);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(serverExit).toBeUndefined();
    expect(serverStderr).toBe('');
    const res = await fetch(`${base}assets/big.bin`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(bigFile.length);
  });

  it('refuses requests whose Host is not a loopback name of this server (DNS rebinding)', async () => {
    const port = new URL(base).port;
    const refused = await getWithHost(base, `evil.example:${port}`);
    expect(refused.status).toBe(421);
    expect(refused.body).toContain('only to 127.0.0.1 or localhost');
    expect((await getWithHost(base, 'evil.example')).status).toBe(421);
    expect((await getWithHost(base, `127.0.0.1.evil.example:${port}`)).status).toBe(421);
    expect((await getWithHost(base, '127.0.0.1:1')).status).toBe(421);
    expect((await getWithHost(base, `localhost:${port}`)).status).toBe(200);
    expect((await getWithHost(base, `127.0.0.1:${port}`)).status).toBe(200);
  });

  it('streams a file of several megabytes whole, with its length', async () => {
    const res = await fetch(`${base}assets/big.bin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bigFile.length));
    // Compared as one buffer: an element-wise deep equal of megabytes takes vitest many seconds.
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(bigFile))).toBe(0);
    const head = await fetch(`${base}assets/big.bin`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(bigFile.length));
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}assets`)).status).toBe(404); // a folder is not a file
  });
});
