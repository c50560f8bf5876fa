/**
 * How readable a dates model's attention is, on two fixed dates (scripts/time-to-attention.ts
 * and test/unit/templates/dates-attention.test.ts):
 *  - "2026-11-21" (already ISO): output character t comes from source character t, so the mass
 *    is the mean of the diagonal w[t][t] over the 10 output characters;
 *  - "21.11.2026": the year, month and day digits come from positions 6-9, 3-4 and 0-1, so the
 *    mass is the mean weight on each output digit's source digit.
 * Chance level is 1 / 10 (the source length). "Readable": both masses >= 0.5 (half of every output
 * character's attention on its source character: a clear diagonal in the heat map).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/types';
import { START_ID } from '../data/types';
import { encodeText } from '../data/vocab';
import type { GraphDocument } from '../graph/document';
import type { CompiledGraph } from './compile';
import { attentionWeights } from './inspect';

interface Probe {
  source: string;
  target: string;
  /** Source position each output position should attend to (null: no single source character). */
  aligned: (number | null)[];
}

export const DATE_PROBES: readonly Probe[] = [
  { source: '2026-11-21', target: '2026-11-21', aligned: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
  { source: '21.11.2026', target: '2026-11-21', aligned: [6, 7, 8, 9, null, 3, 4, null, 0, 1] },
];

export const READABLE_MASS = 0.5;

export interface AttentionProbe {
  /** The attention mass on the aligned source characters of each of DATE_PROBES. */
  masses(): number[];
  dispose(): void;
}

/** A probe of a compiled seq2seq graph on the dates dataset's vocabularies. */
export function dateAttentionProbe(compiled: CompiledGraph, graph: GraphDocument, dataset: Dataset): AttentionProbe {
  const sourceVocabulary = dataset.spec.vocabularies['source'];
  const targetVocabulary = dataset.spec.vocabularies['target'];
  const feature = (name: string) => dataset.spec.features.find((f) => f.name === name)?.shape[0];
  const [sourceLength, targetLength] = [feature('encoderInput'), feature('decoderInput')];
  if (!sourceVocabulary || !targetVocabulary || sourceLength === undefined || targetLength === undefined) {
    throw new Error(`dateAttentionProbe: ${dataset.spec.id} is not a seq2seq dataset with source and target vocabularies`);
  }
  const n = DATE_PROBES.length;
  const encoder = new Int32Array(n * sourceLength);
  const mask = new Float32Array(n * sourceLength);
  const decoder = new Int32Array(n * targetLength);
  DATE_PROBES.forEach((p, i) => {
    encodeText(sourceVocabulary, p.source).forEach((id, j) => ((encoder[i * sourceLength + j] = id), (mask[i * sourceLength + j] = 1)));
    [START_ID, ...encodeText(targetVocabulary, p.target)].slice(0, targetLength).forEach((id, j) => (decoder[i * targetLength + j] = id));
  });
  const byFeature: Record<string, tf.Tensor> = {
    encoderInput: tf.tensor2d(encoder, [n, sourceLength], 'int32'),
    sourceMask: tf.tensor2d(mask, [n, sourceLength]),
    decoderInput: tf.tensor2d(decoder, [n, targetLength], 'int32'),
  };
  // Other feeds (the loss's targets) do not reach the attention; zeros stand in for them.
  const feeds = compiled.feeds.map((f) => byFeature[f.feature] ?? tf.zeros([n, ...(f.shape.slice(1) as number[])], f.dtype));
  return {
    masses: () =>
      DATE_PROBES.map((p, i) => {
        const map = attentionWeights(compiled, graph, feeds, i)[0];
        if (!map) throw new Error('dateAttentionProbe: the graph has no attention weights');
        const w = map.weights[0] as number[][];
        const pairs = p.aligned.flatMap((s, t) => (s === null ? [] : [w[t]?.[s] ?? 0]));
        return pairs.reduce((a, b) => a + b, 0) / pairs.length;
      }),
    dispose: () => tf.dispose([...new Set([...feeds, ...Object.values(byFeature)])]),
  };
}
