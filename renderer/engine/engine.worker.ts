/**
 * The engine worker: all tfjs work happens here, off the UI thread. It selects the backend, and
 * trains and inspects models (training-session.ts) behind one comlink API.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { compareBackends } from '../../core/engine/backend-check';
import { DEFAULT_BACKEND_PREFERENCE, chooseBackend } from '../../core/engine/backends';
import { registerCpuKernelFixes, registerWasmKernelGaps, registerWebGpuKernelFixes } from '../../core/engine/kernels';
import { compileSimdKernels, simdStatus } from '../../core/engine/simd';
import type { BackendReport, BackendRequest, EngineApi, ImportModelRequest, ImportModelResult, InspectRequest, PytorchExportRequest, TrainRequest, TrainingListener } from './engine-api';
import { serializeGraph } from '../../core/graph/serialize';
import { ImportError } from '../../core/import/errors';
import { importModelFiles } from '../../core/import/model-files';
import { exportModel, exportOnnxModel, exportPytorch, inspect, openRun, pauseRun, previewDataset, release, resumeRunNow, setInteractive, stopRun, train, trainedWeights, transferables } from './training-session';
import { previewTransferables } from '../../core/inspect/dataset-preview';
import type { DatasetPreviewRequest } from '../../core/inspect/dataset-preview-types';

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

// Kernels tfjs lacks (or gets wrong) on wasm and cpu; registering is idempotent and cheap.
registerWasmKernelGaps();
registerCpuKernelFixes();
registerWebGpuKernelFixes();
// Netwright's wasm SIMD kernels (core/engine/simd): fetched and compiled once; the ops use them on
// wasm from then on (both builds are fetched: tfjs picks its threaded module when isolated).
const simdCompiled = compileSimdKernels(async (url) => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response.arrayBuffer();
});

/** The browser's logical cores, before allowWasmThreads changes what the wasm module sees. */
const LOGICAL_CORES = navigator.hardwareConcurrency;

/**
 * Asks tfjs for `threads` pool threads. tfjs 4.22's module caps the pool at
 * navigator.hardwareConcurrency / 2 (it assumes two hardware threads per core, so 1 on a 2-core
 * machine) whatever setThreadsCount says; it reads the value when its module starts, in this
 * worker. So the module is shown at least 2 x threads here (this worker's navigator only).
 */
function allowWasmThreads(threads: number): void {
  setThreadsCount(threads);
  if (threads * 2 > LOGICAL_CORES) Object.defineProperty(navigator, 'hardwareConcurrency', { value: threads * 2, configurable: true });
}

/** The wasm backend's pool size as tfjs reports it, or null when the wasm backend has not started. */
function wasmThreads(): number | null {
  try {
    return getThreadsCount();
  } catch {
    return null; // tfjs throws until its wasm backend has initialised
  }
}

let lastReport: BackendReport | null = null;
/** Cancels the PyTorch export in progress (cancelExport). */
let exportCancel: AbortController | null = null;

/** Why the run uses this backend, in words for the training panel. */
function backendReason(backend: string): string {
  if (!lastReport) return 'set for this run';
  if (backend !== lastReport.backend) return `chosen by you (auto-selection picked ${lastReport.backend})`;
  const skipped = lastReport.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  return skipped ? `auto: ${skipped}` : 'auto: first choice';
}

const api: EngineApi = {
  async selectBackend(request: BackendRequest): Promise<BackendReport> {
    await simdCompiled;
    // Read once, when the wasm backend starts (tfjs creates its XNNPACK pool then).
    if (request.wasmThreads !== undefined) allowWasmThreads(request.wasmThreads);
    const choice = await chooseBackend(tf, {
      preference: DEFAULT_BACKEND_PREFERENCE,
      override: request.override,
      // A backend the user asked for by name is tried even if it is slow.
      precheck: (name) => (name === request.override ? null : precheck(name)),
    });
    lastReport = {
      ...choice,
      tfjsVersion: tf.version_core,
      crossOriginIsolated: self.crossOriginIsolated,
      simdKernels: simdStatus(choice.backend === 'wasm' ? tf.backend() : undefined),
      wasmThreads: wasmThreads(),
      wasmThreadsRequested: request.wasmThreads ?? null,
      hardwareConcurrency: LOGICAL_CORES,
    };
    return lastReport;
  },
  train(request: TrainRequest, listener: TrainingListener) {
    // 'auto' is the probed backend (also after a run on a backend the user chose).
    const backend = request.backend === 'auto' ? (lastReport?.backend ?? 'auto') : request.backend;
    return train({ ...request, backend }, backendReason, (event) => {
      // Step batches carry typed arrays: transfer them.
      void listener(event.kind === 'steps' ? Comlink.transfer(event, [event.steps.buffer, event.losses.buffer]) : event);
    });
  },
  pause: () => pauseRun(),
  resume: () => resumeRunNow(),
  stop: () => stopRun(),
  async inspect(request: InspectRequest) {
    const result = inspect(request);
    return Comlink.transfer(result, transferables(result));
  },
  async setInteractive(on: boolean) {
    setInteractive(on);
  },
  async trainedWeights() {
    return trainedWeights();
  },
  openRun: (request) => openRun(request),
  async exportModel() {
    const exported = await exportModel();
    return Comlink.transfer(exported, [exported.weights.buffer]);
  },
  async exportPytorch(request: PytorchExportRequest, onProgress: (fraction: number, stage: string) => void) {
    // Reported at most every percent: each report is a message to the page.
    let reported = -1;
    const cancel = new AbortController();
    exportCancel?.abort();
    exportCancel = cancel;
    try {
      const exported = await exportPytorch(
        request,
        (fraction, stage) => {
          const percent = Math.floor(fraction * 100);
          if (percent === reported) return;
          reported = percent;
          void onProgress(fraction, stage);
        },
        cancel.signal,
      );
      return Comlink.transfer(exported, [exported.bytes.buffer]);
    } finally {
      if (exportCancel === cancel) exportCancel = null;
    }
  },
  async cancelExport() {
    exportCancel?.abort();
  },
  async exportOnnx(submodel?: string) {
    const exported = exportOnnxModel(submodel);
    return Comlink.transfer(exported, [exported.bytes.buffer]);
  },
  async importModel(request: ImportModelRequest, onProgress: (fraction: number, stage: string) => void): Promise<ImportModelResult> {
    try {
      const imported = await importModelFiles(request.files, {
        name: request.name,
        backend: tf.getBackend(),
        onProgress: (fraction, stage) => void onProgress(fraction, stage),
      });
      return { ok: true, documentJson: serializeGraph(imported.graph), layers: imported.layers, parameters: imported.parameters, source: imported.source, notes: imported.notes };
    } catch (err) {
      if (err instanceof ImportError) return { ok: false, message: err.message };
      throw err;
    }
  },
  async memory() {
    const { numTensors, numBytes } = tf.memory();
    return { numTensors, numBytes };
  },
  async release() {
    return release();
  },
  async previewDataset(request: DatasetPreviewRequest) {
    // Only the numeric generator options the registry knows.
    const { seed, size, noise, classes } = request.options ?? {};
    const options = { ...(seed === undefined ? {} : { seed }), ...(size === undefined ? {} : { size }), ...(noise === undefined ? {} : { noise }), ...(classes === undefined ? {} : { classes }) };
    const preview = await previewDataset(request.id, options, request.samples);
    return Comlink.transfer(preview, previewTransferables(preview) as Transferable[]);
  },
  async checkBackendGradients(candidate: string) {
    const previous = tf.getBackend();
    try {
      return await compareBackends('cpu', candidate);
    } finally {
      await tf.setBackend(previous);
    }
  },
};

Comlink.expose(api);
