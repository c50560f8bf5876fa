#!/usr/bin/env node
// `npm run web`: builds the renderer if dist/ is missing or older than its sources, then serves
// it on 127.0.0.1 with the app's security headers (CSP, COOP/COEP for cross-origin isolation)
// and correct MIME types (.wasm = application/wasm).
//   node scripts/web.mjs [--port 5173] [--no-build] [--root dist]   (PORT in the environment also works)
import http from 'node:http';
import { open, stat, readdir } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let distDir = path.join(root, 'dist');
// One source of truth for headers and MIME types, shared with the Electron app:// protocol.
const { SECURITY_HEADERS } = await tsImport('../electron/csp.ts', import.meta.url);
const { MIME_TYPES } = await tsImport('../electron/app-protocol.ts', import.meta.url);

const SOURCES = ['index.html', 'vite.config.ts', 'package.json', 'renderer', 'core'];

function parseArgs(argv) {
  const args = { port: undefined, build: true, root: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') args.build = false;
    else if (arg === '--port') args.port = argv[++i];
    else if (arg.startsWith('--port=')) args.port = arg.slice('--port='.length);
    else if (arg === '--root') args.root = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'Usage: npm run web -- [--port <n>] [--no-build] [--root <dir>]\n' +
          'Serves the built app on http://127.0.0.1:<port> (default 5173, or PORT).\n' +
          '--root serves another folder than dist/ (implies --no-build).',
      );
      process.exit(0);
    } else {
      console.error(`web: unknown argument "${arg}" (try --help)`);
      process.exit(2);
    }
  }
  const raw = args.port ?? process.env.PORT ?? '5173';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`web: invalid port "${raw}"`);
    process.exit(2);
  }
  if (args.root !== undefined && !args.root) {
    console.error('web: --root needs a folder');
    process.exit(2);
  }
  return { port, build: args.build && args.root === undefined, root: args.root };
}

async function newestMtime(p) {
  let info;
  try {
    info = await stat(p);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of await readdir(p)) newest = Math.max(newest, await newestMtime(path.join(p, entry)));
  return newest;
}

export async function buildIfNeeded() {
  const builtAt = await newestMtime(path.join(distDir, 'index.html'));
  let sourcesAt = 0;
  for (const s of SOURCES) sourcesAt = Math.max(sourcesAt, await newestMtime(path.join(root, s)));
  if (builtAt > 0 && builtAt >= sourcesAt) return false;
  console.log(builtAt ? 'Sources changed since the last build: rebuilding…' : 'No build yet: building the app…');
  const { build } = await import('vite');
  await build({ root, configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

/** Maps a URL path to a file inside dist/, or null if it would escape it. */
function resolveRequest(urlPath) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(urlPath, 'http://localhost').pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const relative = pathname.endsWith('/') ? `${pathname}index.html` : pathname;
  const file = path.resolve(distDir, `.${relative}`);
  return file.startsWith(distDir + path.sep) ? file : null;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * True when the Host header names this server by a loopback name (and, if it has a port, this
 * server's port). A DNS-rebinding page reaches 127.0.0.1 under its own domain name, which the
 * browser sends as Host: refusing other names keeps such pages from reading the app.
 */
export function isAllowedHost(host, port) {
  if (typeof host !== 'string') return false;
  const match = /^(\[[^\]]*\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match || !LOOPBACK_NAMES.has(match[1])) return false;
  return match[2] === undefined || port === undefined || Number(match[2]) === port;
}

/**
 * Answers one request. Every failure ends in one answer or one destroyed response, never two:
 * the file is opened before the headers are written, so an error after that point (a client
 * that went away, a read error) can only end the response, not write headers again.
 */
async function serve(server, req, res) {
  const send = (status, body, headers = {}) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { ...SECURITY_HEADERS, ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const notFound = () => send(404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : undefined;
  if (!isAllowedHost(req.headers.host, port)) {
    return send(421, `Misdirected request: this server answers only to 127.0.0.1 or localhost${port ? `:${port}` : ''}`, {
      'Content-Type': 'text/plain; charset=utf-8',
    });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method not allowed', { Allow: 'GET, HEAD' });
  const file = resolveRequest(req.url ?? '/');
  if (!file) return notFound();
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return notFound();
  }
  let streaming = false;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return notFound(); // a folder opens on Linux, but is not a file
    if (res.destroyed) return; // the client went away while the file was opening
    const type = MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Hashed assets never change; index.html must always be revalidated.
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': info.size, 'Cache-Control': cache });
    if (req.method === 'HEAD') return res.end();
    // Streamed, not read whole: the wasm binaries and data files are megabytes each. The stream
    // owns the handle from here on and closes it when it ends or fails.
    streaming = true;
    await pipeline(handle.createReadStream({ start: 0, end: Math.max(0, info.size - 1) }), res);
  } finally {
    if (!streaming) await handle.close().catch(() => undefined);
  }
}

export function createServer() {
  const server = http.createServer((req, res) => {
    serve(server, req, res).catch(() => {
      // A read error or a client that went away mid-stream: the headers may be out already, so
      // the only honest end is to cut the response (the client sees a short body, not a 200).
      if (!res.headersSent) res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('Internal error');
      else res.destroy();
    });
  });
  return server;
}

async function main() {
  const { port, build, root: servedRoot } = parseArgs(process.argv.slice(2));
  if (servedRoot) distDir = path.resolve(servedRoot);
  if (build) await buildIfNeeded();
  try {
    await stat(path.join(distDir, 'index.html'));
  } catch {
    console.error(`web: ${path.join(distDir, 'index.html')} is missing; run without --no-build (or \`npm run build:web\`).`);
    process.exit(1);
  }
  const server = createServer();
  server.on('error', (err) => {
    console.error(err.code === 'EADDRINUSE' ? `web: port ${port} is in use; try --port <n>` : `web: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    console.log(`Netwright (web) is running at http://127.0.0.1:${actualPort}/  (Ctrl+C to stop)`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  await main();
}
