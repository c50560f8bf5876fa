/**
 * BatchNorm in training mode, PyTorch against tfjs: the batch statistics that normalise and the
 * moving statistics one step leaves (Keras momentum m ≙ PyTorch 1 - m; Keras updates the moving
 * variance with the biased batch variance, PyTorch's nn.BatchNorm with the unbiased one).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { compileSeeded } from '../../../core/engine/run';
import { buildPytorchProject } from '../../../core/export/pytorch';
import { analyzeGraph, GraphBuilder } from '../../../core/graph';
import { PYTHON, skipReason } from './pytorch-oracle';

const why = skipReason();

describe.skipIf(why !== null)('BatchNorm training step, checked by PyTorch', () => {
  it('normalises with the batch statistics and moves the running ones as tfjs does', async () => {
    await tf.setBackend('cpu');
    const g = new GraphBuilder('bn');
    const x = g.add('Input', { shape: [4], feature: 'x' }, undefined, 'x');
    const bn = g.add('BatchNorm', { momentum: 0.9, epsilon: 0.01 }, x, 'bn');
    const target = g.add('Input', { shape: [4], feature: 'target' }, undefined, 'target');
    g.add('MeanSquaredError', {}, { prediction: bn, target });
    const graph = g.build();
    const rows = 6;
    const input = Array.from({ length: rows * 4 }, (_, i) => Math.sin(1.3 * i) * (1 + (i % 4)) + (i % 4));

    const compiled = compileSeeded(graph);
    const before = tf.memory().numTensors;
    const layer = (compiled.model as LayersModel).getLayer(compiled.layerNames.get('bn') ?? 'bn');
    const out = tf.tidy(() => (layer.apply(tf.tensor2d(input, [rows, 4]), { training: true }) as tf.Tensor).arraySync() as number[][]);
    const weights = Object.fromEntries(layer.weights.map((w) => [w.name.split('/').at(-1) ?? w.name, Array.from(w.read().dataSync())]));
    expect(tf.memory().numTensors).toBe(before);
    compiled.model.dispose();

    const dir = mkdtempSync(join(tmpdir(), 'netwright-pt-bn-'));
    const project = buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights: null });
    for (const [path, bytes] of project.files) writeFileSync(join(dir, path), bytes);
    const script = `import json, sys, torch, model
torch.manual_seed(0)
net = model.Model().train()
y = net.bn(torch.tensor(json.loads(sys.argv[1]), dtype=torch.float32).reshape(${rows}, 4))
print(json.dumps({"out": y.tolist(), "mean": net.bn.running_mean.tolist(), "var": net.bn.running_var.tolist()}))`;
    const torchSide = JSON.parse(execFileSync(PYTHON, ['-c', script, JSON.stringify(input)], { cwd: dir, encoding: 'utf8' })) as { out: number[][]; mean: number[]; var: number[] };
    const close = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number))));
    expect(close(torchSide.out.flat(), out.flat())).toBeLessThan(1e-5);
    expect(close(torchSide.mean, weights['moving_mean'] ?? [])).toBeLessThan(1e-5);
    expect(close(torchSide.var, weights['moving_variance'] ?? [])).toBeLessThan(1e-5);
  });
});
