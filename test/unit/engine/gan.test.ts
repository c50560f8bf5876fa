/**
 * GANs: alternating phases (each trains its own weights with its own optimizer, the others held
 * bitwise fixed), one set of discriminator weights applied twice, seeded noise, the GAN losses
 * against binary cross-entropy and closed forms, and the 2-D template moving its samples onto the
 * moons (MMD² between generated and real points).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { binaryCrossentropyPerElement } from '../../../core/catalogue/layers/losses/binary-crossentropy';
import { ganDiscriminatorLoss, ganGeneratorLoss, GAN_FORMULATIONS } from '../../../core/catalogue/layers/losses/gan';
import { drawNoise } from '../../../core/catalogue/layers/generative/noise';
import { loadDataset, NO_FILES } from '../../../core/data';
import { mmd2, nodeOutputRows } from '../../../core/engine/gan';
import { compileSeeded, runTraining } from '../../../core/engine/run';
import { SeededScope } from '../../../core/engine/seeded';
import { Trainer } from '../../../core/engine/trainer';
import { analyzeGraph, parseGraphText, serializeGraph, type GraphDocument } from '../../../core/graph';
import { effectivePhases } from '../../../core/graph/phases';
import { getTemplate } from '../../../core/templates';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function gan2d(edit: (g: GraphDocument) => void = () => {}): GraphDocument {
  const graph = getTemplate('gan-2d')?.build() as GraphDocument;
  edit(graph);
  return graph;
}

const GENERATOR = ['g_hidden1', 'g_hidden2', 'generated'];
const DISCRIMINATOR = ['d_hidden1', 'd_hidden2', 'd_score'];

async function realBatch(graph: GraphDocument, size: number, split: 'train' | 'test' = 'train'): Promise<tf.Tensor2D> {
  const dataset = await loadDataset('moons', NO_FILES, graph.training.dataset?.options ?? {});
  const batch = dataset[split].gather(Uint32Array.from({ length: size }, (_, i) => i));
  return tf.tensor2d(Float32Array.from((batch.features.point as { data: Float32Array }).data), [size, 2]);
}

/** name -> values of every weight of the model. */
function weightValues(trainer: Trainer): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const layer of trainer.compiled.model.layers) for (const w of layer.weights) out.set(w.name, w.read().dataSync() as Float32Array);
  return out;
}

function namesOf(nodes: readonly string[], names: readonly string[]): string[] {
  return names.filter((n) => nodes.some((node) => n.startsWith(`${node}/`) || n.startsWith(`${node}_shared/`)));
}

describe('GAN losses', () => {
  const real = tf.tensor2d([[2.5], [-1], [0.3], [40]]);
  const fake = tf.tensor2d([[-3], [0.7], [-40], [0]]);
  const mean = (t: tf.Tensor) => tf.mean(t).arraySync() as number;
  const value = (s: tf.Scalar) => {
    const v = s.arraySync();
    s.dispose();
    return v;
  };

  it('are binary cross-entropy on logits for minimax and non-saturating', () => {
    const bceReal1 = mean(binaryCrossentropyPerElement(real, tf.onesLike(real), true));
    const bceFake0 = mean(binaryCrossentropyPerElement(fake, tf.zerosLike(fake), true));
    const bceFake1 = mean(binaryCrossentropyPerElement(fake, tf.onesLike(fake), true));
    for (const f of ['minimax', 'non-saturating'] as const) expect(value(ganDiscriminatorLoss(real, fake, f))).toBeCloseTo(bceReal1 + bceFake0, 5);
    // minimax G minimises log(1 - D(G(z))) = -BCE(fake, 0); non-saturating minimises -log D(G(z)) = BCE(fake, 1).
    expect(value(ganGeneratorLoss(fake, 'minimax'))).toBeCloseTo(-bceFake0, 5);
    expect(value(ganGeneratorLoss(fake, 'non-saturating'))).toBeCloseTo(bceFake1, 5);
    // Finite at saturated logits (|x| = 40).
    for (const f of GAN_FORMULATIONS) expect(Number.isFinite(value(ganDiscriminatorLoss(real, fake, f)))).toBe(true);
  });

  it('match the closed forms of least-squares and Wasserstein', () => {
    const r = [2.5, -1, 0.3, 40];
    const f = [-3, 0.7, -40, 0];
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(value(ganDiscriminatorLoss(real, fake, 'least-squares'))).toBeCloseTo(0.5 * (avg(r.map((x) => (x - 1) ** 2)) + avg(f.map((x) => x * x))), 3);
    expect(value(ganGeneratorLoss(fake, 'least-squares'))).toBeCloseTo(0.5 * avg(f.map((x) => (x - 1) ** 2)), 4);
    expect(value(ganDiscriminatorLoss(real, fake, 'wasserstein'))).toBeCloseTo(avg(f) - avg(r), 5);
    expect(value(ganGeneratorLoss(fake, 'wasserstein'))).toBeCloseTo(-avg(f), 5);
  });
});

describe('Noise', () => {
  it('draws [batch, size] repeatably from the seed, normal or uniform', () => {
    const draw = (seed: number, d: 'normal' | 'uniform') => new SeededScope(seed).run(() => {
      const t = drawNoise(500, 4, d);
      const v = t.dataSync() as Float32Array;
      t.dispose();
      return Array.from(v);
    });
    const a = draw(3, 'normal');
    expect(draw(3, 'normal')).toEqual(a);
    expect(draw(4, 'normal')).not.toEqual(a);
    const m = a.reduce((s, x) => s + x, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length);
    expect(Math.abs(m)).toBeLessThan(0.1);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
    const u = draw(3, 'uniform');
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThanOrEqual(1);
    expect(Math.min(...u)).toBeLessThan(-0.95);
  });

  it('takes its batch size from the tensor at its batch input', async () => {
    const graph = gan2d();
    const compiled = compileSeeded(graph);
    const x = await realBatch(graph, 7);
    const rows = nodeOutputRows(compiled, graph, [x], 'noise');
    expect(rows).toHaveLength(7);
    expect(rows[0]).toHaveLength(8);
    x.dispose();
    compiled.model.dispose();
  });
});

describe('a GAN graph', () => {
  it('has one set of discriminator weights, applied to real and generated points', async () => {
    const graph = gan2d();
    const analysis = analyzeGraph(graph);
    expect(analysis.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(analysis.nodes.get('d_hidden1_fake')?.sharedFrom).toBe('d_hidden1');
    expect(analysis.nodes.get('d_hidden1_fake')?.params.trainable).toBe(0);
    const compiled = compileSeeded(graph);
    // G: 8*64+64 + 64*64+64 + 64*2+2; D: 2*64+64 + 64*64+64 + 64+1: each weight once.
    expect(compiled.model.countParams()).toBe(4866 + 4417);
    expect(analysis.totals.trainable).toBe(4866 + 4417);
    const names = compiled.model.trainableWeights.map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(12);
    // The same weights: the discriminator copy on generated points gives the real copy's scores
    // when given the same points (here: the generator's output through both).
    const x = await realBatch(graph, 16);
    const generated = nodeOutputRows(compiled, graph, [x], 'generated');
    const g = tf.tensor2d(generated);
    const onReal = nodeOutputRows(compiled, graph, [g], 'd_score');
    const onFake = new SeededScope(1).run(() => nodeOutputRows(compiled, graph, [x], 'd_score_fake'));
    const generatedAgain = new SeededScope(1).run(() => nodeOutputRows(compiled, graph, [x], 'generated'));
    const replay = tf.tensor2d(generatedAgain);
    const onRealReplay = nodeOutputRows(compiled, graph, [replay], 'd_score');
    expect(onFake).toEqual(onRealReplay);
    expect(onReal).toHaveLength(16);
    tf.dispose([x, g, replay]);
    compiled.model.dispose();
  });

  it('trains each phase with its own weights and optimizer, the other held bitwise fixed', async () => {
    const graph = gan2d((g) => {
      for (const p of g.training.phases ?? []) p.optimizer = 'adam';
    });
    const compiled = compileSeeded(graph);
    const [dPhase, gPhase] = effectivePhases(graph.training);
    const d = new Trainer(compiled, graph.training, { phase: dPhase });
    const gen = new Trainer(compiled, graph.training, { phase: gPhase });
    expect(d.optimizer).not.toBe(gen.optimizer);
    const x = await realBatch(graph, 64);
    const all = [...weightValues(d).keys()];
    const dNames = namesOf(DISCRIMINATOR, all);
    const gNames = namesOf(GENERATOR, all);
    expect(dNames).toHaveLength(6);
    expect(gNames).toHaveLength(6);
    expect(d.trainedVariables.map((v) => v.name).sort()).toEqual([...dNames].sort());
    expect(gen.trainedVariables.map((v) => v.name).sort()).toEqual([...gNames].sort());

    for (const [trainer, moved, fixed] of [[d, dNames, gNames], [gen, gNames, dNames], [d, dNames, gNames]] as const) {
      const before = weightValues(trainer);
      const step = new SeededScope(9).run(() => trainer.trainStep([x]));
      expect(step.nonFinite).toBeNull();
      const after = weightValues(trainer);
      for (const name of fixed) expect(Buffer.from((after.get(name) as Float32Array).buffer).equals(Buffer.from((before.get(name) as Float32Array).buffer))).toBe(true);
      for (const name of moved) expect(after.get(name)).not.toEqual(before.get(name));
      expect(Object.keys(step.losses)).toEqual([trainer === d ? 'd_loss' : 'g_loss']);
    }
    // Separate optimizer state: Adam's moments of each phase cover its own variables only.
    const slots = (t: Trainer) => t.optimizer.getWeights().then((ws) => ws.map((w) => w.name));
    const dSlots = await slots(d);
    const gSlots = await slots(gen);
    expect(dSlots.some((n) => n.includes('d_hidden1'))).toBe(true);
    expect(dSlots.some((n) => n.includes('g_hidden1'))).toBe(false);
    expect(gSlots.some((n) => n.includes('g_hidden1'))).toBe(true);
    expect(gSlots.some((n) => n.includes('d_hidden1'))).toBe(false);
    d.dispose();
    gen.dispose();
    x.dispose();
    compiled.model.dispose();
  });

  it('clips the weights a phase updates when it says so (WGAN critic)', async () => {
    const graph = gan2d((g) => {
      const [dPhase] = g.training.phases ?? [];
      if (dPhase) dPhase.clipWeights = 0.01;
    });
    const compiled = compileSeeded(graph);
    const [dPhase] = effectivePhases(graph.training);
    const d = new Trainer(compiled, graph.training, { phase: dPhase });
    const x = await realBatch(graph, 32);
    new SeededScope(2).run(() => d.trainStep([x]));
    for (const v of d.trainedVariables) expect(Math.max(...Array.from(v.dataSync() as Float32Array, Math.abs))).toBeLessThanOrEqual(0.01 + 1e-7);
    const g = compiled.model.trainableWeights.find((w) => w.name.startsWith('g_hidden1/kernel'));
    expect(Math.max(...Array.from(g?.read().dataSync() as Float32Array, Math.abs))).toBeGreaterThan(0.01);
    d.dispose();
    x.dispose();
    compiled.model.dispose();
  });

  it('saves and reopens with its sharing and phases', () => {
    const graph = gan2d();
    const text = serializeGraph(graph);
    const reread = parseGraphText(text);
    expect(reread.ok).toBe(true);
    if (!reread.ok) return;
    expect(reread.graph).toEqual(graph);
    expect(serializeGraph(reread.graph)).toBe(text);
    expect(reread.graph.nodes.find((n) => n.id === 'd_score_fake')?.shares).toBe('d_score');
  });
});

describe("a phase's Adam beta1", () => {
  it('is 0.9 (Keras) for a phase written without it, and the DCGAN templates train both networks with 0.5', () => {
    const text = serializeGraph(gan2d());
    const old = JSON.parse(text) as { training: { phases: Record<string, unknown>[] } };
    for (const p of old.training.phases) delete p.beta1;
    const reread = parseGraphText(JSON.stringify(old));
    expect(reread.ok).toBe(true);
    if (!reread.ok) return;
    expect(reread.graph.training.phases?.map((p) => p.beta1)).toEqual([0.9, 0.9]);
    const bad = JSON.parse(text) as { training: { phases: Record<string, unknown>[] } };
    (bad.training.phases[1] as Record<string, unknown>).beta1 = 1;
    const refused = parseGraphText(JSON.stringify(bad));
    expect(refused.ok ? [] : refused.errors.map((e) => e.path)).toEqual(['$.training.phases[1].beta1']);

    for (const [id, learningRate] of [['dcgan-mnist', 0.001], ['dcgan-fashion-mnist', 0.001], ['cgan-mnist', 0.001]] as const) {
      const graph = getTemplate(id)?.build() as GraphDocument;
      const compiled = compileSeeded(graph);
      const trainers = effectivePhases(graph.training).map((phase) => new Trainer(compiled, graph.training, { phase }));
      expect(trainers.map((t) => t.optimizer.getConfig())).toEqual([0, 1].map(() => expect.objectContaining({ learningRate, beta1: 0.5, beta2: 0.999 })));
      trainers.forEach((t) => t.dispose());
      compiled.model.dispose();
    }
  });
});

describe('a GAN run', () => {
  it('repeats exactly with the same seed, reports both losses and D(x), D(G(z)), and frees its tensors', async () => {
    const graph = gan2d((g) => (g.training.epochs = 2));
    const dataset = await loadDataset('moons', NO_FILES, graph.training.dataset?.options ?? {});
    const once = async () => {
      const compiled = compileSeeded(graph);
      const result = await runTraining(graph, compiled, dataset, { backend: 'cpu' });
      const weights = compiled.model.getWeights().map((w) => Array.from(w.dataSync()));
      result.trainer.dispose();
      compiled.model.dispose();
      return { result, weights };
    };
    const before = tf.memory().numTensors;
    const a = await once();
    expect(tf.memory().numTensors).toBe(before);
    const b = await once();
    expect(b.weights).toEqual(a.weights);
    expect(b.result.epochs.map((e) => e.losses)).toEqual(a.result.epochs.map((e) => e.losses));
    const epoch = a.result.epochs[1];
    expect(Object.keys(epoch?.losses ?? {}).sort()).toEqual(['d_loss', 'g_loss']);
    expect(Object.keys(epoch?.metrics ?? {}).sort()).toEqual(['D(G(z))', 'D(x)']);
    expect(a.result.bestEpoch).toBeNull();
  });
});

describe('the 2-D GAN template', () => {
  it('moves its samples onto the moons: MMD² to real points falls by more than 4x in its 10 seeded epochs', async () => {
    const graph = gan2d();
    expect(graph.training.epochs).toBe(10);
    const dataset = await loadDataset('moons', NO_FILES, graph.training.dataset?.options ?? {});
    const compiled = compileSeeded(graph);
    const real = await realBatch(graph, 400, 'test');
    const realRows = real.arraySync();
    // The same noise (a fixed scope) for every measurement; bandwidth 0.3 of the moons' ~1 radius.
    const distance = () => mmd2(new SeededScope(5).run(() => nodeOutputRows(compiled, graph, [real], 'generated')), realRows, 0.3);
    const before = distance();
    const result = await runTraining(graph, compiled, dataset, { backend: 'cpu' });
    const after = distance();
    expect(result.status).toBe('completed');
    console.log(`gan-2d MMD² to the moons: ${before.toFixed(4)} before, ${after.toFixed(4)} after ${graph.training.epochs} epochs (${(before / after).toFixed(1)}x)`);
    expect(before).toBeGreaterThan(0.3);
    expect(after).toBeLessThan(before / 4);
    result.trainer.dispose();
    real.dispose();
    compiled.model.dispose();
  }, 300_000);
});
