/**
 * The app worker's inspections (renderer/engine/training-session `inspect`), 20 of each kind after
 * a short run: the tensor count stays flat, and releasing the session gives back every tensor
 * and variable the run and the inspections made (the probed copy for gradient flow included).
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GraphBuilder, serializeGraph, type GraphDocument } from '../../../core/graph';
import { getTemplate } from '../../../core/templates';
import { inspect, release, train } from '../../../renderer/engine/training-session';
import type { InspectRequest } from '../../../renderer/engine/engine-api';

const DATA = join(__dirname, '..', '..', '..', 'data', 'build');

beforeAll(async () => {
  await tf.setBackend('cpu');
  // The worker fetches bundled data files by URL; here they are read from data/build.
  vi.stubGlobal('fetch', async (url: string) => {
    try {
      const bytes = readFileSync(join(DATA, basename(url)));
      return new Response(bytes);
    } catch {
      return new Response(null, { status: 404 });
    }
  });
});
afterAll(() => vi.unstubAllGlobals());

function counts(): { tensors: number; variables: number } {
  return { tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().state.registeredVariables).length };
}

function moonsMlp(): GraphDocument {
  const g = new GraphBuilder('moons');
  const x = g.add('Input', { shape: [2], feature: 'point' });
  const h = g.add('Dense', { units: 8, activation: 'tanh' }, x, 'hidden');
  const o = g.add('Dense', { units: 2 }, h, 'logits');
  const y = g.add('Input', { shape: [], dtype: 'int32', feature: 'label' });
  g.add('SparseCategoricalCrossentropy', { fromLogits: true }, { prediction: o, target: y });
  g.training({ dataset: { id: 'moons', options: {} }, batchSize: 32, epochs: 1, seed: 7 });
  return g.build();
}

/** The dates seq2seq template with 8-unit LSTMs (the 64-unit orthogonal initializer is slow on cpu). */
function smallSeq2seq(): GraphDocument {
  const graph = getTemplate('seq2seq-dates')?.build() as GraphDocument;
  const nodes = graph.nodes.map((n) => (n.type === 'LSTM' ? { ...n, params: { ...n.params, units: 8 } } : n));
  return { ...graph, nodes, training: { ...graph.training, epochs: 1, batchSize: 32 } };
}

function smallCvae(): GraphDocument {
  const graph = getTemplate('cvae-mnist')?.build() as GraphDocument;
  return { ...graph, training: { ...graph.training, epochs: 1, batchSize: 32 } };
}

/** Trains briefly, then asks each inspection 1 + `times` times; the count after the first is kept. */
async function inspectionsStayFlat(graph: GraphDocument, requests: InspectRequest[], times = 20): Promise<void> {
  const before = counts();
  const result = await train({ documentJson: serializeGraph(graph), backend: 'auto', limit: 64 }, () => 'test', () => undefined);
  expect(result).toMatchObject({ kind: 'finished', status: 'completed' });
  for (const request of requests) {
    inspect(request);
    const after = tf.memory().numTensors;
    for (let i = 0; i < times; i++) inspect(request);
    expect(tf.memory().numTensors, request.kind).toBe(after);
  }
  release();
  expect(counts()).toEqual(before);
}

describe('20 inspections of each kind', () => {
  it('keep the tensor count flat on a classifier (activations, sample, gradient flow, confusion)', async () => {
    await inspectionsStayFlat(moonsMlp(), [
      { kind: 'activations', nodeId: 'hidden', sample: 0 },
      { kind: 'sample', sample: 1 },
      { kind: 'gradient-flow', samples: 16 },
      { kind: 'confusion', samples: 50 },
    ]);
  });

  // Each of these costs a second or more on cpu: 5 times each (core tests repeat attention maps
  // and decoding hundreds of times). The first gradient flow on this model left 6,182 tensors
  // (the tape of each refused try at its padding mask's gradient) until tape.ts freed them.
  it('keep the tensor count flat on a seq2seq model (attention, greedy and beam decoding, gradient flow)', async () => {
    await inspectionsStayFlat(
      smallSeq2seq(),
      [
        { kind: 'gradient-flow', samples: 8 },
        { kind: 'attention', sample: 0 },
        { kind: 'decode', text: '3 march 2001', beamWidth: 1 },
        { kind: 'decode', text: 'march 3, 2001', beamWidth: 3 },
      ],
      5,
    );
  }, 300_000);

  it('keep the tensor count flat on a conditional VAE (reconstructions, latent decoding, generation)', async () => {
    const graph = smallCvae();
    const sampling = graph.nodes.find((n) => n.type === 'Sampling');
    expect(sampling).toBeDefined();
    await inspectionsStayFlat(graph, [
      { kind: 'vae', samples: 8, scatter: 64 },
      { kind: 'decode-latent', z: [new Array<number>(8).fill(0), new Array<number>(8).fill(0.5)], label: 3 },
      { kind: 'generate', label: 5 },
    ]);
  });
});
