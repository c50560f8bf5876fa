#!/usr/bin/env node
/**
 * `npm run build:simd`: compiles core/engine/simd/*.c (kernels.c, gemm.c, ...; shared helpers in simd.h) into the two wasm modules that
 * core/engine/simd/index.ts loads (core/engine/simd/build/, not committed):
 *   netwright-simd.wasm         memory imported from tfjs' single-threaded wasm module (Node)
 *   netwright-simd-shared.wasm  the same kernels on a shared memory (tfjs' threaded module: the
 *                               cross-origin-isolated browser worker)
 * Toolchain: clang and lld (wasm-ld) from Debian (`apt-get install clang lld`; .ci/run installs
 * them). Skips the work when both outputs are newer than the source, unless --force. Without the
 * toolchain it warns and builds nothing (the app and CLI then keep the slower paths), except where
 * CI or NETWRIGHT_REQUIRE_SIMD=1 is set: there it fails.
 *
 * The modules share tfjs' memory, so they must not own any of it: the script refuses a build
 * with a data segment or whose code reads or writes a global (the C stack pointer: a spill to the
 * stack would write into tfjs' heap).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'core/engine/simd');
// One module from every C file beside simd.h, so kernel families live in their own files.
const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.c')).sort().map((f) => join(sourceDir, f));
const inputs = [...sources, join(sourceDir, 'simd.h')];
const outDir = join(root, 'core/engine/simd/build');
const force = process.argv.includes('--force');

const common = ['--target=wasm32', '-O3', '-msimd128', '-fno-builtin', '-nostdlib', '-Wall', '-Werror', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all'];
const builds = [
  { file: 'netwright-simd.wasm', flags: [] },
  { file: 'netwright-simd-shared.wasm', flags: ['-matomics', '-mbulk-memory', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296'] },
];

function fail(message) {
  console.error(`build-simd: ${message}`);
  process.exit(1);
}

function hasCommand(cmd) {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Refuses a data section (static data would be copied into tfjs' memory at instantiation). */
function checkShareable(bytes, file) {
  let at = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
      if (!(byte & 0x80)) return result >>> 0;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 11 && size > 1) fail(`${file} has a data segment: it would write into tfjs' memory`);
    at = end;
  }
}

function disassemblyUsesGlobals(wasmFile) {
  // llvm-objdump ships with clang (Debian: llvm-NN, as llvm-objdump-NN).
  const version = execFileSync('clang', ['-dumpversion']).toString().trim().split('.')[0];
  const objdump = [`llvm-objdump-${version}`, 'llvm-objdump'].find(hasCommand);
  if (!objdump) fail('llvm-objdump not found (Debian: it comes with clang, as llvm-objdump-NN)');
  const text = execFileSync(objdump, ['-d', wasmFile], { maxBuffer: 64 << 20 }).toString();
  return /global\.(get|set)/.test(text);
}

if (!sources.includes(join(sourceDir, 'kernels.c'))) fail(`missing ${join(sourceDir, 'kernels.c')}`);
const newestInput = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
const fresh = builds.every(({ file }) => existsSync(join(outDir, file)) && statSync(join(outDir, file)).mtimeMs >= newestInput);
if (fresh && !force) {
  console.log('build-simd: up to date');
  process.exit(0);
}
if (!hasCommand('clang') || !hasCommand('wasm-ld')) {
  const missing = 'clang and wasm-ld are needed to build the SIMD kernels: `apt-get install clang lld llvm` (Debian)';
  // CI proves the kernels, so there a missing toolchain is an error. A user's machine without it
  // still builds and runs the app: the ops keep their slower paths (simdStatus() says why).
  if (process.env.CI || process.env.NETWRIGHT_REQUIRE_SIMD === '1') fail(missing);
  console.warn(`build-simd: skipped: ${missing}; training keeps the slower JavaScript paths`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
for (const { file, flags } of builds) {
  const out = join(outDir, file);
  execFileSync('clang', [...common, ...flags, '-o', out, ...sources], { stdio: 'inherit' });
  checkShareable(readFileSync(out), file);
  if (disassemblyUsesGlobals(out)) fail(`${file}: the code uses a global (the C stack?); it must not, since it runs on tfjs' memory`);
  console.log(`build-simd: ${file} (${statSync(out).size} bytes)`);
}
