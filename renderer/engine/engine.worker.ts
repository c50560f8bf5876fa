/**
 * The engine worker: all tfjs work happens here, off the UI thread. For now it selects the
 * backend; training and inspection will be added behind the same comlink API.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_BACKEND_PREFERENCE, chooseBackend } from '../../core/engine/backends';
import type { BackendReport, BackendRequest, EngineApi } from './engine-api';

// The .wasm files: served from node_modules by the dev server, copied beside this worker's
// bundle at build time (see the tfjs-wasm plugin in vite.config.ts).
setWasmPaths(
  import.meta.env.DEV
    ? '/node_modules/@tensorflow/tfjs-backend-wasm/dist/'
    : new URL(/* @vite-ignore */ './', import.meta.url).href,
);

// Software renderers emulate the GPU on the CPU: there the wasm backend is several times faster.
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

interface GpuLike {
  requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean } } | null>;
}

function webglRenderer(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return null;
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}

async function precheck(name: string): Promise<string | null> {
  if (name === 'webgpu') {
    const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
    if (!gpu) return 'WebGPU is not available in this browser';
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter (no GPU, or WebGPU disabled)';
    if (adapter.info?.isFallbackAdapter) return 'only a software WebGPU adapter: slower than wasm';
  }
  if (name === 'webgl') {
    const renderer = webglRenderer();
    if (renderer === null) return 'no WebGL2 context';
    if (SOFTWARE_RENDERER.test(renderer)) return `software WebGL renderer (${renderer}): slower than wasm`;
  }
  return null;
}

const api: EngineApi = {
  async selectBackend(request: BackendRequest): Promise<BackendReport> {
    const choice = await chooseBackend(tf, {
      preference: DEFAULT_BACKEND_PREFERENCE,
      override: request.override,
      // A backend the user asked for by name is tried even if it is slow.
      precheck: (name) => (name === request.override ? null : precheck(name)),
    });
    return {
      ...choice,
      tfjsVersion: tf.version_core,
      crossOriginIsolated: self.crossOriginIsolated,
    };
  },
};

Comlink.expose(api);
