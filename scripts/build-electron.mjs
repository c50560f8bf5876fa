#!/usr/bin/env node
// Bundles the Electron main process and preload (TypeScript in electron/) to dist-electron/*.cjs.
// 'electron' stays external: it is provided by the runtime.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildElectron({ dev = false } = {}) {
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'electron/main.ts', preload: 'electron/preload.ts' },
    outdir: 'dist-electron',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    sourcemap: dev ? 'inline' : true,
    minify: !dev,
    logLevel: 'warning',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildElectron({ dev: process.argv.includes('--dev') });
  console.log('Built dist-electron/main.cjs and dist-electron/preload.cjs');
}
