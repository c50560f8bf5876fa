/**
 * A GAN's views: samples generated from the run's fixed noise ('gan-samples'), the game on a 2-D
 * plane ('gan-field': real and generated points, the discriminator's verdict everywhere, the
 * generator's pull on its points), the game's numbers ('gan-game': D(x), D(G(z)), both losses,
 * WGAN-GP's gradient penalty, diversity) and a walk between two noise vectors ('gan-interpolate').
 */
import * as tf from '@tensorflow/tfjs-core';
import { ganDiscriminatorLoss, ganGeneratorLoss } from '../../catalogue/layers/losses/gan';
import { ganRoles, verdictIsProbability } from '../../engine/gan';
import { portsWithRole } from '../../graph/port-roles';
import { fixedNoise, generate, generatorPull, gradientPenalties, meanPairwiseDistance, MODE_COLLAPSE_RATIO, rolesOf, verdicts } from '../gan';
import { imageTiles, planeTile, squareRows, type PlaneLayer, type Tile } from '../picture';
import { rowsOf, type InspectionSession } from '../session';
import type { GeneratedSamples, PlaneBounds } from '../types';
import { defineView } from '../view';

const REAL_COLOUR = [0.35, 0.65, 1] as const;
const GENERATED_COLOUR = [1, 0.55, 0.2] as const;

const isGan = (s: InspectionSession): boolean => ganRoles(s.graph, s.compiled) !== null;
const isGan2d = (s: InspectionSession): boolean => {
  const shape = ganRoles(s.graph, s.compiled)?.sampleShape;
  return shape?.length === 1 && shape[0] === 2;
};

/** `count` real samples of the inspection split, flat, and how many there were. */
function realSamples(s: InspectionSession, count: number): { values: Float32Array; n: number } {
  const roles = rolesOf(s);
  const feature = String(s.graph.nodes.find((n) => n.id === roles.realInput)?.params['feature'] ?? '');
  const split = s.inspectionSplit();
  const batch = split.gather(rowsOf(split, 0, count));
  const data = batch.features[feature]?.data;
  if (!data) throw new Error(`the dataset has no feature "${feature}" for the real samples (Input ${roles.realInput})`);
  return { values: Float32Array.from(data), n: batch.size };
}

/** A square around every point, with a margin (the plane a 2-D view shows). */
export function planeBounds(...sets: readonly Float32Array[]): PlaneBounds {
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (const set of sets) {
    for (let i = 0; i + 1 < set.length; i += 2) {
      const x = set[i] as number;
      const y = set[i + 1] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
      yMin = Math.min(yMin, y);
      yMax = Math.max(yMax, y);
    }
  }
  if (!Number.isFinite(xMin)) return { xMin: -1, xMax: 1, yMin: -1, yMax: 1 };
  const half = (Math.max(xMax - xMin, yMax - yMin, 1e-3) / 2) * 1.15;
  const cx = (xMin + xMax) / 2;
  const cy = (yMin + yMax) / 2;
  return { xMin: cx - half, xMax: cx + half, yMin: cy - half, yMax: cy + half };
}

/** The centres of a grid x grid over the bounds, row 0 at yMax, as (x, y) rows. */
export function gridPoints(bounds: PlaneBounds, grid: number): Float32Array {
  const out = new Float32Array(grid * grid * 2);
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      out[(r * grid + c) * 2] = bounds.xMin + ((c + 0.5) / grid) * (bounds.xMax - bounds.xMin);
      out[(r * grid + c) * 2 + 1] = bounds.yMax - ((r + 0.5) / grid) * (bounds.yMax - bounds.yMin);
    }
  }
  return out;
}

/** Generated samples as tiles: images, or 2-D points on a plane, or each sample as a row of grey. */
export function sampleTiles(samples: GeneratedSamples): Tile[] {
  if (samples.images) return imageTiles(samples.images);
  if (samples.shape.length === 1 && samples.shape[0] === 2) {
    return [planeTile(96, planeBounds(samples.values), null, [{ points: samples.values, n: samples.n, colour: GENERATED_COLOUR }])];
  }
  const per = samples.values.length / Math.max(1, samples.n);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of samples.values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const values = samples.values.map((v) => (v - lo) / (hi - lo || 1));
  return [{ width: per, height: samples.n, channels: 1, values }];
}

export const ganSamplesView = defineView({
  kind: 'gan-samples',
  title: 'Generated samples',
  available: isGan,
  request: (s) => ({ kind: 'gan-samples', samples: rolesOf(s).sampleShape.length === 3 ? 64 : 512 }),
  compute: (s, { samples }) => ({ kind: 'gan-samples', samples: generate(s, fixedNoise(s, samples)) }),
  transfers: (r) => [r.samples.values.buffer, ...(r.samples.images ? [r.samples.images.values.buffer] : [])],
  picture: (r) => (r.samples.images ? squareRows(sampleTiles(r.samples)) : [sampleTiles(r.samples)]),
});

export const ganFieldView = defineView({
  kind: 'gan-field',
  title: 'GAN on the plane',
  available: isGan2d,
  request: () => ({ kind: 'gan-field', samples: 256, grid: 48 }),
  compute(s, { samples, grid }) {
    const roles = rolesOf(s);
    if (!isGan2d(s)) throw new Error(`the GAN's samples are ${JSON.stringify(roles.sampleShape)}, not 2-D points`);
    const real = realSamples(s, samples);
    const generated = generate(s, fixedNoise(s, samples));
    const bounds = planeBounds(real.values, generated.values);
    const surface = verdicts(s, gridPoints(bounds, grid), grid * grid);
    const pull = generatorPull(s, generated.values, generated.n);
    return {
      kind: 'gan-field',
      real: real.values,
      realCount: real.n,
      generated: generated.values,
      generatedCount: generated.n,
      pull,
      surface,
      grid,
      bounds,
      verdict: verdictIsProbability(roles.formulation) ? 'probability' : 'score',
    };
  },
  transfers: (r) => [r.real.buffer, r.generated.buffer, r.pull.buffer, r.surface.buffer],
  picture(r) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of r.surface) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const shown = r.verdict === 'probability' ? r.surface : r.surface.map((v) => (v - lo) / (hi - lo || 1));
    const longest = Math.max(1e-12, ...Array.from({ length: r.generatedCount }, (_, i) => Math.hypot(r.pull[i * 2] as number, r.pull[i * 2 + 1] as number)));
    const layers: PlaneLayer[] = [
      { points: r.real, n: r.realCount, colour: REAL_COLOUR },
      // The longest arrow is a sixteenth of the plane.
      { points: r.generated, n: r.generatedCount, colour: GENERATED_COLOUR, pull: r.pull, pullScale: (r.bounds.xMax - r.bounds.xMin) / 16 / longest },
    ];
    return [[planeTile(256, r.bounds, { values: shown, grid: r.grid }, layers)]];
  },
});

export const ganGameView = defineView({
  kind: 'gan-game',
  title: 'GAN game',
  available: isGan,
  request: () => ({ kind: 'gan-game', samples: 256 }),
  compute(s, { samples }) {
    const roles = rolesOf(s);
    const real = realSamples(s, samples);
    const generated = generate(s, fixedNoise(s, real.n));
    const dim = roles.sampleShape.reduce((a, b) => a * b, 1);
    const onReal = verdicts(s, real.values, real.n);
    const onFake = verdicts(s, generated.values, generated.n);
    const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
    // The losses from the raw scores: verdicts of the logit formulations are sigmoids, undone here.
    const raw = (v: Float32Array) => (verdictIsProbability(roles.formulation) ? v.map((p) => Math.log(Math.max(p, 1e-7) / Math.max(1 - p, 1e-7))) : v);
    const losses: Record<string, number> = {};
    tf.tidy(() => {
      const r = tf.tensor1d(raw(onReal));
      const f = tf.tensor1d(raw(onFake));
      // By the losses' port roles: the discriminator's reads real and fake scores, the generator's only fake ones.
      const reads = (role: 'real-score' | 'fake-score') => new Set(portsWithRole(s.compiled.analysis, role, 'input').map((p) => p.nodeId));
      const [onRealScores, onFakeScores] = [reads('real-score'), reads('fake-score')];
      for (const node of s.graph.nodes) {
        const formulation = node.params['formulation'] as Parameters<typeof ganGeneratorLoss>[1];
        if (onRealScores.has(node.id) && onFakeScores.has(node.id)) losses[node.id] = ganDiscriminatorLoss(r, f, formulation).dataSync()[0] as number;
        else if (onFakeScores.has(node.id)) losses[node.id] = ganGeneratorLoss(f, formulation).dataSync()[0] as number;
      }
    });
    // A WGAN-GP critic's loss includes its gradient penalty, as in training; shown on its own too.
    const gradientPenalty = gradientPenalties(s, real.values, generated.values, real.n);
    for (const [id, p] of Object.entries(gradientPenalty)) losses[id] = (losses[id] ?? 0) + p;
    const diversityGenerated = meanPairwiseDistance(generated.values, generated.n, dim);
    const diversityReal = meanPairwiseDistance(real.values, real.n, dim);
    const ratio = diversityReal > 0 ? diversityGenerated / diversityReal : 1;
    return {
      kind: 'gan-game',
      samples: real.n,
      dReal: mean(onReal),
      dFake: mean(onFake),
      verdict: verdictIsProbability(roles.formulation) ? 'probability' : 'score',
      losses,
      gradientPenalty,
      diversity: { generated: diversityGenerated, real: diversityReal, ratio },
      modeCollapse: ratio < MODE_COLLAPSE_RATIO,
    };
  },
  transfers: () => [],
  picture(r) {
    // Bars: D(x), D(G(z)) (probabilities) and the diversity ratio, each out of 1.
    const bar = (v: number): Tile => {
      const h = 32;
      const values = new Float32Array(h * 8);
      const filled = Math.round(Math.min(1, Math.max(0, v)) * h);
      for (let y = h - filled; y < h; y++) values.fill(1, y * 8, y * 8 + 8);
      return { width: 8, height: h, channels: 1, values };
    };
    return [[bar(r.dReal), bar(r.dFake), bar(r.diversity.ratio)]];
  },
});

export const ganInterpolateView = defineView({
  kind: 'gan-interpolate',
  title: 'Latent interpolation',
  available: isGan,
  request: (_s, options) => ({ kind: 'gan-interpolate', from: options.sample ?? 0, to: (options.sample ?? 0) + 1, steps: 10 }),
  compute(s, { from, to, steps }) {
    if (!Number.isInteger(steps) || steps < 2 || steps > 64) throw new Error(`gan-interpolate: steps must be a whole number from 2 to 64, not ${steps}`);
    const noise = fixedNoise(s, Math.max(from, to) + 1);
    const a = noise[from];
    const b = noise[to];
    if (!a || !b) throw new Error(`gan-interpolate: the fixed noise has rows 0 to ${noise.length - 1}, not ${from} and ${to}`);
    const z = Array.from({ length: steps }, (_, k) => a.map((v, i) => v + ((b[i] as number) - v) * (k / (steps - 1))));
    return { kind: 'gan-interpolate', from, to, samples: generate(s, z) };
  },
  transfers: (r) => [r.samples.values.buffer, ...(r.samples.images ? [r.samples.images.values.buffer] : [])],
  picture(r) {
    if (r.samples.images) return [imageTiles(r.samples.images)];
    if (r.samples.shape.length === 1 && r.samples.shape[0] === 2) {
      // The path of the point from the first vector to the last, on one plane.
      return [[planeTile(96, planeBounds(r.samples.values), null, [{ points: r.samples.values, n: r.samples.n, colour: GENERATED_COLOUR }])]];
    }
    return [sampleTiles(r.samples)];
  },
});
