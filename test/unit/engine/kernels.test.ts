/**
 * The kernels added to (or replaced in) the wasm and cpu backends, each against an oracle over
 * many random small configurations: the cpu backend's own kernel where that one is right, and
 * always the adjoint identity of the linear map the kernel differentiates,
 * <forward(x, w), dy> = <w, dW> = <x, dX>, computed from a forward op on cpu in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  dilateFilter,
  FASTER_WASM_KERNELS,
  MISSING_WASM_KERNELS,
  REPLACED_CPU_KERNELS,
  REPLACED_WASM_KERNELS,
  registerCpuKernelFixes,
  registerFastGradients,
  registerWasmKernelGaps,
} from '../../../core/engine/kernels';
import { tileGradConfig as stockTileGrad } from '@tensorflow/tfjs-core/dist/gradients/Tile_grad';
import { simdFor, useSimdKernels } from '../../../core/engine/simd';
import { loadNodeSimdKernels } from '../../../cli/node-backend';
import { IM2COL_MAX_PATCH, IM2COL_MAX_PATCH_SIMD } from '../../../core/engine/kernels/conv-filter-im2col';

const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);

const RUNS = 60;

/** The stock kernels, kept to show below why they are replaced. */
const stockWasmMaxPoolGrad = tf.getKernel(tf.MaxPoolGrad, 'wasm');
const stockWasmNearestGrad = tf.getKernel(tf.ResizeNearestNeighborGrad, 'wasm');
const stockWasmBilinearGrad = tf.getKernel(tf.ResizeBilinearGrad, 'wasm');
const stockCpuNearestGrad = tf.getKernel(tf.ResizeNearestNeighborGrad, 'cpu');
const stockCpuBilinearGrad = tf.getKernel(tf.ResizeBilinearGrad, 'cpu');

beforeAll(async () => {
  registerWasmKernelGaps();
  registerCpuKernelFixes();
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

// ---------------------------------------------------------------------------------------------

interface Data {
  values: number[];
  shape: number[];
  dtype?: 'float32' | 'int32';
}

function lcg(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function randomData(shape: number[], seed: number, pick?: readonly number[]): Data {
  const r = lcg(seed);
  const values = Array.from({ length: sizeOf(shape) }, () => (pick ? (pick[Math.floor(r() * pick.length)] as number) : r() * 2 - 1));
  return { values, shape };
}

/** Runs one kernel on one backend from plain arrays; checks that no tensor or buffer is left. */
async function runKernelOn(backend: string, kernelName: string, inputs: Record<string, Data>, attrs: object): Promise<Data> {
  expect(await tf.setBackend(backend)).toBe(true);
  const before = tf.memory();
  const tensors: tf.NamedTensorMap = {};
  for (const [name, d] of Object.entries(inputs)) tensors[name] = tf.tensor(d.values, d.shape, d.dtype ?? 'float32');
  let result: Data;
  try {
    const out = tf.engine().runKernel(kernelName, tensors, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    result = { values: Array.from(out.dataSync()), shape: out.shape };
    out.dispose();
  } finally {
    tf.dispose(Object.values(tensors));
  }
  const after = tf.memory();
  expect(after.numTensors, `${kernelName} on ${backend}: tensors leaked`).toBe(before.numTensors);
  expect(after.numDataBuffers, `${kernelName} on ${backend}: buffers leaked`).toBe(before.numDataBuffers);
  return result;
}

/** Runs an op on cpu and returns its values (the forward pass of the adjoint identities). */
async function onCpu(run: () => tf.Tensor): Promise<number[]> {
  expect(await tf.setBackend('cpu')).toBe(true);
  const out = tf.tidy(run);
  const values = Array.from(out.dataSync());
  out.dispose();
  return values;
}

/** Same rule as the layer gradients: 1e-4 relative, with a floor of 1e-6 · max(1, largest |entry|). */
function expectClose(actual: Data, expected: Data, label: string): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  const scale = expected.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expected.values.forEach((e, i) => {
    const a = actual.values[i] ?? NaN;
    expect(Math.abs(a - e), `${label}[${i}]: expected ${e}, got ${a}`).toBeLessThanOrEqual(1e-4 * (Math.abs(e) + 0.01 * Math.max(1, scale)));
  });
}

/** Σ a·b in float64, and Σ |a·b| (the size of the terms, for the tolerance). */
function dot(a: readonly number[], b: readonly number[]): { value: number; scale: number } {
  expect(a.length).toBe(b.length);
  let value = 0;
  let scale = 0;
  a.forEach((x, i) => {
    const term = x * (b[i] as number);
    value += term;
    scale += Math.abs(term);
  });
  return { value, scale };
}

/** <forward, dy> = <w, dW>: equal up to float32 rounding of sums of terms of this size. */
function expectAdjoint(lhs: { value: number; scale: number }, rhs: { value: number; scale: number }, label: string): void {
  const tolerance = 1e-4 * Math.max(lhs.scale, rhs.scale, 1e-6);
  expect(Math.abs(lhs.value - rhs.value), `${label}: <forward, dy> = ${lhs.value}, <w, grad> = ${rhs.value}`).toBeLessThanOrEqual(tolerance);
}

type Padding = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

function outSize(n: number, k: number, s: number, d: number, pad: Padding, axis: 1 | 2): number {
  const span = (k - 1) * d + 1;
  if (pad === 'same') return Math.ceil(n / s);
  const [before, after] = pad === 'valid' ? [0, 0] : pad[axis];
  return Math.floor((n + before + after - span) / s) + 1;
}

/** A spatial size that leaves at least one output position for the window and padding. */
const convGeometry = (maxMultiplier: number, allowDilation: boolean, channels: { min: number; max: number } = { min: 1, max: 3 }) =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      c: fc.integer(channels),
      m: fc.integer({ min: 1, max: maxMultiplier }),
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 3 }),
      // tfjs: strides or dilations must be 1 (per op, over both axes).
      sd: allowDilation
        ? fc.oneof(
            fc.record({ s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), d: fc.constant<[number, number]>([1, 1]) }),
            fc.record({ s: fc.constant<[number, number]>([1, 1]), d: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })) }),
          )
        : fc.record({ s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), d: fc.constant<[number, number]>([1, 1]) }),
      pad: fc.oneof(
        fc.constant<Padding>('same'),
        fc.constant<Padding>('valid'),
        fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)).map(([t, b, l, r]): Padding => [[0, 0], [t, b], [l, r], [0, 0]]),
      ),
      extraH: fc.integer({ min: 0, max: 4 }),
      extraW: fc.integer({ min: 0, max: 4 }),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    })
    .map((g) => {
      const [sh, sw] = g.sd.s;
      const [dh, dw] = g.sd.d;
      // The smallest input the window fits in (with the padding), plus a random extra: odd sizes
      // and sizes that leave a remainder under the stride both occur.
      const minimum = (k: number, d: number, axis: 1 | 2) => {
        const span = (k - 1) * d + 1;
        const padded = g.pad === 'same' || g.pad === 'valid' ? 0 : g.pad[axis][0] + g.pad[axis][1];
        return Math.max(1, g.pad === 'same' ? 1 : span - padded);
      };
      const h = minimum(g.kh, dh, 1) + g.extraH;
      const w = minimum(g.kw, dw, 2) + g.extraW;
      const oh = outSize(h, g.kh, sh, dh, g.pad, 1);
      const ow = outSize(w, g.kw, sw, dw, g.pad, 2);
      return { ...g, h, w, oh, ow, strides: g.sd.s, dilations: g.sd.d };
    });

// ---------------------------------------------------------------------------------------------

describe('registration', () => {
  it('adds exactly the kernels wasm lacks and replaces the wrong ones; is idempotent and silent', () => {
    const warn = vi.spyOn(console, 'warn');
    registerWasmKernelGaps();
    registerWasmKernelGaps();
    registerCpuKernelFixes();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    for (const [name, kernelFunc] of [...MISSING_WASM_KERNELS, ...REPLACED_WASM_KERNELS, ...FASTER_WASM_KERNELS]) {
      expect(tf.getKernel(name, 'wasm')?.kernelFunc, name).toBe(kernelFunc);
    }
    for (const [name, kernelFunc] of REPLACED_CPU_KERNELS) expect(tf.getKernel(name, 'cpu')?.kernelFunc, name).toBe(kernelFunc);
    // After registration, wasm has every kernel the cpu backend has that Netwright's training uses.
    const wasmKernels = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    const stillMissing = tf
      .getKernelsForBackend('cpu')
      .map((k) => k.kernelName)
      .filter((name) => !wasmKernels.has(name));
    // What remains: complex numbers and FFT, ragged and string ops, Einsum, Draw (canvas).
    expect(stillMissing.sort()).toEqual(
      ['Complex', 'ComplexAbs', 'Draw', 'Einsum', 'FFT', 'IFFT', 'Imag', 'RaggedGather', 'RaggedRange', 'RaggedTensorToTensor', 'Real', 'StaticRegexReplace'].sort(),
    );
  });
});

describe('kernel inputs', () => {
  it('bare TensorInfos (not Tensors) work too, without leaks', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const x = tf.tensor4d(randomData([2, 4, 5, 2], 1).values, [2, 4, 5, 2]);
    const dy = tf.tensor4d(randomData([2, 2, 3, 3], 2).values, [2, 2, 3, 3]);
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] };
    const before = tf.memory();
    const bare = (t: tf.Tensor): tf.TensorInfo => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
    const kernel = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
    if (!kernel) throw new Error('not registered');
    const fromInfos = kernel.kernelFunc({ inputs: { x: bare(x), dy: bare(dy) }, attrs: attrs as unknown as tf.NamedAttrMap, backend: tf.backend() }) as tf.Tensor;
    const fromTensors = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(Array.from(fromInfos.dataSync())).toEqual(Array.from(fromTensors.dataSync()));
    tf.dispose([fromInfos, fromTensors]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    // The inputs are still alive and intact.
    expect(x.isDisposed || dy.isDisposed).toBe(false);
    expect(x.dataSync().length).toBe(80);
    tf.dispose([x, dy]);
  });
});

/** dW on wasm against cpu and against the adjoint identity, for one geometry and layout. */
async function checkFilterGradient(g: Geometry, channelsFirst: boolean): Promise<void> {
  const cout = g.m;
  const x = randomData([g.n, g.h, g.w, g.c], g.seed);
  const dy = randomData([g.n, g.oh, g.ow, cout], g.seed + 1);
  const filterShape = [g.kh, g.kw, g.c, cout];
  const attrs = { strides: g.strides, pad: g.pad, dataFormat: channelsFirst ? 'NCHW' : 'NHWC', dimRoundingMode: undefined, filterShape };
  // NCHW: the same data, transposed (on cpu, into plain arrays).
  const nchw = async (d: Data) => ({
    values: await onCpu(() => tf.transpose(tf.tensor(d.values, d.shape), [0, 3, 1, 2])),
    shape: [d.shape[0], d.shape[3], d.shape[1], d.shape[2]] as number[],
  });
  const inputs = channelsFirst ? { x: await nchw(x), dy: await nchw(dy) } : { x, dy };
  // Explicit paddings are given in the layout's axis order.
  const pad = channelsFirst && Array.isArray(g.pad) ? [g.pad[0], g.pad[3], g.pad[1], g.pad[2]] : g.pad;
  const layoutAttrs = { ...attrs, pad };
  const wasm = await runKernelOn('wasm', tf.Conv2DBackpropFilter, inputs, layoutAttrs);
  const cpu = await runKernelOn('cpu', tf.Conv2DBackpropFilter, inputs, layoutAttrs);
  expectClose(wasm, cpu, `dW ${JSON.stringify(g)}`);
  const w = randomData(filterShape, g.seed + 2);
  const forward = await onCpu(() => tf.conv2d(tf.tensor4d(x.values, x.shape as [number, number, number, number]), tf.tensor4d(w.values, w.shape as [number, number, number, number]), g.strides, g.pad));
  expectAdjoint(dot(forward, dy.values), dot(w.values, wasm.values), 'conv2d filter');
}

type Geometry = typeof convGeometry extends (...args: never[]) => fc.Arbitrary<infer G> ? G : never;

describe('Conv2DBackpropFilter on wasm', () => {
  it('equals the cpu kernel and satisfies <conv2d(x, w), dy> = <w, dW> (kh·kw·cin <= IM2COL_MAX_PATCH: the im2col product)', async () => {
    await fc.assert(fc.asyncProperty(convGeometry(3, false), fc.boolean(), checkFilterGradient), { numRuns: RUNS, seed: 1 });
  });

  it('the same with the patch matrix built by the SIMD module (simd/kernels.c) and without it (JavaScript)', async () => {
    expect(await loadNodeSimdKernels()).toBe(true);
    for (const simd of [true, false]) {
      useSimdKernels(simd);
      try {
        expect(simdFor(tf.findBackend('wasm')) !== null).toBe(simd);
        await fc.assert(fc.asyncProperty(convGeometry(3, false), fc.boolean(), checkFilterGradient), { numRuns: RUNS / 2, seed: 11 });
        const lenet = { n: 2, c: 1, m: 6, kh: 5, kw: 5, strides: [1, 1], pad: 'same', h: 28, w: 28, oh: 28, ow: 28, seed: 7 };
        await checkFilterGradient(lenet as unknown as Geometry, false);
      } finally {
        useSimdKernels(true);
      }
    }
  });

  it("the same on one channel at stride 1 (runs copied whole: LeNet's first layer, 'same' and 'valid')", async () => {
    for (const pad of ['same', 'valid'] as const) {
      const geometry = { n: 2, c: 1, m: 6, kh: 5, kw: 5, strides: [1, 1], pad, h: 28, w: 28, oh: pad === 'same' ? 28 : 24, ow: pad === 'same' ? 28 : 24, seed: 7 };
      await checkFilterGradient(geometry as unknown as Geometry, false);
    }
  });

  it('the same above IM2COL_MAX_PATCH (the convolution route without the SIMD module, the SIMD im2col with it)', async () => {
    expect(IM2COL_MAX_PATCH).toBeLessThan(9 * 8);
    expect(IM2COL_MAX_PATCH_SIMD).toBeGreaterThanOrEqual(9 * 10);
    const larger = convGeometry(3, false, { min: 8, max: 10 }).filter((g) => g.kh * g.kw * g.c > IM2COL_MAX_PATCH);
    expect(await loadNodeSimdKernels()).toBe(true);
    for (const simd of [false, true]) {
      useSimdKernels(simd);
      try {
        await fc.assert(fc.asyncProperty(larger, fc.boolean(), checkFilterGradient), { numRuns: RUNS / 4, seed: 2 });
      } finally {
        useSimdKernels(true);
      }
    }
  });

  it('the same above IM2COL_MAX_PATCH_SIMD with the SIMD module (the convolution route)', async () => {
    expect(await loadNodeSimdKernels()).toBe(true);
    const largest = convGeometry(2, false, { min: 33, max: 34 }).filter((g) => g.kh * g.kw * g.c > IM2COL_MAX_PATCH_SIMD);
    await fc.assert(fc.asyncProperty(largest, fc.boolean(), checkFilterGradient), { numRuns: RUNS / 10, seed: 3 });
  });
});

describe('Conv2DBackpropInput on wasm (a forward convolution on XNNPACK)', () => {
  it('equals the cpu kernel and satisfies <conv2d(x, w), dy> = <x, dX>', async () => {
    await fc.assert(
      fc.asyncProperty(convGeometry(3, false), fc.boolean(), async (g, channelsFirst) => {
        const cout = g.m;
        const w = randomData([g.kh, g.kw, g.c, cout], g.seed);
        const dy = randomData([g.n, g.oh, g.ow, cout], g.seed + 1);
        const inputShape = channelsFirst ? [g.n, g.c, g.h, g.w] : [g.n, g.h, g.w, g.c];
        const nchw = async (d: Data) => ({
          values: await onCpu(() => tf.transpose(tf.tensor(d.values, d.shape), [0, 3, 1, 2])),
          shape: [d.shape[0], d.shape[3], d.shape[1], d.shape[2]] as number[],
        });
        const pad = channelsFirst && Array.isArray(g.pad) ? [g.pad[0], g.pad[3], g.pad[1], g.pad[2]] : g.pad;
        const attrs = { strides: g.strides, pad, dataFormat: channelsFirst ? 'NCHW' : 'NHWC', dimRoundingMode: undefined, inputShape };
        const inputs = { dy: channelsFirst ? await nchw(dy) : dy, filter: w };
        const wasm = await runKernelOn('wasm', tf.Conv2DBackpropInput, inputs, attrs);
        const cpu = await runKernelOn('cpu', tf.Conv2DBackpropInput, inputs, attrs);
        expectClose(wasm, cpu, `dX ${JSON.stringify(g)} ${channelsFirst ? 'NCHW' : 'NHWC'}`);
        if (channelsFirst) return;
        const x = randomData([g.n, g.h, g.w, g.c], g.seed + 2);
        const forward = await onCpu(() => tf.conv2d(tf.tensor4d(x.values, x.shape as [number, number, number, number]), tf.tensor4d(w.values, w.shape as [number, number, number, number]), g.strides, g.pad));
        expectAdjoint(dot(forward, dy.values), dot(x.values, wasm.values), 'conv2d input');
      }),
      { numRuns: RUNS, seed: 6 },
    );
  });
});

describe('depthwise convolution backprops on wasm', () => {
  it('equal the cpu kernels (dilation 1) and satisfy <depthwise(x, w), dy> = <w, dW> = <x, dX> (any dilation)', async () => {
    await fc.assert(
      fc.asyncProperty(convGeometry(3, true), async (g) => {
        const x = randomData([g.n, g.h, g.w, g.c], g.seed);
        const w = randomData([g.kh, g.kw, g.c, g.m], g.seed + 1);
        const dy = randomData([g.n, g.oh, g.ow, g.c * g.m], g.seed + 2);
        const common = { strides: g.strides, dilations: g.dilations, pad: g.pad, dimRoundingMode: undefined };
        const filterAttrs = { ...common, filterShape: w.shape };
        const inputAttrs = { ...common, inputShape: x.shape };
        const dW = await runKernelOn('wasm', tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, filterAttrs);
        const dX = await runKernelOn('wasm', tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: w }, inputAttrs);
        expect(dW.shape).toEqual(w.shape);
        expect(dX.shape).toEqual(x.shape);
        // tfjs' cpu kernels ignore dilations (tfjs differentiates depthwise convolutions only
        // without dilation), so they are the reference only there.
        if (g.dilations[0] === 1 && g.dilations[1] === 1) {
          expectClose(dW, await runKernelOn('cpu', tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, filterAttrs), `dW ${JSON.stringify(g)}`);
          expectClose(dX, await runKernelOn('cpu', tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: w }, inputAttrs), `dX ${JSON.stringify(g)}`);
        }
        const forward = await onCpu(() =>
          tf.depthwiseConv2d(tf.tensor4d(x.values, x.shape as [number, number, number, number]), tf.tensor4d(w.values, w.shape as [number, number, number, number]), g.strides, g.pad, 'NHWC', g.dilations),
        );
        const lhs = dot(forward, dy.values);
        expectAdjoint(lhs, dot(w.values, dW.values), `depthwise filter ${JSON.stringify(g)}`);
        expectAdjoint(lhs, dot(x.values, dX.values), `depthwise input ${JSON.stringify(g)}`);
      }),
      { numRuns: RUNS, seed: 2 },
    );
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('equals the cpu kernel: duplicate ids add up, ids outside [0, numSegments) are dropped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          numSegments: fc.integer({ min: 1, max: 6 }),
          rows: fc.integer({ min: 1, max: 9 }),
          slice: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
          dtype: fc.constantFrom<'float32' | 'int32'>('float32', 'int32'),
          withInvalid: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (p) => {
          const r = lcg(p.seed);
          const low = p.withInvalid ? -2 : 0;
          const high = p.withInvalid ? p.numSegments + 2 : p.numSegments;
          const ids: Data = { values: Array.from({ length: p.rows }, () => low + Math.floor(r() * (high - low))), shape: [p.rows], dtype: 'int32' };
          const raw = randomData([p.rows, ...p.slice], p.seed + 1);
          const x: Data = p.dtype === 'int32' ? { ...raw, values: raw.values.map((v) => Math.round(v * 50)), dtype: 'int32' } : raw;
          const attrs = { numSegments: p.numSegments };
          const wasm = await runKernelOn('wasm', tf.UnsortedSegmentSum, { x, segmentIds: ids }, attrs);
          const cpu = await runKernelOn('cpu', tf.UnsortedSegmentSum, { x, segmentIds: ids }, attrs);
          expectClose(wasm, cpu, JSON.stringify(p));
        },
      ),
      { numRuns: RUNS, seed: 3 },
    );
  });

  it('is the gradient of gather on wasm (Embedding), inside tf.grad', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const before = tf.memory().numTensors;
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
    const weights = tf.tensor2d([1, 10, 100, 1000, 1, 1, 2, 3], [4, 2]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), weights)))(table);
    // Row 0 gets ids[1]'s weights; row 2 gets the sum of ids[0], ids[2], ids[3]'s weights.
    expect(Array.from(grad.dataSync())).toEqual([100, 1000, 0, 0, 4, 14]);
    tf.dispose([table, ids, weights, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('MaxPoolGrad on wasm (replaced)', () => {
  it('equals the cpu kernel, including negative windows and ties (first maximum wins)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }),
          c: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 7 }),
          w: fc.integer({ min: 1, max: 7 }),
          fh: fc.integer({ min: 1, max: 3 }),
          fw: fc.integer({ min: 1, max: 3 }),
          sh: fc.integer({ min: 1, max: 3 }),
          sw: fc.integer({ min: 1, max: 3 }),
          pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
          // Continuous values, or few distinct ones (ties, all-negative windows, ReLU zeros).
          values: fc.constantFrom<readonly number[] | undefined>(undefined, [-1, -0.5, 0], [0, 0, 1]),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (p) => {
          const h = p.pad === 'valid' ? Math.max(p.h, p.fh) : p.h;
          const w = p.pad === 'valid' ? Math.max(p.w, p.fw) : p.w;
          const x = randomData([p.n, h, w, p.c], p.seed, p.values);
          const oh = outSize(h, p.fh, p.sh, 1, p.pad, 1);
          const ow = outSize(w, p.fw, p.sw, 1, p.pad, 2);
          const dy = randomData([p.n, oh, ow, p.c], p.seed + 1);
          const output = { values: await onCpu(() => tf.maxPool(tf.tensor4d(x.values, x.shape as [number, number, number, number]), [p.fh, p.fw], [p.sh, p.sw], p.pad)), shape: dy.shape };
          const attrs = { filterSize: [p.fh, p.fw], strides: [p.sh, p.sw], pad: p.pad, dimRoundingMode: undefined };
          const inputs = { dy, input: x, output };
          const wasm = await runKernelOn('wasm', tf.MaxPoolGrad, inputs, attrs);
          const cpu = await runKernelOn('cpu', tf.MaxPoolGrad, inputs, attrs);
          expectClose(wasm, cpu, JSON.stringify(p));
        },
      ),
      { numRuns: RUNS, seed: 4 },
    );
  });
});

describe('Identity on wasm (replaced: shares the buffer instead of copying it)', () => {
  it('clones without a new buffer, keeps the values through disposal and a variable update, for every dtype', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const before = tf.memory();
    for (const [values, dtype] of [
      [[1.5, -2, 3], 'float32'],
      [[4, 5, -6], 'int32'],
      [[1, 0, 1], 'bool'],
      [['a', 'bc', ''], 'string'],
    ] as const) {
      const x = tf.tensor(values as unknown as number[], [3], dtype);
      const buffers = tf.memory().numDataBuffers;
      const copy = tf.clone(x);
      expect(tf.memory().numDataBuffers, `${dtype}: clone allocated a buffer`).toBe(buffers);
      expect(copy.dtype).toBe(dtype);
      x.dispose();
      expect(copy.arraySync(), dtype).toEqual(values);
      copy.dispose();
    }
    // The trainer's use: a copy taken before an update keeps the values from before it.
    const initial = tf.tensor([1, 2, 3]);
    const update = tf.tensor([7, 8, 9]);
    const v = tf.variable(initial);
    const kept = tf.clone(v);
    v.assign(update);
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    // A gradient that passes its input through (Identity in the tape) is right.
    const at = tf.tensor([1, -2]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.clone(x), x)))(at);
    expect(Array.from(g.dataSync())).toEqual([2, -4]);
    tf.dispose([initial, update, v, kept, at, g]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });
});

describe('Tile gradient (replaced: a reshape and a sum instead of a slice and an add per repetition)', () => {
  it("equals tfjs-core's own gradient on wasm and cpu for ranks 1-4, also works at rank 5, in a few dispatches", async () => {
    const cases: [number[], number[]][] = [
      [[3], [4]],
      [[2, 3], [3, 1]],
      [[1, 1, 4], [5, 3, 1]],
      [[2, 1, 3], [1, 4, 2]],
      [[1, 2, 1, 3], [2, 1, 3, 2]],
    ];
    for (const backend of ['wasm', 'cpu']) {
      expect(await tf.setBackend(backend)).toBe(true);
      for (const [shape, reps] of cases) {
        const x = tf.tensor(randomData(shape, shape.length).values, shape);
        const tiledShape = shape.map((d, i) => d * (reps[i] as number));
        const weights = tf.tensor(randomData(tiledShape, 7).values, tiledShape);
        const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.tile(t, reps), weights));
        tf.registerGradient(stockTileGrad);
        const want = tf.grad(f)(x);
        const stockKernels = (await tf.profile(() => tf.grad(f)(x).dispose())).kernels.length;
        registerFastGradients();
        const before = tf.memory().numTensors;
        const profile = await tf.profile(() => tf.grad(f)(x).dispose());
        expect(tf.memory().numTensors, `${backend} ${shape}: tensors leaked`).toBe(before);
        const got = tf.grad(f)(x);
        expectClose({ values: Array.from(await got.data()), shape: got.shape }, { values: Array.from(await want.data()), shape: want.shape }, `${backend} tile ${shape} x ${reps}`);
        // tfjs-core's takes a slice and an add per repetition; this one a fixed few.
        expect(profile.kernels.length, `${backend} ${shape} x ${reps}`).toBeLessThanOrEqual(16);
        if (reps.reduce((p, r) => p * r, 1) >= 12) expect(profile.kernels.length, `${backend} ${shape} x ${reps}`).toBeLessThan(stockKernels);
        tf.dispose([x, weights, want, got]);
      }
      // Rank 5, which tfjs-core's gradient refuses: the sum of dy over the repetitions.
      const x5 = tf.ones([1, 2, 1, 1, 2]);
      const g5 = tf.grad((t: tf.Tensor) => tf.sum(tf.tile(t, [2, 1, 3, 1, 2])))(x5);
      expect(Array.from(await g5.data())).toEqual([12, 12, 12, 12]);
      tf.dispose([x5, g5]);
    }
    await tf.setBackend('wasm');
  });
});

describe('resize gradients (cpu replaced; wasm checked)', () => {
  it('satisfy <resize(x), dy> = <x, dX> on both backends, for every sampling option', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('nearest' as const, 'bilinear' as const),
          n: fc.integer({ min: 1, max: 3 }),
          c: fc.integer({ min: 1, max: 2 }),
          h: fc.integer({ min: 1, max: 4 }),
          w: fc.integer({ min: 1, max: 4 }),
          oh: fc.integer({ min: 1, max: 7 }),
          ow: fc.integer({ min: 1, max: 7 }),
          // tfjs refuses both at once.
          sampling: fc.constantFrom([false, false], [true, false], [false, true]),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (p) => {
          const [alignCorners, halfPixelCenters] = p.sampling as [boolean, boolean];
          const x = randomData([p.n, p.h, p.w, p.c], p.seed);
          const dy = randomData([p.n, p.oh, p.ow, p.c], p.seed + 1);
          const kernel = p.method === 'nearest' ? tf.ResizeNearestNeighborGrad : tf.ResizeBilinearGrad;
          const attrs = { alignCorners, halfPixelCenters };
          const forward = await onCpu(() => {
            const images = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
            return p.method === 'nearest'
              ? tf.image.resizeNearestNeighbor(images, [p.oh, p.ow], alignCorners, halfPixelCenters)
              : tf.image.resizeBilinear(images, [p.oh, p.ow], alignCorners, halfPixelCenters);
          });
          const lhs = dot(forward, dy.values);
          const results: Data[] = [];
          for (const backend of ['cpu', 'wasm']) {
            const dX = await runKernelOn(backend, kernel, { images: x, dy }, attrs);
            expect(dX.shape, backend).toEqual(x.shape);
            expectAdjoint(lhs, dot(x.values, dX.values), `${backend} ${JSON.stringify(p)}`);
            results.push(dX);
          }
          expectClose(results[1] as Data, results[0] as Data, `wasm vs cpu ${JSON.stringify(p)}`);
        },
      ),
      { numRuns: RUNS, seed: 5 },
    );
  });
});

describe('why the stock kernels are replaced (fails when a tfjs release fixes them)', () => {
  /** Runs a kernel with a stock implementation temporarily registered in place of ours. */
  async function withStock<T>(stock: tf.KernelConfig | undefined, run: () => Promise<T>): Promise<T> {
    if (!stock) throw new Error('stock kernel not found');
    const ours = tf.getKernel(stock.kernelName, stock.backendName);
    tf.unregisterKernel(stock.kernelName, stock.backendName);
    tf.registerKernel(stock);
    try {
      return await run();
    } finally {
      tf.unregisterKernel(stock.kernelName, stock.backendName);
      if (ours) tf.registerKernel(ours);
    }
  }

  it('wasm MaxPoolGrad drops the gradient of a window whose values are all negative', async () => {
    const input = { values: [-4, -3, -2, -1], shape: [1, 2, 2, 1] };
    const dy = { values: [1], shape: [1, 1, 1, 1] };
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
    const stock = await withStock(stockWasmMaxPoolGrad, () => runKernelOn('wasm', tf.MaxPoolGrad, { dy, input, output: { values: [-1], shape: [1, 1, 1, 1] } }, attrs));
    const ours = await runKernelOn('wasm', tf.MaxPoolGrad, { dy, input, output: { values: [-1], shape: [1, 1, 1, 1] } }, attrs);
    expect(ours.values).toEqual([0, 0, 0, 1]);
    expect(stock.values).not.toEqual([0, 0, 0, 1]);
  });

  it('wasm resize gradients (and cpu nearest) with halfPixelCenters are not the transpose of the forward pass', async () => {
    // 2 -> 1 pixels with half-pixel centres: the forward pass reads pixel floor(0.5 · 2) = 1.
    expect(await onCpu(() => tf.image.resizeNearestNeighbor(tf.tensor4d([5, 7], [1, 1, 2, 1]), [1, 1], false, true))).toEqual([7]);
    const inputs = { images: { values: [5, 7], shape: [1, 1, 2, 1] }, dy: { values: [1], shape: [1, 1, 1, 1] } };
    const attrs = { alignCorners: false, halfPixelCenters: true };
    const stock = await withStock(stockWasmNearestGrad, () => runKernelOn('wasm', tf.ResizeNearestNeighborGrad, inputs, attrs));
    expect(stock.values).toEqual([1, 0]);
    expect((await runKernelOn('wasm', tf.ResizeNearestNeighborGrad, inputs, attrs)).values).toEqual([0, 1]);
    expect((await runKernelOn('cpu', tf.ResizeNearestNeighborGrad, inputs, attrs)).values).toEqual([0, 1]);
    // Bilinear: the forward pass reads position (0 + 0.5) · 2 - 0.5 = 0.5, half of each pixel.
    expect(await onCpu(() => tf.image.resizeBilinear(tf.tensor4d([5, 7], [1, 1, 2, 1]), [1, 1], false, true))).toEqual([6]);
    const stockBilinear = await withStock(stockWasmBilinearGrad, () => runKernelOn('wasm', tf.ResizeBilinearGrad, inputs, attrs));
    expect(stockBilinear.values).not.toEqual([0.5, 0.5]);
    expect((await runKernelOn('wasm', tf.ResizeBilinearGrad, inputs, attrs)).values).toEqual([0.5, 0.5]);
  });

  it('cpu ResizeNearestNeighborGrad reads the wrong sample when batch > 1', async () => {
    // Two samples, each 1x1 upsampled to 1x2: dX of sample b is the sum of its own dy.
    const inputs = { images: { values: [0, 0], shape: [2, 1, 1, 1] }, dy: { values: [1, 2, 30, 40], shape: [2, 1, 2, 1] } };
    const attrs = { alignCorners: false, halfPixelCenters: false };
    const ours = await runKernelOn('cpu', tf.ResizeNearestNeighborGrad, inputs, attrs);
    const stock = await withStock(stockCpuNearestGrad, () => runKernelOn('cpu', tf.ResizeNearestNeighborGrad, inputs, attrs));
    expect(ours.values).toEqual([3, 70]);
    expect(stock.values).not.toEqual([3, 70]);
  });

  it('cpu ResizeBilinearGrad swaps height and width in its output shape', async () => {
    const inputs = { images: { values: [0, 0, 0, 0, 0, 0], shape: [1, 2, 3, 1] }, dy: randomData([1, 4, 6, 1], 9) };
    const attrs = { alignCorners: false, halfPixelCenters: false };
    const stock = await withStock(stockCpuBilinearGrad, () => runKernelOn('cpu', tf.ResizeBilinearGrad, inputs, attrs));
    expect(stock.shape).toEqual([1, 3, 2, 1]);
    expect((await runKernelOn('cpu', tf.ResizeBilinearGrad, inputs, attrs)).shape).toEqual([1, 2, 3, 1]);
  });
});

describe('dilateFilter: differentiable dilated convolutions (tfjs refuses their gradients)', () => {
  /** Forward values and the gradients w.r.t. x and w of sum(conv(x, dilateFilter(w)) · dy). */
  async function run(backend: string, depthwise: boolean, x: Data, w: Data, dy: Data, pad: 'same' | 'valid', dilations: [number, number]) {
    expect(await tf.setBackend(backend)).toBe(true);
    const before = tf.memory().numTensors;
    const xs = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
    const ws = tf.tensor4d(w.values, w.shape as [number, number, number, number]);
    const dys = tf.tensor(dy.values, dy.shape);
    const conv = (a: tf.Tensor4D, f: tf.Tensor4D) =>
      depthwise ? tf.depthwiseConv2d(a, dilateFilter(f, dilations), 1, pad) : tf.conv2d(a, dilateFilter(f, dilations), 1, pad);
    const reference = depthwise ? tf.depthwiseConv2d(xs, ws, 1, pad, 'NHWC', dilations) : tf.conv2d(xs, ws, 1, pad, 'NHWC', dilations);
    const forward = tf.tidy(() => conv(xs, ws));
    const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, f as tf.Tensor4D), dys)))([xs, ws]);
    const out = [forward, reference, dx, dw].map((t) => ({ values: Array.from((t as tf.Tensor).dataSync()), shape: (t as tf.Tensor).shape }));
    tf.dispose([xs, ws, dys, forward, reference, dx as tf.Tensor, dw as tf.Tensor]);
    expect(tf.memory().numTensors, 'leaked').toBe(before);
    return out as [Data, Data, Data, Data];
  }

  it('equals the dilated convolution and has the same gradients on wasm as on cpu (adjoint-checked)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          depthwise: fc.boolean(),
          n: fc.integer({ min: 1, max: 2 }),
          c: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 1, max: 3 }),
          kh: fc.integer({ min: 1, max: 3 }),
          kw: fc.integer({ min: 1, max: 3 }),
          dh: fc.integer({ min: 1, max: 3 }),
          dw: fc.integer({ min: 1, max: 3 }),
          pad: fc.constantFrom<'same' | 'valid'>('same', 'valid'),
          extraH: fc.integer({ min: 0, max: 3 }),
          extraW: fc.integer({ min: 0, max: 3 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        async (p) => {
          const h = (p.kh - 1) * p.dh + 1 + p.extraH;
          const w = (p.kw - 1) * p.dw + 1 + p.extraW;
          const oh = outSize(h, p.kh, 1, p.dh, p.pad, 1);
          const ow = outSize(w, p.kw, 1, p.dw, p.pad, 2);
          const outChannels = p.depthwise ? p.c * p.m : p.m;
          const x = randomData([p.n, h, w, p.c], p.seed);
          const filter = randomData([p.kh, p.kw, p.c, p.m], p.seed + 1);
          const dy = randomData([p.n, oh, ow, outChannels], p.seed + 2);
          const cpu = await run('cpu', p.depthwise, x, filter, dy, p.pad, [p.dh, p.dw]);
          const wasm = await run('wasm', p.depthwise, x, filter, dy, p.pad, [p.dh, p.dw]);
          expectClose(cpu[0], cpu[1], `cpu forward ${JSON.stringify(p)}`);
          expectClose(wasm[0], wasm[1], `wasm forward ${JSON.stringify(p)}`);
          expectClose(wasm[2], cpu[2], `dX ${JSON.stringify(p)}`);
          expectClose(wasm[3], cpu[3], `dW ${JSON.stringify(p)}`);
          const lhs = dot(cpu[1].values, dy.values);
          expectAdjoint(lhs, dot(filter.values, wasm[3].values), `filter ${JSON.stringify(p)}`);
          expectAdjoint(lhs, dot(x.values, wasm[2].values), `input ${JSON.stringify(p)}`);
        },
      ),
      { numRuns: 40, seed: 6 },
    );
  });

  it('spreads a conv1d filter [k, cin, cout] with one rate', () => {
    const spread = dilateFilter(tf.tensor3d([1, 2, 3], [3, 1, 1]), 2);
    expect(spread.shape).toEqual([5, 1, 1]);
    expect(Array.from(spread.dataSync())).toEqual([1, 0, 2, 0, 3]);
    spread.dispose();
  });
});
