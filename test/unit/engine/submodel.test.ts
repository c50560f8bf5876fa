/**
 * A sub-model compiled alone computes what its part computes in the whole model: checked against
 * tfjs models built directly for the part (the VAE decoders, the GAN generator) with the whole
 * model's weights, and against the whole model itself (the GAN discriminator on real points,
 * whose weights the whole model holds in a shared nested model). Parameter counts equal the
 * nodes' counts; every tensor is freed.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSeeded } from '../../../core/engine/run';
import { compileSubmodel } from '../../../core/engine/submodel';
import { analyzeGraph, type GraphDocument } from '../../../core/graph';
import { getTemplate } from '../../../core/templates';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function template(id: string): GraphDocument {
  const graph = getTemplate(id)?.build();
  if (!graph) throw new Error(`no template ${id}`);
  return graph;
}

/** Random values in every weight (zero biases would hide a bias put in the wrong place). */
function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  tf.tidy(() => {
    model.weights.forEach((w, i) => w.write(tf.randomUniform(w.shape as number[], -0.3, 0.3, 'float32', seed + i)));
  });
}

/** The weights of the whole model's layer with this name (kernel, bias...). */
function layerWeights(model: tfl.LayersModel, name: string): tf.Tensor[] {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) throw new Error(`no layer ${name}`);
  return layer.getWeights();
}

function maxRelativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.div(tf.abs(tf.sub(a, b)), tf.add(tf.abs(b), 1e-6))).dataSync()[0] as number);
}

function memberCount(graph: GraphDocument, name: string): number {
  const analysis = analyzeGraph(graph);
  const members = graph.submodels?.find((s) => s.name === name)?.nodes ?? [];
  return members.reduce((n, id) => n + (analysis.nodes.get(id)?.params.trainable ?? 0) + (analysis.nodes.get(id)?.params.nonTrainable ?? 0), 0);
}

describe('compileSubmodel', () => {
  it('the MLP VAE decoder equals a tfjs Sequential built for it with the same weights', () => {
    const graph = template('vae-mlp-mnist');
    const before = tf.memory().numTensors;
    const whole = compileSeeded(graph);
    randomizeWeights(whole.model, 11);
    const { compiled, extracted } = compileSubmodel(graph, 'decoder', whole);
    expect(compiled.model.inputs.map((t) => t.shape)).toEqual([[null, 20]]);
    expect(compiled.model.outputs.map((t) => t.shape)).toEqual([[null, 784]]);
    expect(extracted.interface.outputs).toEqual([{ node: 'reconstruction', port: 'out' }]);

    const oracle = tfl.sequential({
      layers: [tfl.layers.dense({ units: 350, activation: 'relu', inputShape: [20] }), tfl.layers.dense({ units: 784 })],
    });
    oracle.setWeights([...layerWeights(whole.model, 'decoder'), ...layerWeights(whole.model, 'reconstruction')]);
    expect(compiled.model.countParams()).toBe(oracle.countParams());
    expect(compiled.model.countParams()).toBe(memberCount(graph, 'decoder'));

    const z = tf.randomNormal([5, 20], 0, 1, 'float32', 3);
    const ours = compiled.model.predict(z) as tf.Tensor;
    const theirs = oracle.predict(z) as tf.Tensor;
    expect(maxRelativeDifference(ours, theirs)).toBeLessThan(1e-5);
    tf.dispose([z, ours, theirs]);
    oracle.dispose();
    compiled.model.dispose();
    whole.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the convolutional VAE decoder (Dense, Reshape, three Conv2DTranspose) equals its tfjs model', () => {
    const graph = template('vae-conv-mnist');
    const whole = compileSeeded(graph);
    randomizeWeights(whole.model, 29);
    const { compiled } = compileSubmodel(graph, 'decoder', whole);
    const oracle = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 7 * 7 * 64, activation: 'relu', inputShape: [2] }),
        tfl.layers.reshape({ targetShape: [7, 7, 64] }),
        tfl.layers.conv2dTranspose({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tfl.layers.conv2dTranspose({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tfl.layers.conv2dTranspose({ filters: 1, kernelSize: 3, padding: 'same' }),
      ],
    });
    oracle.setWeights(['decoder', 'upconv1', 'upconv2', 'reconstruction'].flatMap((n) => layerWeights(whole.model, n)));
    expect(compiled.model.countParams()).toBe(oracle.countParams());
    expect(compiled.model.countParams()).toBe(memberCount(graph, 'decoder'));
    const z = tf.randomNormal([3, 2], 0, 1, 'float32', 5);
    const ours = compiled.model.predict(z) as tf.Tensor;
    const theirs = oracle.predict(z) as tf.Tensor;
    expect(ours.shape).toEqual([3, 28, 28, 1]);
    expect(maxRelativeDifference(ours, theirs)).toBeLessThan(1e-5);
    tf.dispose([z, ours, theirs]);
    oracle.dispose();
    compiled.model.dispose();
    whole.model.dispose();
  });

  it('the GAN generator takes noise as its input and equals Dense + LeakyReLU(0.3) layers built directly', () => {
    const graph = template('gan-2d');
    const whole = compileSeeded(graph);
    randomizeWeights(whole.model, 41);
    const { compiled } = compileSubmodel(graph, 'generator', whole);
    expect(compiled.model.inputs.map((t) => [t.name.replace(/_\d+$/, ''), t.shape])).toEqual([['noise', [null, 8]]]);
    const oracle = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 64, inputShape: [8] }),
        tfl.layers.leakyReLU({ alpha: 0.3 }),
        tfl.layers.dense({ units: 64 }),
        tfl.layers.leakyReLU({ alpha: 0.3 }),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    oracle.setWeights(['g_hidden1', 'g_hidden2', 'generated'].flatMap((n) => layerWeights(whole.model, n)));
    expect(compiled.model.countParams()).toBe(oracle.countParams());
    expect(compiled.model.countParams()).toBe(memberCount(graph, 'generator'));
    const noise = tf.randomNormal([16, 8], 0, 1, 'float32', 9);
    const ours = compiled.model.predict(noise) as tf.Tensor;
    const theirs = oracle.predict(noise) as tf.Tensor;
    expect(maxRelativeDifference(ours, theirs)).toBeLessThan(1e-5);
    tf.dispose([noise, ours, theirs]);
    oracle.dispose();
    compiled.model.dispose();
    whole.model.dispose();
  });

  it("the GAN discriminator alone gives the whole model's D(x) on the same real points (weights from the shared nested model)", () => {
    const graph = template('gan-2d');
    const whole = compileSeeded(graph);
    randomizeWeights(whole.model, 53);
    const { compiled } = compileSubmodel(graph, 'discriminator', whole);
    expect(compiled.model.countParams()).toBe(memberCount(graph, 'discriminator'));
    expect(compiled.model.countParams()).toBe(2 * 64 + 64 + 64 * 64 + 64 + 64 + 1);
    const dReal = whole.outputs.findIndex((o) => o.nodeId === 'd_score');
    expect(dReal).toBeGreaterThanOrEqual(0);
    const points = tf.randomUniform([32, 2], -1, 2, 'float32', 4);
    const outs = whole.model.predict(points) as tf.Tensor[];
    const ours = compiled.model.predict(points) as tf.Tensor;
    expect(maxRelativeDifference(ours, outs[dReal] as tf.Tensor)).toBeLessThan(1e-5);
    tf.dispose([points, ours, ...outs]);
    compiled.model.dispose();
    whole.model.dispose();
  });

  it('without a whole model it compiles with seeded initial weights; a node whose weights differ is named', () => {
    const graph = template('vae-mlp-mnist');
    const a = compileSubmodel(graph, 'decoder');
    const b = compileSubmodel(graph, 'decoder');
    const wa = a.compiled.model.getWeights().map((t) => Array.from(t.dataSync()));
    const wb = b.compiled.model.getWeights().map((t) => Array.from(t.dataSync()));
    expect(wa).toEqual(wb);
    a.compiled.model.dispose();
    b.compiled.model.dispose();
    const other = structuredClone(graph);
    (other.nodes.find((n) => n.id === 'decoder') as { params: Record<string, unknown> }).params.units = 300;
    const whole = compileSeeded(other);
    expect(() => compileSubmodel(graph, 'decoder', whole)).toThrow(/kernel of node "decoder" is \[20, 350\] in the sub-model but \[20, 300\] in the whole model/);
    whole.model.dispose();
  });
});
