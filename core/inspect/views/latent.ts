/**
 * A VAE's latent space: inputs beside their reconstructions, samples decoded from the run's fixed
 * z, the first two latent dimensions of mu (the 'vae' view); any z decoded ('decode-latent', the
 * latent grid); a conditional VAE's fixed z decoded with a chosen label ('generate').
 */
import * as tf from '@tensorflow/tfjs-core';
import { mixSeed, SeededRandom } from '../../data/random';
import { decodeLatent } from '../../engine/decode';
import { nodeOutputs } from '../../engine/inspect';
import { conditionalLabel, samplingNode } from '../roles';
import { rowsOf, toImages, type InspectionSession } from '../session';
import type { ImageBatch } from '../types';
import { imageTiles, squareRows } from '../picture';
import { defineView } from '../view';

/** Fixed latent samples per run. */
const FIXED_SAMPLES = 16;

function samplingOf(s: InspectionSession): string {
  const id = samplingNode(s.compiled.analysis);
  if (!id) throw new Error('the graph has no Sampling node');
  return id;
}

/** Feeds a decoder may also read (a conditional VAE's label): `label` on every row, else 0, 1, 2... */
function decoderFeeds(s: InspectionSession, rows: number, label: number | null): tf.Tensor[] {
  return s.compiled.feeds.map((f) =>
    f.dtype === 'int32' && f.shape.length === 1
      ? tf.tensor1d(Int32Array.from({ length: rows }, (_, i) => label ?? i % 10), 'int32')
      : tf.zeros([rows, ...f.shape.slice(1).map((d) => d ?? 1)]),
  );
}

/** The run's fixed latent samples (drawn once per run from its seed). */
function fixedLatents(s: InspectionSession, latentDim: number): number[][] {
  if (!s.fixedZ || s.fixedZ[0]?.length !== latentDim) {
    const random = new SeededRandom(mixSeed(s.graph.training.seed, 0x7a));
    s.fixedZ = Array.from({ length: FIXED_SAMPLES }, () => Array.from({ length: latentDim }, () => random.normal()));
  }
  return s.fixedZ;
}

/** Latent vectors decoded to images of the dataset's image shape (or one row each), in [0, 1]. */
export function decodeImages(s: InspectionSession, samplingId: string, z: readonly (readonly number[])[], label: number | null = null): ImageBatch {
  const spec = s.imageFeature();
  const [h, w, c] = (spec?.shape ?? [1, 1, 1]) as [number, number, number];
  const extra = decoderFeeds(s, z.length, label);
  try {
    const out = decodeLatent(s.compiled, s.graph, samplingId, z, extra);
    const values = out.probabilities ?? out.values;
    const perRow = values.length / z.length;
    const side = spec ? [h, w, c] : [1, perRow, 1];
    return toImages(values, z.length, side[0] as number, side[1] as number, side[2] as number, [0, 1]);
  } finally {
    tf.dispose(extra);
  }
}

function muPort(s: InspectionSession, samplingId: string): { nodeId: string; port: string } {
  const edge = s.graph.edges.find((e) => e.target.node === samplingId && e.target.port === 'mu');
  if (!edge) throw new Error('the Sampling node has no mu input');
  return { nodeId: edge.source.node, port: edge.source.port };
}

/** The latent size: that of mu (whatever the Sampling node calls its output port). */
export function latentSize(s: InspectionSession): number {
  const mu = muPort(s, samplingOf(s));
  const shape = s.compiled.nodeTensors.get(mu.nodeId)?.[mu.port]?.shape;
  const latentDim = shape?.[shape.length - 1];
  if (typeof latentDim !== 'number') throw new Error('the Sampling node has no known latent size');
  return latentDim;
}

/** A size x size grid over [-2, 2] in the first two latent dimensions (the others 0). */
export function latentGrid(latentDim: number, size: number): number[][] {
  const step = size > 1 ? 4 / (size - 1) : 0;
  const z: number[][] = [];
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const row = new Array<number>(latentDim).fill(0);
      row[0] = -2 + c * step;
      if (latentDim > 1) row[1] = 2 - r * step;
      z.push(row);
    }
  }
  return z;
}

const hasSampling = (s: InspectionSession): boolean => samplingNode(s.compiled.analysis) !== null;

export const vaeView = defineView({
  kind: 'vae',
  title: 'Latent space',
  available: hasSampling,
  request: () => ({ kind: 'vae', samples: 8, scatter: 500 }),
  compute(s, { samples: shown, scatter: scatterCount }) {
    const samplingId = samplingOf(s);
    const split = s.inspectionSplit();
    const input = s.feedsFor(split, rowsOf(split, 0, Math.max(shown, scatterCount)));
    try {
      const [mu] = nodeOutputs(s.compiled, s.graph, input.feeds, [muPort(s, samplingId)], { bins: 1 });
      if (!mu) throw new Error('no mu output');
      const latentDim = mu.shape[mu.shape.length - 1] as number;
      const n = mu.shape[0] as number;
      const rows = (count: number) => Array.from({ length: count }, (_, i) => Array.from(mu.values.subarray(i * latentDim, (i + 1) * latentDim)));
      const k = Math.min(shown, n);
      const spec = s.imageFeature();
      const [h, w, c] = (spec?.shape ?? [1, 1, 1]) as [number, number, number];
      const imageData = spec ? input.batch.features[spec.name]?.data : undefined;
      const inputs = imageData ? toImages(imageData.subarray(0, k * h * w * c), k, h, w, c, spec?.valueRange ?? null) : toImages([], 0, h, w, c, [0, 1]);
      const reconstructions = decodeImages(s, samplingId, rows(k));
      const prior = decodeImages(s, samplingId, fixedLatents(s, latentDim));
      const label = s.labelFeature();
      const labelData = label ? input.batch.features[label.name]?.data : undefined;
      const x = new Float32Array(n);
      const y = new Float32Array(n);
      const labels = new Int32Array(n).fill(-1);
      for (let i = 0; i < n; i++) {
        x[i] = mu.values[i * latentDim] as number;
        y[i] = latentDim > 1 ? (mu.values[i * latentDim + 1] as number) : 0;
        if (labelData) labels[i] = labelData[i] as number;
      }
      return { kind: 'vae', samplingNodeId: samplingId, latentDim, inputs, reconstructions, prior, scatter: { x, y, labels } };
    } finally {
      input.dispose();
    }
  },
  transfers: (r) => [r.inputs.values, r.reconstructions.values, r.prior.values, r.scatter.x, r.scatter.y, r.scatter.labels].map((a) => a.buffer),
  // Inputs over their reconstructions, then the samples decoded from the fixed z.
  picture: (r) => [imageTiles(r.inputs), imageTiles(r.reconstructions), imageTiles(r.prior)],
});

export const decodeLatentView = defineView({
  kind: 'decode-latent',
  title: 'Latent grid',
  available: hasSampling,
  request: (s) => ({ kind: 'decode-latent', z: latentGrid(latentSize(s), 8) }),
  compute: (s, { z, label }) => ({ kind: 'decode-latent', images: decodeImages(s, samplingOf(s), z, label ?? null) }),
  transfers: (r) => [r.images.values.buffer],
  picture: (r) => squareRows(imageTiles(r.images)),
});

export const generateView = defineView({
  kind: 'generate',
  title: 'Generate',
  available: (s) => hasSampling(s) && conditionalLabel(s.graph, s.compiled.analysis, s.dataset) !== null,
  request: (_s, options) => ({ kind: 'generate', label: options.sample ?? 0 }),
  compute: (s, { label }) => ({ kind: 'generate', label, images: decodeImages(s, samplingOf(s), fixedLatents(s, latentSize(s)), label) }),
  transfers: (r) => [r.images.values.buffer],
  picture: (r) => squareRows(imageTiles(r.images)),
});
