/**
 * Per graph node: histograms of its trainable weights and of the full gradient of one training
 * batch (inference mode; nothing is applied). The dock shows them per epoch.
 */
import { fullGradients } from '../../engine/inspect';
import { rowsOf } from '../session';
import type { BinnedHistogram } from '../types';
import { bars } from '../picture';
import { defineView } from '../view';

export const HISTOGRAM_BINS = 30;

/** Equal bins between the finite min and max of `values` (NaN/Inf left out). */
export function binned(values: Float32Array, bins: number): BinnedHistogram {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (min > max) return { min: 0, max: 0, counts };
  const span = max - min;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = span > 0 ? Math.min(bins - 1, Math.floor(((v - min) / span) * bins)) : Math.floor(bins / 2);
    counts[i]! += 1;
  }
  return { min, max, counts };
}

function concatenated(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const histogramsView = defineView({
  kind: 'histograms',
  title: 'Histograms',
  available: (s) => s.compiled.losses.length > 0 && s.compiled.model.trainableWeights.length > 0,
  request: () => ({ kind: 'histograms', samples: 64 }),
  compute(s, { samples }) {
    const split = s.dataset.train;
    const input = s.feedsFor(split, rowsOf(split, 0, samples));
    try {
      const { gradients } = fullGradients(s.compiled, input.feeds);
      // Same order as fullGradients' variables: layers, then each layer's trainable weights.
      const weights = s.compiled.model.layers.flatMap((layer) => layer.trainableWeights.map((w) => Float32Array.from(w.read().dataSync())));
      const byNode = new Map<string, { w: Float32Array[]; g: Float32Array[] }>();
      gradients.forEach((g, i) => {
        if (!g.nodeId) return;
        const entry = byNode.get(g.nodeId) ?? { w: [], g: [] };
        entry.g.push(g.values);
        entry.w.push(weights[i] ?? new Float32Array(0));
        byNode.set(g.nodeId, entry);
      });
      const layers = [...byNode].map(([nodeId, e]) => ({ nodeId, weights: binned(concatenated(e.w), HISTOGRAM_BINS), gradients: binned(concatenated(e.g), HISTOGRAM_BINS) }));
      return { kind: 'histograms', layers };
    } finally {
      input.dispose();
    }
  },
  transfers: () => [],
  // One row per node: its weights' histogram, then its gradients'.
  picture: (result) => result.layers.map((l) => [bars(l.weights.counts), bars(l.gradients.counts)]),
});
