/**
 * `npx tsx scripts/bench-fused-conv.ts [reps]`: the fused Conv2D op's kernels (SIMD, conv.c) against
 * what they replace on wasm, per geometry, in interleaved rounds: forward (conv2d + bias Add +
 * Relu), the filter gradient (ReLU gradient then Conv2DBackpropFilter), the input gradient (ReLU
 * gradient then Conv2DBackpropInput) and the bias gradient (ReLU gradient then Sum). Milliseconds
 * per call in this thread's CPU time; the load average is printed with each row.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { selectNodeBackend } from '../cli/node-backend';
import { CONV2D, CONV2D_BACKPROP_FILTER, CONV2D_BACKPROP_INPUT, CONV2D_BIAS_GRAD, useConvSimdKernels } from '../core/engine/simd/conv-kernels';
import { EXAMPLE_CONV_GEOMETRIES, type ConvGeometry } from './conv-geometries';

type Geometry = ConvGeometry;

const GEOMETRIES: Geometry[] = EXAMPLE_CONV_GEOMETRIES;

function threadMs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
}

function time(reps: number, f: () => tf.TensorContainer): number {
  const start = threadMs();
  for (let i = 0; i < reps; i++) tf.dispose(f());
  return (threadMs() - start) / reps;
}

async function main(): Promise<void> {
  await selectNodeBackend();
  await tf.setBackend('wasm');
  const reps = Number(process.argv[2] ?? 20);
  console.log('geometry          part        fused ms  tfjs ms  speed-up  load');
  for (const g of GEOMETRIES) {
    const [n, h, w, cin] = g.x;
    const x = tf.randomNormal(g.x) as tf.Tensor4D;
    const filter = tf.randomNormal([g.kernel, g.kernel, cin, g.cout], 0, 0.2) as tf.Tensor4D;
    const bias = tf.randomNormal([g.cout], 0, 0.1) as tf.Tensor1D;
    const attrs = { strides: [g.strides, g.strides], pad: g.pad, dilations: [1, 1], relu: true };
    const y = tf.engine().runKernel(CONV2D, { x, filter, bias }, attrs) as tf.Tensor4D;
    const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
    const reluGrad = () => tf.mul(dy, tf.step(y));
    const parts: [string, () => tf.TensorContainer, () => tf.TensorContainer][] = [
      ['forward', () => tf.engine().runKernel(CONV2D, { x, filter, bias }, attrs) as tf.Tensor, () => tf.tidy(() => tf.relu(tf.add(tf.conv2d(x, filter, g.strides, g.pad), bias)))],
      [
        'filter grad',
        () => tf.engine().runKernel(CONV2D_BACKPROP_FILTER, { x, dy, y, filter }, attrs) as tf.Tensor,
        () => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: reluGrad() }, { strides: g.strides, pad: g.pad, dataFormat: 'NHWC', filterShape: filter.shape }) as tf.Tensor),
      ],
      [
        'input grad',
        () => tf.engine().runKernel(CONV2D_BACKPROP_INPUT, { x, dy, y, filter }, attrs) as tf.Tensor,
        () => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropInput', { dy: reluGrad(), filter }, { strides: g.strides, pad: g.pad, dataFormat: 'NHWC', inputShape: [n, h, w, cin] }) as tf.Tensor),
      ],
      ['bias grad', () => tf.engine().runKernel(CONV2D_BIAS_GRAD, { dy, y }, attrs) as tf.Tensor, () => tf.tidy(() => tf.sum(reluGrad(), [0, 1, 2]))],
    ];
    for (const [part, fused, stock] of parts) {
      fused();
      stock();
      let a = 0;
      let b = 0;
      for (let round = 0; round < 3; round++) {
        a += time(reps, fused);
        b += time(reps, stock);
      }
      const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
      console.log(`${g.name.padEnd(17)} ${part.padEnd(11)} ${(a / 3).toFixed(2).padStart(8)} ${(b / 3).toFixed(2).padStart(8)} ${(b / a).toFixed(2).padStart(8)}x  ${load}`);
    }
    tf.dispose([x, filter, bias, y, dy]);
  }
  // MaxPool and MaxPoolGrad (2x2, stride 2) after LeNet's two layers: SIMD module against the kernels without it.
  for (const shape of [[64, 28, 28, 6], [64, 10, 10, 16]] as [number, number, number, number][]) {
    const x = tf.relu(tf.randomNormal(shape)) as tf.Tensor4D;
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.randomNormal(y.shape);
    const grad = () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor;
    const forward = () => tf.maxPool(x, 2, 2, 'valid');
    for (const [part, f] of [['max forward', forward], ['max grad', grad]] as const) {
      const without = () => {
        useConvSimdKernels(false);
        try {
          return f();
        } finally {
          useConvSimdKernels(true);
        }
      };
      f();
      without();
      let a = 0;
      let b = 0;
      for (let round = 0; round < 3; round++) {
        a += time(reps, f);
        b += time(reps, without);
      }
      const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
      console.log(`${('pool ' + shape.join('x')).padEnd(17)} ${part.padEnd(11)} ${(a / 3).toFixed(2).padStart(8)} ${(b / 3).toFixed(2).padStart(8)} ${(b / a).toFixed(2).padStart(8)}x  ${load}`);
    }
    tf.dispose([x, y, dy]);
  }
}

await main();
