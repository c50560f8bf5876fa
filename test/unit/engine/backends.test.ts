import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// Gradients are registered by this side-effect import (the full @tensorflow/tfjs bundle does it).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  DEFAULT_BACKEND_PREFERENCE,
  NoUsableBackendError,
  checkActiveBackend,
  chooseBackend,
  probeOrder,
} from '../../../core/engine/backends';

const require = createRequire(import.meta.url);
// In Node the wasm backend loads its .wasm from a folder path.
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

// A backend that initialises but multiplies wrongly: a cpu backend whose BatchMatMul adds 1.
tf.registerBackend('wrong-matmul', () => new MathBackendCPU());
for (const kernel of tf.getKernelsForBackend('cpu')) {
  if (kernel.kernelName === tf.BatchMatMul) {
    tf.registerKernel({
      ...kernel,
      backendName: 'wrong-matmul',
      kernelFunc: (args) => {
        const out = kernel.kernelFunc(args) as tf.TensorInfo;
        const backend = args.backend as MathBackendCPU;
        const values = (backend.readSync(out.dataId) as Float32Array).map((v) => v + 1);
        backend.disposeIntermediateTensorInfo(out);
        return backend.makeTensorInfo(out.shape, out.dtype, values);
      },
    });
  } else {
    tf.registerKernel({ ...kernel, backendName: 'wrong-matmul' });
  }
}
// A backend that computes right but whose synchronous read returns zeros, as webgpu's does where
// its canvas read-back cannot work (headless Chromium's SwiftShader adapter); data() is right.
class ZeroSyncReadBackend extends MathBackendCPU {
  override async read(dataId: object) {
    return super.readSync(dataId);
  }
  override readSync(dataId: object) {
    const values = super.readSync(dataId);
    return values instanceof Float32Array ? new Float32Array(values.length) : values;
  }
}
tf.registerBackend('zero-sync-read', () => new ZeroSyncReadBackend());
for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'zero-sync-read' });

// A backend whose initialisation throws, as WebGL does without a GPU context.
tf.registerBackend('broken-init', () => {
  throw new Error('no context');
});

describe('probeOrder', () => {
  it('puts the override first and drops repeats', () => {
    expect(probeOrder(['webgpu', 'webgl', 'wasm', 'cpu'], 'wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(probeOrder(['webgl', 'cpu'])).toEqual(['webgl', 'cpu']);
  });
});

describe('chooseBackend (Node: cpu and wasm registered)', () => {
  it('skips unregistered browser backends and chooses wasm over cpu', async () => {
    const choice = await chooseBackend(tf, { preference: DEFAULT_BACKEND_PREFERENCE });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.skipped).toEqual([
      { name: 'webgpu', reason: 'not registered in this build' },
      { name: 'webgl', reason: 'not registered in this build' },
    ]);
  });

  it('tries the user override first', async () => {
    const choice = await chooseBackend(tf, { preference: ['wasm', 'cpu'], override: 'cpu' });
    expect(choice).toEqual({ backend: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects a backend that initialises but computes wrong numbers', async () => {
    const choice = await chooseBackend(tf, { preference: ['wrong-matmul', 'cpu'] });
    expect(choice.backend).toBe('cpu');
    expect(choice.skipped).toHaveLength(1);
    expect(choice.skipped[0]?.name).toBe('wrong-matmul');
    expect(choice.skipped[0]?.reason).toMatch(/^matmul gave \[20, 23, 44, 51\], expected \[19, 22, 43, 50\]/);
  });

  it('rejects a backend whose synchronous read (the one training uses) is wrong', async () => {
    const choice = await chooseBackend(tf, { preference: ['zero-sync-read', 'cpu'] });
    expect(choice.backend).toBe('cpu');
    expect(choice.skipped).toEqual([
      { name: 'zero-sync-read', reason: 'matmul read synchronously (as the inspection views read) gave [0, 0, 0, 0], expected [19, 22, 43, 50]' },
    ]);
  });

  it('rejects a backend whose initialisation fails', async () => {
    const choice = await chooseBackend(tf, { preference: ['broken-init', 'wasm'] });
    expect(choice.backend).toBe('wasm');
    expect(choice.skipped).toEqual([{ name: 'broken-init', reason: 'failed to initialise' }]);
  });

  it('applies the veto after the numeric check', async () => {
    const choice = await chooseBackend(tf, {
      preference: ['wasm', 'cpu'],
      veto: (name) => (name === 'wasm' ? 'vetoed for the test' : null),
    });
    expect(choice).toEqual({ backend: 'cpu', skipped: [{ name: 'wasm', reason: 'vetoed for the test' }] });
  });

  it('skips a backend whose precheck gives a reason, without initialising it', async () => {
    const choice = await chooseBackend(tf, {
      preference: ['broken-init', 'cpu'],
      precheck: (name) => (name === 'broken-init' ? 'no adapter' : null),
    });
    expect(choice).toEqual({ backend: 'cpu', skipped: [{ name: 'broken-init', reason: 'no adapter' }] });
  });

  it('throws with every reason when nothing is usable', async () => {
    const attempt = chooseBackend(tf, { preference: ['webgl', 'broken-init', 'wrong-matmul'] });
    await expect(attempt).rejects.toBeInstanceOf(NoUsableBackendError);
    await expect(
      chooseBackend(tf, { preference: ['webgl', 'broken-init'] }),
    ).rejects.toThrow('no usable tfjs backend: webgl (not registered in this build); broken-init (failed to initialise)');
  });

  it('leaves no tensors behind', async () => {
    for (const name of ['cpu', 'wasm']) {
      await tf.setBackend(name);
      await checkActiveBackend(tf); // warm-up: kernels may cache state on first use
      const before = tf.memory().numTensors;
      expect(await checkActiveBackend(tf)).toBeNull();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
