/**
 * The GAN views through the registry, against oracles: the generator part fed the noise the whole
 * model drew gives the model's own samples; the discriminator part gives the real-branch scores of
 * the shared discriminator; the generator's pull is minus the finite-difference gradient of the
 * generator's loss; the game's losses are the loss declarations' closed forms on those scores; a
 * generator whose output ignores its noise is reported as mode collapse. Also a tiny image GAN
 * built here (views work for image generators), and every view leaves the tensor count flat.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, NO_FILES } from '../../../core/data';
import type { Dataset } from '../../../core/data/types';
import { compileGraph, inspectionModel } from '../../../core/engine/compile';
import { gradientPenalty } from '../../../core/engine/gradient-penalty';
import { mixSeed } from '../../../core/data/random';
import { ganRoles, nodeOutputRows } from '../../../core/engine/gan';
import { compileSeeded } from '../../../core/engine/run';
import { SeededScope } from '../../../core/engine/seeded';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import { discriminatorWinsOutright, fixedNoise, generate, meanPairwiseDistance, MODE_COLLAPSE_RATIO, verdicts } from '../../../core/inspect/gan';
import { availableViews, computeView, viewPicture, viewTransferables } from '../../../core/inspect/registry';
import { InspectionSession } from '../../../core/inspect/session';
import type { InspectRequest } from '../../../core/inspect/types';
import { gridPoints } from '../../../core/inspect/views/gan';
import { getTemplate } from '../../../core/templates';
import { floatFeature, memoryDataset } from './memory-dataset';

let moons: Dataset;
let session: InspectionSession;
let graph: GraphDocument;
let tensorsBefore: number;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tensorsBefore = tf.memory().numTensors;
  graph = getTemplate('gan-2d')?.build() as GraphDocument;
  moons = await loadDataset('moons', NO_FILES, graph.training.dataset?.options ?? {});
  session = new InspectionSession(graph, compileSeeded(graph), moons);
});

afterAll(() => {
  session.dispose();
  // Every tensor the compile and the views made is given back.
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The real branch's discriminator scores (d_score) of points: the oracle of the shared weights. */
function realBranchScores(points: number[][]): number[] {
  const x = tf.tensor2d(points);
  try {
    return nodeOutputRows(session.compiled, graph, [x], 'd_score').map((r) => r[0] as number);
  } finally {
    x.dispose();
  }
}

/** Computes a view 1 + 3 times: the tensor count after the first call holds. */
function computeFlat(request: InspectRequest, on: InspectionSession = session) {
  const first = computeView(on, request);
  const count = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) computeView(on, request);
  expect(tf.memory().numTensors, request.kind).toBe(count);
  return first;
}

describe('the GAN in a graph', () => {
  it("finds gan-2d's noise, generator output, real Input and the score of generated points", () => {
    const roles = ganRoles(graph, session.compiled);
    expect(roles).toMatchObject({ noiseNodeId: 'noise', noiseSize: 8, distribution: 'normal', generated: { nodeId: 'generated', port: 'out' }, realInput: 'real', fakeScore: { nodeId: 'd_score_fake', port: 'out' }, formulation: 'non-saturating', sampleShape: [2] });
    expect(availableViews(session)).toEqual(expect.arrayContaining(['gan-samples', 'gan-field', 'gan-game', 'gan-interpolate']));
  });

  it('is not found in a graph without noise (no GAN view offered)', () => {
    const g = new GraphBuilder('plain');
    const x = g.add('Input', { shape: [2], feature: 'point' }, undefined, 'x');
    const y = g.add('Dense', { units: 2 }, x, 'y');
    g.add('MeanSquaredError', {}, { prediction: y, target: x }, 'mse');
    const plain = new InspectionSession(g.build(), compileGraph(g.build()), moons);
    expect(availableViews(plain).filter((k) => k.startsWith('gan-'))).toEqual([]);
    plain.dispose();
  });
});

describe('generated samples', () => {
  it("are the model's own samples for the noise it drew (generator part = whole model)", () => {
    const x = tf.tensor2d(Array.from({ length: 12 }, (_, i) => [i / 10, -i / 10]));
    // The same seed draws the same noise: once read at the Noise node, once through the generator.
    const z = new SeededScope(7).run(() => nodeOutputRows(session.compiled, graph, [x], 'noise'));
    const expected = new SeededScope(7).run(() => nodeOutputRows(session.compiled, graph, [x], 'generated'));
    x.dispose();
    const got = generate(session, z);
    expect(got.n).toBe(12);
    expect(got.shape).toEqual([2]);
    expect(got.images).toBeNull();
    got.values.forEach((v, i) => expect(v).toBeCloseTo((expected[Math.floor(i / 2)] as number[])[i % 2] as number, 5));
  });

  it('come from a fixed noise batch: the same at every call, a prefix for fewer samples, from the seed', () => {
    const a = computeFlat({ kind: 'gan-samples', samples: 64 });
    const b = computeView(session, { kind: 'gan-samples', samples: 16 });
    if (a.kind !== 'gan-samples' || b.kind !== 'gan-samples') throw new Error('wrong kind');
    expect(Array.from(b.samples.values)).toEqual(Array.from(a.samples.values.subarray(0, 32)));
    expect(viewTransferables(a)).toEqual([a.samples.values.buffer]);
    const noise = fixedNoise(session, 4);
    expect(noise).toHaveLength(4);
    const other = new InspectionSession({ ...graph, training: { ...graph.training, seed: graph.training.seed + 1 } }, compileSeeded(graph), moons);
    expect(fixedNoise(other, 4)).not.toEqual(noise);
    other.dispose();
    expect(viewPicture(a).width).toBeGreaterThan(0);
  });
});

describe('the 2-D game', () => {
  it("shows D's verdict (the shared weights' real-branch scores, as probabilities) on a grid over every point", () => {
    const field = computeFlat({ kind: 'gan-field', samples: 100, grid: 12 });
    if (field.kind !== 'gan-field') throw new Error('wrong kind');
    expect(field.realCount).toBe(100);
    expect(field.generatedCount).toBe(100);
    expect(field.verdict).toBe('probability');
    for (const set of [field.real, field.generated]) {
      for (let i = 0; i < set.length; i += 2) {
        expect(set[i]).toBeGreaterThanOrEqual(field.bounds.xMin);
        expect(set[i]).toBeLessThanOrEqual(field.bounds.xMax);
        expect(set[i + 1]).toBeGreaterThanOrEqual(field.bounds.yMin);
        expect(set[i + 1]).toBeLessThanOrEqual(field.bounds.yMax);
      }
    }
    const grid = gridPoints(field.bounds, 12);
    const points = Array.from({ length: 144 }, (_, i) => [grid[i * 2] as number, grid[i * 2 + 1] as number]);
    // Row 0 is the top of the plane.
    expect(points[0]?.[1]).toBeGreaterThan(points[143]?.[1] as number);
    const oracle = realBranchScores(points).map(sigmoid);
    field.surface.forEach((v, i) => expect(v).toBeCloseTo(oracle[i] as number, 5));
    const picture = viewPicture(field);
    expect(picture.width).toBeGreaterThanOrEqual(256);
  });

  it("pulls each generated point along minus the gradient of the generator's loss (finite differences)", () => {
    const field = computeView(session, { kind: 'gan-field', samples: 8, grid: 4 });
    if (field.kind !== 'gan-field') throw new Error('wrong kind');
    // Small steps (leaky ReLU has kinks that larger ones cross): within 1e-4 + 2%.
    const eps = 1e-4;
    // Per point, the non-saturating generator loss softplus(-D(p)); the view scales the batch mean by n.
    const loss = (p: number[]) => softplus(-(realBranchScores([p])[0] as number));
    let checked = 0;
    for (let i = 0; i < field.generatedCount; i++) {
      const p = [field.generated[i * 2] as number, field.generated[i * 2 + 1] as number];
      for (let k = 0; k < 2; k++) {
        const up = [...p];
        const down = [...p];
        up[k] = (up[k] as number) + eps;
        down[k] = (down[k] as number) - eps;
        const numeric = -(loss(up) - loss(down)) / (2 * eps);
        expect(Math.abs((field.pull[i * 2 + k] as number) - numeric)).toBeLessThan(1e-4 + 0.02 * Math.abs(numeric));
        if (Math.abs(numeric) > 1e-3) checked++;
      }
    }
    expect(checked).toBeGreaterThan(4);
  });
});

describe('the game in numbers', () => {
  it("reports D(x), D(G(z)) and both losses as the loss declarations compute them on D's scores", () => {
    const game = computeFlat({ kind: 'gan-game', samples: 50 });
    if (game.kind !== 'gan-game') throw new Error('wrong kind');
    const split = session.inspectionSplit();
    const real = split.gather(Array.from({ length: 50 }, (_, i) => i)).features.point?.data as Float32Array;
    const realRows = Array.from({ length: 50 }, (_, i) => [real[i * 2] as number, real[i * 2 + 1] as number]);
    const r = realBranchScores(realRows);
    const gen = generate(session, fixedNoise(session, 50));
    const f = realBranchScores(Array.from({ length: 50 }, (_, i) => [gen.values[i * 2] as number, gen.values[i * 2 + 1] as number]));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(game.dReal).toBeCloseTo(mean(r.map(sigmoid)), 5);
    expect(game.dFake).toBeCloseTo(mean(f.map(sigmoid)), 5);
    expect(game.losses['d_loss']).toBeCloseTo(mean(r.map((x) => softplus(-x))) + mean(f.map((x) => softplus(x))), 4);
    expect(game.losses['g_loss']).toBeCloseTo(mean(f.map((x) => softplus(-x))), 4);
    expect(game.diversity.ratio).toBeCloseTo(game.diversity.generated / game.diversity.real, 6);
  });

  it("shows a WGAN-GP critic's gradient penalty on its own, the term its loss includes: lambda times the penalty at the run's seed", () => {
    const gp = getTemplate('gan-2d')?.build() as GraphDocument;
    for (const node of gp.nodes) if (node.type === 'GANDiscriminatorLoss' || node.type === 'GANGeneratorLoss') node.params['formulation'] = 'wasserstein-gp';
    const lambda = Number(gp.nodes.find((n) => n.id === 'd_loss')?.params['penalty']);
    const gpSession = new InspectionSession(gp, compileSeeded(gp), moons);
    try {
      const game = computeFlat({ kind: 'gan-game', samples: 40 }, gpSession);
      if (game.kind !== 'gan-game') throw new Error('wrong kind');
      const penalty = game.gradientPenalty['d_loss'] as number;
      expect(Object.keys(game.gradientPenalty)).toEqual(['d_loss']);
      expect(penalty).toBeGreaterThan(0);
      // The critic's loss is the Wasserstein estimate plus that term (verdicts are raw scores).
      expect(game.losses['d_loss']).toBeCloseTo(game.dFake - game.dReal + penalty, 4);
      // The oracle: the penalty computed here from the critic (the real branch) at the same points
      // and interpolation weights is the view's GP divided by lambda.
      const split = gpSession.inspectionSplit();
      const realValues = Float32Array.from(split.gather(Array.from({ length: 40 }, (_, i) => i)).features.point?.data as Float32Array);
      const generated = generate(gpSession, fixedNoise(gpSession, 40)).values;
      const oracle = tf.tidy(() => {
        const realBranch = inspectionModel(gpSession.compiled, gp, [{ nodeId: 'd_score', port: 'out' }]).model;
        const critic = (x: tf.Tensor) => realBranch.apply(x, { training: false }) as tf.Tensor;
        const mix = new SeededScope(mixSeed(gp.training.seed, 0x6770)).run(() => tf.randomUniform([40, 1], 0, 1, 'float32', Math.floor(Math.random() * 2 ** 31)));
        return gradientPenalty(critic, tf.tensor2d(realValues, [40, 2]), tf.tensor2d(generated, [40, 2]), mix).dataSync()[0] as number;
      });
      expect(penalty).toBeCloseTo(lambda * oracle, 4);
    } finally {
      gpSession.dispose();
    }
  });

  it('mean pairwise distance: a 3-4-5 triangle averages 4', () => {
    expect(meanPairwiseDistance([0, 0, 3, 0, 0, 4], 3, 2)).toBeCloseTo(4, 10);
    expect(meanPairwiseDistance([1, 1], 1, 2)).toBe(0);
  });

  it('reports mode collapse when the generator ignores its noise (every sample the same point)', () => {
    const before = computeView(session, { kind: 'gan-game', samples: 100 });
    if (before.kind !== 'gan-game') throw new Error('wrong kind');
    expect(before.modeCollapse).toBe(before.diversity.ratio < MODE_COLLAPSE_RATIO);
    const layer = session.compiled.model.getLayer(session.compiled.layerNames.get('generated') as string);
    const saved = layer.getWeights().map((w) => w.clone());
    const zeroKernel = tf.zerosLike(saved[0] as tf.Tensor);
    layer.setWeights([zeroKernel, saved[1] as tf.Tensor]);
    const collapsed = computeView(session, { kind: 'gan-game', samples: 100 });
    layer.setWeights(saved);
    tf.dispose([...saved, zeroKernel]);
    if (collapsed.kind !== 'gan-game') throw new Error('wrong kind');
    expect(collapsed.diversity.generated).toBeLessThan(1e-6);
    expect(collapsed.modeCollapse).toBe(true);
  });

  it('the discriminator wins outright when D(G(z)) stays near 0 for the last 50 steps that measured it', () => {
    const low = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 0.01 : Number.NaN));
    expect(discriminatorWinsOutright([...Array(60).fill(0.4), ...Array(50).fill(0.02)], 'non-saturating')).toBe(true);
    expect(discriminatorWinsOutright([...Array(60).fill(0.02), 0.3, ...Array(49).fill(0.02)], 'non-saturating')).toBe(false);
    expect(discriminatorWinsOutright(low, 'minimax')).toBe(false); // only 30 measured
    expect(discriminatorWinsOutright(Array(50).fill(0.01), 'wasserstein')).toBe(false);
  });
});

describe('latent interpolation', () => {
  it('walks from one fixed noise vector to another: its ends are those vectors\' samples', () => {
    const walk = computeFlat({ kind: 'gan-interpolate', from: 2, to: 5, steps: 7 });
    if (walk.kind !== 'gan-interpolate') throw new Error('wrong kind');
    expect(walk.samples.n).toBe(7);
    const noise = fixedNoise(session, 6);
    const ends = generate(session, [noise[2] as number[], noise[5] as number[]]);
    expect(walk.samples.values[0]).toBeCloseTo(ends.values[0] as number, 5);
    expect(walk.samples.values[1]).toBeCloseTo(ends.values[1] as number, 5);
    expect(walk.samples.values[12]).toBeCloseTo(ends.values[2] as number, 5);
    expect(walk.samples.values[13]).toBeCloseTo(ends.values[3] as number, 5);
    expect(() => computeView(session, { kind: 'gan-interpolate', from: 0, to: 1, steps: 1 })).toThrow(/steps must be/);
  });
});

describe('an image GAN (4 x 4 grey images, built here)', () => {
  function imageGan(): GraphDocument {
    const g = new GraphBuilder('tiny image GAN');
    const image = g.add('Input', { shape: [4, 4, 1], feature: 'image' }, undefined, 'image');
    const z = g.add('Noise', { size: 3, distribution: 'uniform' }, { batch: image }, 'noise');
    const h = g.add('Dense', { units: 16, activation: 'sigmoid' }, z, 'g_dense');
    const generated = g.add('Reshape', { targetShape: [4, 4, 1] }, h, 'g_image');
    const flatReal = g.add('Flatten', {}, image, 'd_flat');
    const scoreReal = g.add('Dense', { units: 1 }, flatReal, 'd_score');
    const flatFake = g.add('Flatten', {}, generated, 'd_flat_fake');
    const scoreFake = g.add('Dense', { units: 1 }, flatFake, 'd_score_fake');
    g.share(scoreFake, scoreReal);
    g.add('GANDiscriminatorLoss', { formulation: 'least-squares' }, { real: scoreReal, fake: scoreFake }, 'd_loss');
    g.add('GANGeneratorLoss', { formulation: 'least-squares' }, { fake: scoreFake }, 'g_loss');
    return g.build();
  }

  it('offers samples, game and interpolation (not the plane), images in [0, 1] by the data range', () => {
    const graph4 = imageGan();
    const rows = Array.from({ length: 12 }, (_, i) => Array.from({ length: 16 }, (_, k) => ((i + k) % 5) / 4));
    const column = floatFeature('image', [4, 4, 1], rows);
    const data = memoryDataset({ id: 'tiny-images', task: 'image-classification', features: [{ ...column, spec: { ...column.spec, valueRange: [0, 1] } }], labels: [], train: [0, 1, 2, 3, 4, 5], validation: [6, 7, 8, 9, 10, 11] });
    const before = tf.memory().numTensors;
    const images = new InspectionSession(graph4, compileGraph(graph4), data);
    expect(ganRoles(graph4, images.compiled)).toMatchObject({ generated: { nodeId: 'g_image' }, realInput: 'image', sampleShape: [4, 4, 1], formulation: 'least-squares' });
    const kinds = availableViews(images).filter((k) => k.startsWith('gan-'));
    expect(kinds).toEqual(['gan-samples', 'gan-game', 'gan-interpolate']);
    const samples = computeFlat({ kind: 'gan-samples', samples: 9 }, images);
    if (samples.kind !== 'gan-samples') throw new Error('wrong kind');
    expect(samples.samples.images).toMatchObject({ n: 9, height: 4, width: 4, channels: 1 });
    // Sigmoid outputs are already in the data's [0, 1]: the images are the raw values.
    samples.samples.images?.values.forEach((v, i) => expect(v).toBeCloseTo(samples.samples.values[i] as number, 6));
    expect(viewPicture(samples).width).toBeGreaterThan(0);
    const game = computeFlat({ kind: 'gan-game', samples: 6 }, images);
    if (game.kind !== 'gan-game') throw new Error('wrong kind');
    expect(game.verdict).toBe('score');
    const onGenerated = verdicts(images, samples.samples.values.subarray(0, 6 * 16), 6);
    expect(game.dFake).toBeCloseTo(onGenerated.reduce((a, b) => a + b, 0) / 6, 5);
    // Least squares: the generator's loss is mean((f - 1)^2) / 2 on the raw scores.
    expect(game.losses['g_loss']).toBeCloseTo(Array.from(onGenerated).reduce((a, f) => a + (f - 1) ** 2, 0) / 12, 5);
    const walk = computeFlat({ kind: 'gan-interpolate', from: 0, to: 1, steps: 5 }, images);
    if (walk.kind !== 'gan-interpolate') throw new Error('wrong kind');
    expect(walk.samples.images?.n).toBe(5);
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
