/**
 * `npx tsx scripts/bench-conv-filter.ts`: the two wasm Conv2DBackpropFilter kernels side by side
 * in interleaved rounds, per geometry (the examples' convolutions and a sweep of kh·kw·cin):
 * the im2col product (conv-filter-im2col.ts) and the convolution-based kernel
 * (conv-backprop.ts). The crossover sets IM2COL_MAX_PATCH. Times are the process's CPU time
 * (process.cpuUsage), which a loaded machine stretches far less than wall time; the load average
 * is printed with every row all the same.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { selectNodeBackend } from '../cli/node-backend';
import { conv2dBackpropFilter } from '../core/engine/kernels/conv-backprop';
import { patchesTransposed } from '../core/engine/kernels/conv-filter-im2col';
import { EXAMPLE_CONV_GEOMETRIES, type ConvGeometry } from './conv-geometries';

type Geometry = ConvGeometry;

const GEOMETRIES: Geometry[] = [
  ...EXAMPLE_CONV_GEOMETRIES,
  ...[2, 4, 7, 8, 12, 16].map((cin) => ({ name: `sweep k3 cin ${cin}`, x: [64, 14, 14, cin] as Geometry['x'], kernel: 3, cout: 16, strides: 1, pad: 'same' as const })),
  ...[2, 3, 4].map((cin) => ({ name: `sweep k5 cin ${cin}`, x: [64, 14, 14, cin] as Geometry['x'], kernel: 5, cout: 16, strides: 1, pad: 'same' as const })),
];

/** The im2col kernel's body without its size switch. */
function viaIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], g: Geometry): tf.Tensor {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, g.strides, 1, g.pad);
    const patches = patchesTransposed(x, info, tf.backend() as never);
    return tf.reshape(tf.matMul(patches, tf.reshape(dy, [-1, g.cout])), filterShape);
  });
}

await selectNodeBackend();
await tf.setBackend('wasm');
const ROUNDS = 5;
console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('geometry                 kh·kw·cin  im2col ms  conv ms (CPU time)  conv/im2col  max |diff|  load');
for (const g of GEOMETRIES) {
  const filterShape: [number, number, number, number] = [g.kernel, g.kernel, g.x[3], g.cout];
  const info = tf.backend_util.computeConv2DInfo(g.x, filterShape, g.strides, 1, g.pad);
  const x = tf.randomNormal(g.x) as tf.Tensor4D;
  const dy = tf.randomNormal([g.x[0], info.outHeight, info.outWidth, g.cout]) as tf.Tensor4D;
  const attrs = { strides: g.strides, pad: g.pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap;
  const viaConv = () => conv2dBackpropFilter({ inputs: { x, dy }, attrs, backend: tf.backend() }) as tf.Tensor;
  const a = viaIm2col(x, dy, filterShape, g);
  const b = viaConv();
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
  tf.dispose([a, b]);
  const reps = Math.max(2, Math.round(2e7 / (filterShape.reduce((p, d) => p * d, 1) * info.outHeight * info.outWidth * g.x[0])));
  const time = (f: () => tf.Tensor) => {
    const start = process.cpuUsage();
    for (let r = 0; r < reps; r++) {
      const out = f();
      out.dataSync();
      out.dispose();
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / reps;
  };
  // Warm-up: the JIT compiles the patch loop, XNNPACK sets up its operators.
  time(() => viaIm2col(x, dy, filterShape, g));
  time(viaConv);
  let im2col = 0;
  let conv = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      im2col += time(() => viaIm2col(x, dy, filterShape, g));
      conv += time(viaConv);
    } else {
      conv += time(viaConv);
      im2col += time(() => viaIm2col(x, dy, filterShape, g));
    }
  }
  tf.dispose([x, dy]);
  const patch = g.kernel * g.kernel * g.x[3];
  console.log(
    `${g.name.padEnd(24)} ${String(patch).padStart(9)}  ${(im2col / ROUNDS).toFixed(3).padStart(9)}  ${(conv / ROUNDS).toFixed(3).padStart(7)}  ${(conv / im2col).toFixed(2).padStart(11)}  ${diff.toExponential(1).padStart(10)}  ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
}
