/**
 * WebGPU in Node for the tests: Dawn's Node bindings (the `webgpu` package) provide
 * `navigator.gpu`, on whatever Vulkan driver the machine has. A machine without a GPU needs a
 * software Vulkan driver: Mesa's lavapipe from Mesa 23 on (Debian 12's Mesa 22.3 lavapipe lacks
 * features Dawn requires, and Dawn skips it), or SwiftShader, the Vulkan driver Chromium ships
 * (/usr/lib/chromium/vk_swiftshader_icd.json, installed with the chromium package the e2e tests
 * need; the Vulkan loader, libvulkan1, must be installed too). Both are conformant Vulkan
 * implementations running on the CPU.
 *
 * A machine that cannot provide an adapter says so with NETWRIGHT_NO_WEBGPU=1 (the tests that
 * need one are then skipped); otherwise no adapter is a failure, not a silent pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { registerCpuKernelFixes, registerWebGpuKernelFixes } from '../../../core/engine/kernels';
import { create, globals } from 'webgpu';

export const NO_WEBGPU = process.env['NETWRIGHT_NO_WEBGPU'] === '1';

/** Chromium's SwiftShader Vulkan driver manifest, where Debian and Ubuntu packages put it. */
const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];

export interface NodeWebGpu {
  /** vendor / architecture / description of the adapter, for the test log. */
  adapter: string;
  isFallbackAdapter: boolean;
  /** The Vulkan driver manifest chosen here, or null when the loader's default found an adapter. */
  icd: string | null;
}

function describeAdapter(adapter: GPUAdapter): string {
  const { vendor, architecture, device, description } = adapter.info;
  return [vendor, architecture, device, description].filter(Boolean).join(' / ');
}

/**
 * Installs Dawn's `navigator.gpu` (and the WebGPU constants tfjs uses, such as GPUBufferUsage) on
 * globalThis. Must run before '@tensorflow/tfjs-backend-webgpu' is imported: it registers the
 * backend only where `navigator.gpu` exists. Returns null when no adapter could be found.
 */
export async function installNodeWebGpu(): Promise<NodeWebGpu | null> {
  Object.assign(globalThis, globals);
  let gpu = create([]);
  let adapter = await gpu.requestAdapter();
  let icd: string | null = null;
  const driverChosen = process.env['VK_ICD_FILENAMES'] !== undefined || process.env['VK_DRIVER_FILES'] !== undefined;
  if (!adapter && !driverChosen) {
    // The Vulkan loader reads these variables at each instance creation, so a second try works.
    icd = SWIFTSHADER_ICDS.find((path) => existsSync(path)) ?? null;
    if (icd !== null) {
      process.env['VK_ICD_FILENAMES'] = icd;
      gpu = create([]);
      adapter = await gpu.requestAdapter();
    }
  }
  if (!adapter) return null;
  // Node 21+ defines a read-only navigator getter: redefine, don't assign.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return { adapter: describeAdapter(adapter), isFallbackAdapter: adapter.info.isFallbackAdapter ?? false, icd };
}

/**
 * Removes tfjs' webgpu backend and destroys its device, after the queue has finished: left to
 * process exit, Dawn's teardown with work or objects still alive sometimes crashes the process.
 */
export async function releaseNodeWebGpu(): Promise<void> {
  const registered = tf.engine().registry['webgpu'] as { device?: GPUDevice } | undefined;
  const device = registered?.device;
  if (device) await device.queue.onSubmittedWorkDone();
  if (tf.engine().registryFactory['webgpu']) tf.removeBackend('webgpu');
  device?.destroy();
}

/**
 * Sets up WebGPU for a test file: Dawn's navigator.gpu, tfjs' webgpu backend with the engine's
 * kernel fixes before the tests, all of it undone after them. Returns the adapter found (null:
 * none; the tests then fail unless NETWRIGHT_NO_WEBGPU=1 skips them).
 */
export function useNodeWebGpu(options: { activate?: boolean } = {}): () => NodeWebGpu | null {
  let gpu: NodeWebGpu | null = null;
  const realNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  beforeAll(async () => {
    if (NO_WEBGPU) return;
    gpu = await installNodeWebGpu();
    if (!gpu) return;
    await import('@tensorflow/tfjs-backend-webgpu');
    registerCpuKernelFixes();
    registerWebGpuKernelFixes();
    // Not the first choice on a software adapter (tfjs registers it with priority 3): ask for it.
    if (options.activate && !(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
    console.log(`WebGPU adapter: ${gpu.adapter}${gpu.isFallbackAdapter ? ' (fallback adapter)' : ''}${gpu.icd ? `, Vulkan driver ${gpu.icd}` : ''}`);
  }, 60_000);
  afterAll(async () => {
    if (tf.getBackend() === 'webgpu') await tf.setBackend('cpu');
    await releaseNodeWebGpu();
    if (realNavigator) Object.defineProperty(globalThis, 'navigator', realNavigator);
    else Reflect.deleteProperty(globalThis, 'navigator');
  });
  return () => gpu;
}
