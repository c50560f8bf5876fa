/**
 * The run model (renderer/training/run-model.ts) in Node: worker events folded into a run, the
 * diagnoses users see (initial loss far from ln(classes), exploding loss), the alert for a node
 * that produced NaN or failed, and the time-left estimate with pauses excluded.
 */
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../../../core/engine/run';
import { GraphBuilder, type GraphDocument } from '../../../core/graph';
import type { RunStartedEvent, StepsEvent, TrainingEvent } from '../../../renderer/engine/engine-api';
import { createRun, foldTrainingEvent, isBusy, pauseRun, resumeRun, secondsLeftAt, type Run } from '../../../renderer/training/run-model';

function graph(): GraphDocument {
  const g = new GraphBuilder('tiny');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  g.add('SparseCategoricalCrossentropy', {}, { prediction: g.add('Dense', { units: 10 }, x, 'out'), target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
  return g.training({ epochs: 2 }).build();
}

const started: RunStartedEvent = {
  kind: 'started',
  runId: 1,
  backend: 'cpu',
  backendReason: 'test',
  dataset: { id: 'moons', title: 'Moons', task: 'points-classification', trainSize: 100, validationSize: 20, classNames: null, isSeq2seq: false },
  batchesPerEpoch: 10,
  epochs: 2,
  expectedInitialLoss: Math.log(10),
  capabilities: { views: ['sample', 'activations', 'confusion'], conditionalLabel: null, gan: null },
};

function steps(from: number, losses: number[], epoch = 0): StepsEvent {
  return {
    kind: 'steps',
    epoch,
    batch: from + losses.length - 2,
    batches: 10,
    steps: Float64Array.from(losses, (_, i) => from + i),
    losses: Float64Array.from(losses),
    metrics: { accuracy: 0.5 },
    named: { accuracy: Float64Array.from(losses, () => 0.5) },
    samplesPerSecond: 100,
    layerSteps: [{ step: from, layers: [{ nodeId: 'out', gradNorm: 0.5, weightNorm: 2, updateRatio: 0.001 }] }],
    gradNorm: 0.5,
  };
}

function startedRun(at = 0): Run {
  const run = createRun(graph(), 1, 7, 42, at);
  foldTrainingEvent(run, started, at);
  return run;
}

describe('folding worker events', () => {
  it('starts, appends steps and per-layer series, and records epochs', () => {
    const run = createRun(graph(), 3, 7, 42, 100);
    expect([run.id, run.name, run.state, run.documentKey, isBusy(run)]).toEqual([42, 'Run 3: tiny', 'loading', 7, true]);
    expect(foldTrainingEvent(run, started, 150)).toBeNull();
    expect([run.state, run.batchesPerEpoch, run.lastResumeMs, run.capabilities?.views.includes('confusion')]).toEqual(['running', 10, 150, true]);
    foldTrainingEvent(run, steps(1, [2.3, 2.2, 2.1]), 200);
    foldTrainingEvent(run, steps(4, [2.0]), 250);
    expect(run.steps).toEqual([1, 2, 3, 4]);
    expect(run.losses).toEqual([2.3, 2.2, 2.1, 2.0]);
    expect(run.layers['out']?.steps).toEqual([1, 4]);
    foldTrainingEvent(run, { kind: 'epoch', epoch: 0, step: 10, loss: 2.05, metrics: { accuracy: 0.4 }, validation: null, seconds: 1, samplesPerSecond: 100, histograms: [{ nodeId: 'out', weights: { min: 0, max: 1, counts: [1] }, gradients: { min: 0, max: 1, counts: [1] } }], attention: null, ganSamples: null }, 300);
    foldTrainingEvent(run, { kind: 'epoch', epoch: 1, step: 20, loss: 1.9, metrics: { accuracy: 0.6 }, validation: { loss: 1.8, losses: {}, metrics: { accuracy: 0.7 }, samples: 20 }, seconds: 1, samplesPerSecond: 100, histograms: [], attention: null, ganSamples: null }, 400);
    expect(run.epochSteps).toEqual([10, 20]);
    expect(run.validationLoss).toEqual([null, 1.8]);
    expect(run.epochMetrics['accuracy']).toEqual([0.4, 0.6]);
    expect(run.validationMetrics['accuracy']).toEqual([null, 0.7]);
    expect(run.histograms.map((h) => h.epoch)).toEqual([1]);
    expect(run.warnings).toEqual([]);
  });

  it('returns the node to point at when a run ends on a non-finite value or an error', () => {
    const run = startedRun(0);
    const finished: TrainingEvent = {
      kind: 'finished',
      status: 'non-finite',
      manifest: null as unknown as RunManifest,
      bestEpoch: null,
      test: null,
      nonFinite: { nodeId: 'out', message: 'loss is NaN at out' },
    };
    expect(foldTrainingEvent(run, finished, 1000)).toEqual({ nodeId: 'out', message: 'loss is NaN at out' });
    expect([run.error, run.errorNodeId, run.activeMs, isBusy(run)]).toEqual(['loss is NaN at out', 'out', 1000, false]);
    const failed = startedRun(0);
    expect(foldTrainingEvent(failed, { kind: 'error', message: 'no dataset', nodeId: null }, 10)).toBeNull();
    expect([failed.state, failed.error]).toEqual(['error', 'no dataset']);
  });
});

describe('diagnoses', () => {
  it('warns once when the initial loss is far from ln(classes)', () => {
    const run = startedRun();
    foldTrainingEvent(run, steps(1, [9]), 1);
    foldTrainingEvent(run, steps(2, [8.5]), 2);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toMatch(/^Initial loss 9\.000 is far from ln\(classes\) = 2\.303/);
  });

  it('warns once when the loss grows past 3x its start, and not for a loss that falls', () => {
    const exploding = startedRun();
    foldTrainingEvent(exploding, steps(1, [2.3, 2.3, 2.3, 2.3, 2.3, 2.4]), 1);
    expect(exploding.warnings).toEqual([]);
    foldTrainingEvent(exploding, steps(7, [7.5]), 2);
    foldTrainingEvent(exploding, steps(8, [9]), 3);
    expect(exploding.warnings).toEqual(['Loss exploded: 7.50 is more than 3x its start (2.30). Lower the learning rate or clip gradients.']);
    const falling = startedRun();
    foldTrainingEvent(falling, steps(1, [2.3, 2.0, 1.5, 1.2, 1.0, 0.8, 0.5]), 1);
    expect(falling.warnings).toEqual([]);
  });
});

describe('time left', () => {
  it('extrapolates the active training time, excluding pauses', () => {
    const run = startedRun(0);
    expect(secondsLeftAt(run, 0)).toBeNull(); // no step yet
    foldTrainingEvent(run, steps(1, [2.3, 2.3, 2.3, 2.3, 2.3]), 1000);
    // 5 of 20 steps in 1 s: 15 more take 3 s.
    expect(secondsLeftAt(run, 1000)).toBeCloseTo(3, 10);
    pauseRun(run, 1000);
    expect(secondsLeftAt(run, 60_000)).toBeCloseTo(3, 10);
    resumeRun(run, 60_000);
    // 1.5 s of training for 5 steps: 4.5 s left.
    expect(secondsLeftAt(run, 60_500)).toBeCloseTo(4.5, 10);
    foldTrainingEvent(run, { kind: 'error', message: 'stopped', nodeId: null }, 61_000);
    expect(secondsLeftAt(run, 61_000)).toBeNull();
  });
});

describe('a GAN run', () => {
  const ganStarted: RunStartedEvent = { ...started, expectedInitialLoss: null, capabilities: { ...started.capabilities, views: ['sample', 'activations', 'gan-samples'], gan: { sampleShape: [2], formulation: 'non-saturating', verdict: 'probability' } } };
  /** n steps alternating a discriminator step (d_loss, D(x), D(G(z))) and a generator step (g_loss, D(G(z))). */
  function ganSteps(from: number, n: number, dOfGz: number): StepsEvent {
    const d = (i: number) => (from + i) % 2 === 1;
    const series = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
    return {
      ...steps(from, Array.from({ length: n }, () => 1)),
      metrics: { 'D(G(z))': dOfGz },
      named: { d_loss: series((i) => (d(i) ? 1.2 : Number.NaN)), g_loss: series((i) => (d(i) ? Number.NaN : 3)), 'D(x)': series((i) => (d(i) ? 0.9 : Number.NaN)), 'D(G(z))': series(() => dOfGz) },
    };
  }

  it('keeps each loss and metric per step, aligned with the steps (NaN where a phase did not compute it)', () => {
    const run = createRun(graph(), 1, 7, 42, 0);
    foldTrainingEvent(run, ganStarted, 0);
    foldTrainingEvent(run, { ...steps(1, [1, 1]), named: { accuracy: Float64Array.from([0.1, 0.2]) } }, 1);
    foldTrainingEvent(run, ganSteps(3, 4, 0.4), 2);
    expect(run.steps).toEqual([1, 2, 3, 4, 5, 6]);
    for (const series of Object.values(run.stepSeries)) expect(series).toHaveLength(6);
    expect(run.stepSeries['d_loss']).toEqual([NaN, NaN, 1.2, NaN, 1.2, NaN]);
    expect(run.stepSeries['g_loss']).toEqual([NaN, NaN, NaN, 3, NaN, 3]);
    expect(run.stepSeries['accuracy']).toEqual([0.1, 0.2, NaN, NaN, NaN, NaN]);
  });

  it('warns once when the discriminator wins outright (D(G(z)) < 0.05 on the last 50 steps), not before', () => {
    const run = createRun(graph(), 1, 7, 42, 0);
    foldTrainingEvent(run, ganStarted, 0);
    foldTrainingEvent(run, ganSteps(1, 30, 0.3), 1);
    foldTrainingEvent(run, ganSteps(31, 49, 0.01), 2);
    expect(run.warnings).toEqual([]);
    foldTrainingEvent(run, ganSteps(80, 1, 0.01), 3);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toMatch(/^The discriminator wins outright/);
    foldTrainingEvent(run, ganSteps(81, 60, 0.01), 4);
    expect(run.warnings).toHaveLength(1);
    // Not a GAN: the same numbers say nothing.
    const plain = startedRun();
    foldTrainingEvent(plain, ganSteps(1, 60, 0.01), 1);
    expect(plain.warnings.some((w) => w.startsWith('The discriminator'))).toBe(false);
  });
});
