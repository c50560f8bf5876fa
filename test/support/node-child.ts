/**
 * Child processes for the kill tests, started fast: the child's TypeScript entry is bundled once
 * (esbuild, everything it imports included) into one ES module that plain `node` runs. Started
 * through tsx instead, each process spends most of its ~1.7 s of CPU in tsx's loader; the kill
 * tests start about twenty children each. The code run is the same: esbuild is also what tsx uses
 * to strip the types.
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface BundledChild {
  /** The bundled script: `spawn(process.execPath, [script, ...args])`. */
  script: string;
  dispose(): void;
}

export async function bundleChild(entry: string): Promise<BundledChild> {
  const dir = mkdtempSync(join(tmpdir(), 'netwright-child-'));
  const script = join(dir, `${basename(entry).replace(/\.ts$/, '')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // CommonJS dependencies (tfjs) require Node's built-ins: give the module a require.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return { script, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
