/** tfjs in Node for the commands: wasm by default (much faster than the pure-JS cpu backend here). */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers tfjs-core's gradient functions as a side effect (as the umbrella package does).
import '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { chooseBackend, type BackendChoice } from '../core/engine/backends';
import { registerCpuKernelFixes, registerWasmKernelGaps } from '../core/engine/kernels';

export const NODE_BACKENDS = ['wasm', 'cpu'] as const;

let configured = false;

function configureWasm(): void {
  if (configured) return;
  configured = true;
  const require = createRequire(import.meta.url);
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  setWasmPaths(`${wasmDir}/`);
}

export async function selectNodeBackend(override?: string): Promise<BackendChoice> {
  configureWasm();
  // tfjs 4.22's wasm backend lacks some gradient kernels and both backends have wrong ones.
  registerWasmKernelGaps();
  registerCpuKernelFixes();
  return chooseBackend(tf, { preference: NODE_BACKENDS, ...(override ? { override } : {}) });
}
