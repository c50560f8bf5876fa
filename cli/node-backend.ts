/** tfjs in Node for the commands: wasm by default (much faster than the pure-JS cpu backend here). */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers tfjs-core's gradient functions as a side effect (as the umbrella package does).
import '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseBackend, type BackendChoice } from '../core/engine/backends';
import { registerCpuKernelFixes, registerWasmKernelGaps } from '../core/engine/kernels';
import { compileSimdKernels } from '../core/engine/simd';

export const NODE_BACKENDS = ['wasm', 'cpu'] as const;

let configured = false;

function configureWasm(): void {
  if (configured) return;
  configured = true;
  const require = createRequire(import.meta.url);
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths(`${wasmDir}/`);
}

/**
 * Compiles Netwright's SIMD kernels from core/engine/simd/build (`npm run build:simd`). false when
 * they are not built: the ops then keep their previous paths (simdStatus() says why).
 */
export function loadNodeSimdKernels(): Promise<boolean> {
  return compileSimdKernels(async (url) => new Uint8Array(await readFile(fileURLToPath(url))));
}

export async function selectNodeBackend(override?: string): Promise<BackendChoice> {
  configureWasm();
  await loadNodeSimdKernels();
  // tfjs 4.22's wasm backend lacks some gradient kernels and both backends have wrong ones.
  registerWasmKernelGaps();
  registerCpuKernelFixes();
  return chooseBackend(tf, { preference: NODE_BACKENDS, ...(override ? { override } : {}) });
}
