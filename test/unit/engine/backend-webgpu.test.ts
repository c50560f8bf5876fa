/**
 * Every catalogue layer trains on tfjs' WebGPU backend exactly as on cpu, in Node on Dawn (see
 * webgpu-node.ts; on a machine without a GPU, a software Vulkan driver). The same comparison as
 * backend-gradients.test.ts (outputs and gradients of every case, within 1e-4 relative), then a
 * few SGD steps of two templates through the engine's own compile, loss and optimizer code.
 *
 * Results are read asynchronously: webgpu's synchronous read (dataSync) needs an OffscreenCanvas,
 * which Node does not have (in the browser it goes through a canvas, see backend-webgpu.spec.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKEND_TOLERANCE, compareCase, compareResults, fixedValues, layerDecls as allLayerDecls, sizeOf } from '../../../core/engine/backend-check';
import { compileSeeded, runTraining } from '../../../core/engine/run';
import { loadDataset, NO_FILES } from '../../../core/data';
import { SeededScope } from '../../../core/engine/seeded';
import { Trainer } from '../../../core/engine/trainer';
import { parseGraph } from '../../../core/graph/parse';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import { NO_WEBGPU, useNodeWebGpu } from './webgpu-node';

const adapter = useNodeWebGpu({ activate: true });

describe.skipIf(NO_WEBGPU)('WebGPU in Node', () => {
  it('a WebGPU adapter is available (NETWRIGHT_NO_WEBGPU=1 on machines that cannot provide one)', () => {
    expect(adapter(), 'no WebGPU adapter: install a Vulkan driver (and libvulkan1), e.g. the chromium package for its SwiftShader; see test/unit/engine/webgpu-node.ts').not.toBeNull();
    expect(tf.engine().registryFactory['webgpu']).toBeDefined();
  });

  it('transposes int32 and bool tensors, and their casts to float32 (RNN masks), as cpu does', async () => {
    expect(adapter(), 'no WebGPU adapter').not.toBeNull();
    // Small tensors may be computed on the CPU by tfjs-webgpu: force the GPU path.
    const cpuForward = tf.env().getBool('WEBGPU_CPU_FORWARD');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const values = Array.from({ length: 24 }, (_, i) => (i * 7) % 11);
    const read = async (backend: string, from: 'int32' | 'bool') => {
      await tf.setBackend(backend);
      const t = tf.tidy(() => {
        const ints = tf.tensor3d(values, [2, 3, 4], 'int32');
        const x = from === 'bool' ? tf.greater(ints, 4) : ints;
        return [tf.add(tf.transpose(tf.cast(x, 'float32'), [1, 0, 2]), 0.5), tf.transpose(x, [2, 0, 1])] as [tf.Tensor, tf.Tensor];
      });
      const [cast, plain] = t;
      const out = [Array.from(await cast.data()), plain.dtype, Array.from(await plain.data())];
      tf.dispose(t);
      return out;
    };
    try {
      for (const from of ['int32', 'bool'] as const) expect(await read('webgpu', from)).toEqual(await read('cpu', from));
    } finally {
      tf.env().set('WEBGPU_CPU_FORWARD', cpuForward);
      await tf.setBackend('webgpu');
    }
  });

  describe('every catalogue layer: outputs and gradients agree with cpu within 1e-4', () => {
    const worst = new Map<string, number>();
    afterAll(() => {
      if (worst.size > 0) console.log(`worst relative error, webgpu vs cpu: ${[...worst].map(([type, w]) => `${type} ${w.toExponential(1)}`).join(', ')}`);
    });
    for (const decl of allLayerDecls()) {
      (decl.backendExamples ?? []).forEach((testCase, i) => {
        it(`${decl.type} ${JSON.stringify(testCase.params)}`, async () => {
          expect(adapter(), 'no WebGPU adapter').not.toBeNull();
          const result = await compareCase(decl, testCase, `${decl.type}_${i}`, 'cpu', 'webgpu');
          worst.set(decl.type, Math.max(worst.get(decl.type) ?? 0, result.worstRelative));
          expect(result.worstRelative, result.detail).toBeLessThanOrEqual(BACKEND_TOLERANCE);
          expect(result.ok, result.detail).toBe(true);
        });
      });
    }
  });

  describe('templates: three SGD steps give the same losses and weights as on cpu', () => {
    /**
     * The template's graph compiled by the engine, its own loss terms and optimizer (plain SGD,
     * so the later losses depend on the gradients' size), on fixed inputs; dropout's noise comes
     * from a seeded Math.random, the same on both backends. Returns the loss before each step.
     */
    async function train(graph: GraphDocument, backend: string): Promise<{ losses: number[]; weights: Float32Array[] }> {
      expect(await tf.setBackend(backend)).toBe(true);
      const compiled = compileSeeded(graph);
      const trainer = new Trainer(compiled, graph.training);
      try {
        const weights = compiled.model.weights.map((w, i) => tf.tensor(fixedValues(sizeOf(w.shape as number[]), 500 + i, -0.1, 0.1), w.shape as number[]));
        compiled.model.setWeights(weights);
        tf.dispose(weights);
        const batch = 8;
        const feeds = compiled.feeds.map((feed, i) => {
          // feed.shape starts with the (null) batch axis.
          const shape = [batch, ...feed.shape.slice(1).map((d) => d ?? 1)];
          // int32 feeds are class labels here (both templates have 10 classes).
          return feed.dtype === 'int32' ? tf.tensor(fixedValues(sizeOf(shape), 40 + i, 0, 10).map(Math.floor), shape, 'int32') : tf.tensor(fixedValues(sizeOf(shape), 40 + i, 0, 1), shape);
        });
        const variables = compiled.model.trainableWeights.map((w) => w.read() as tf.Variable);
        const noise = new SeededScope(11);
        const losses: number[] = [];
        for (let step = 0; step < 3; step++) {
          const loss = noise.run(() =>
            trainer.optimizer.minimize(() => tf.addN(trainer.lossTerms(feeds, trainer.forward(feeds, true))) as tf.Scalar, true, variables),
          );
          if (!loss) throw new Error('minimize returned no loss');
          losses.push((await loss.data())[0] as number);
          loss.dispose();
        }
        const trained = await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array));
        tf.dispose(feeds);
        return { losses, weights: trained };
      } finally {
        trainer.dispose();
        compiled.model.dispose();
      }
    }

    it.each(['mlp-mnist', 'lenet-mnist'])('%s', async (id) => {
      expect(adapter(), 'no WebGPU adapter').not.toBeNull();
      const parsed = parseGraph(JSON.parse(readFileSync(`examples/${id}.json`, 'utf8')));
      if (!parsed.ok) throw new Error(`${id}: ${JSON.stringify(parsed.errors)}`);
      const graph: GraphDocument = { ...parsed.graph, training: { ...parsed.graph.training, optimizer: 'sgd', learningRate: 0.05, gradientClipNorm: null } };
      const cpu = await train(graph, 'cpu');
      const webgpu = await train(graph, 'webgpu');
      console.log(`${id}: losses cpu ${cpu.losses.join(', ')}; webgpu ${webgpu.losses.join(', ')}`);
      // The steps changed the loss: the comparison compares training, not initial values.
      expect(cpu.losses[2]).not.toBe(cpu.losses[0]);
      webgpu.losses.forEach((l, i) => expect(Math.abs(l - (cpu.losses[i] as number)), `loss ${i}: cpu ${cpu.losses[i]} webgpu ${l}`).toBeLessThanOrEqual(1e-4 * Math.abs(cpu.losses[i] as number)));
      const { worstRelative, detail } = compareResults(
        { arrays: cpu.weights.map((values, i) => ({ name: `weight ${i}`, values })) },
        { arrays: webgpu.weights.map((values, i) => ({ name: `weight ${i}`, values })) },
        `${id} trained`,
      );
      expect(worstRelative, detail).toBeLessThanOrEqual(BACKEND_TOLERANCE);
    });
  });

  it('the run loop itself (Trainer with its asynchronous reads, validation, test) gives the same curve as on cpu', async () => {
    expect(adapter(), 'no WebGPU adapter').not.toBeNull();
    const g = new GraphBuilder('moons on webgpu');
    const x = g.add('Input', { shape: [2], feature: 'point' });
    const h = g.add('Dense', { units: 16, activation: 'tanh' }, x, 'hidden');
    const o = g.add('Dense', { units: 2 }, g.add('Dropout', { rate: 0.1 }, h), 'logits');
    g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
    g.training({ dataset: { id: 'moons', options: {} }, learningRate: 0.02, batchSize: 32, epochs: 3, seed: 9 });
    const graph = g.build();
    const dataset = await loadDataset('moons', NO_FILES);
    async function run(backend: string) {
      expect(await tf.setBackend(backend)).toBe(true);
      const compiled = compileSeeded(graph);
      try {
        const result = await runTraining(graph, compiled, dataset, { backend, limit: 320 });
        result.trainer.dispose();
        return result;
      } finally {
        compiled.model.dispose();
      }
    }
    const cpu = await run('cpu');
    const webgpu = await run('webgpu');
    const curve = (r: typeof cpu) => r.epochs.map((e) => e.loss);
    console.log(`moons run loop: epoch losses cpu ${curve(cpu).join(', ')}; webgpu ${curve(webgpu).join(', ')}`);
    expect(webgpu.status).toBe('completed');
    expect(curve(cpu)[2]).toBeLessThan(curve(cpu)[0] as number);
    curve(webgpu).forEach((l, i) => expect(Math.abs(l - (curve(cpu)[i] as number))).toBeLessThanOrEqual(1e-4 * Math.abs(curve(cpu)[i] as number)));
    expect(Math.abs((webgpu.test?.loss ?? NaN) - (cpu.test?.loss ?? NaN))).toBeLessThanOrEqual(1e-4 * Math.abs(cpu.test?.loss ?? 1));
    expect(webgpu.test?.metrics.accuracy).toBe(cpu.test?.metrics.accuracy);
  }, 120_000);
});
