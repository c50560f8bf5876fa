/**
 * Builds the renderer (index.html -> dist/). Relative base so the same build runs from the
 * Electron app:// protocol and from scripts/web.mjs.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8')) as { version: string };
const WASM_DIR = path.join(here, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * Copies tfjs' .wasm binaries into dist/assets/, beside the engine worker bundle that loads them
 * (the worker points setWasmPaths at its own folder). In dev they are served from node_modules.
 */
function tfjsWasm(): Plugin {
  return {
    name: 'netwright-tfjs-wasm',
    apply: 'build',
    generateBundle() {
      for (const file of WASM_FILES) {
        this.emitFile({ type: 'asset', fileName: `assets/${file}`, source: readFileSync(path.join(WASM_DIR, file)) });
      }
    },
  };
}

/**
 * Netwright's wasm SIMD kernels (core/engine/simd/kernels.c): compiled by scripts/build-simd.mjs
 * (clang + lld; a no-op when up to date) before every build and dev server start. The engine worker
 * loads them with `new URL(..., import.meta.url)`, which Vite turns into hashed assets.
 */
function simdKernels(): Plugin {
  return {
    name: 'netwright-simd-kernels',
    buildStart() {
      execFileSync(process.execPath, [path.join(here, 'scripts/build-simd.mjs')], { stdio: 'inherit' });
    },
  };
}

const DATA_DIR = path.join(here, 'data/build');

/**
 * The bundled datasets (data/build, made by `npm run data`): copied to dist/data/ at build time
 * and served at /data/ by the dev server; the engine worker fetches them from there.
 */
function bundledData(): Plugin {
  const files = () => (existsSync(DATA_DIR) ? readdirSync(DATA_DIR).filter((f) => /\.(nwds|json)$/.test(f)) : []);
  return {
    name: 'netwright-data',
    configureServer(server) {
      server.middlewares.use('/data', (req, res, next) => {
        const name = decodeURIComponent((req.url ?? '').replace(/^\//, '').split('?')[0] ?? '');
        if (!files().includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(readFileSync(path.join(DATA_DIR, name)));
      });
    },
    generateBundle() {
      for (const file of files()) this.emitFile({ type: 'asset', fileName: `data/${file}`, source: readFileSync(path.join(DATA_DIR, file)) });
    },
  };
}

const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [react(), simdKernels(), tfjsWasm(), bundledData()],
  define: {
    'import.meta.env.PACKAGE_VERSION': JSON.stringify(pkg.version),
  },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Not minified: tfjs' threaded wasm backend starts its pthread workers from the source text
    // of its factory function (Function.prototype.toString), which identifier minification
    // breaks ("e is not defined"). The e2e test fails on any such worker error.
    minify: false,
    sourcemap: true,
    // tfjs is large by nature; the engine lives in its own worker chunk.
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1', headers: crossOriginIsolation },
  preview: { host: '127.0.0.1', headers: crossOriginIsolation },
});
