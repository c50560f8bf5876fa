/**
 * The attention weights of every attention node for one sample, per head, with token labels on
 * both axes (and, for seq2seq, the sample's source, target and greedy output).
 */
import { decodeIds } from '../../data/vocab';
import type { Batch, FeatureSpec } from '../../data/types';
import { greedyDecode } from '../../engine/decode';
import { attentionOutputs, attentionWeights } from '../../engine/inspect';
import type { InspectionSession } from '../session';
import type { AttentionView } from '../types';
import { heatmap } from '../picture';
import { defineView } from '../view';

/** Token labels for an axis of length `length`: a token feature of that length, if any. */
function tokenLabels(s: InspectionSession, batch: Batch, preferred: readonly string[], length: number): { labels: string[]; used: number } {
  const features = s.allFeatures();
  const candidates = [...preferred.map((n) => features.find((f) => f.name === n)), ...features].filter(
    (f): f is FeatureSpec => f !== undefined && f.vocabulary !== undefined && f.shape.length === 1 && f.shape[0] === length,
  );
  const feature = candidates[0];
  const vocab = s.vocabularyOf(feature);
  const ids = feature ? batch.features[feature.name]?.data : undefined;
  if (!feature || !vocab || !ids) return { labels: Array.from({ length }, (_, i) => String(i + 1)), used: length };
  const labels = Array.from(ids.subarray(0, length), (id) => vocab.tokens[id] ?? '?');
  // Trailing padding is not part of the sequence.
  let used = length;
  while (used > 1 && ids[used - 1] === 0) used--;
  return { labels, used };
}

export const attentionView = defineView({
  kind: 'attention',
  title: 'Attention',
  available: (s) => attentionOutputs(s.compiled).length > 0,
  request: (_s, options) => ({ kind: 'attention', sample: options.sample ?? 0 }),
  compute(s, { sample }) {
    const split = s.inspectionSplit();
    const row = Math.min(sample, split.size - 1);
    const input = s.feedsFor(split, [row]);
    try {
      const maps = attentionWeights(s.compiled, s.graph, input.feeds, 0);
      const seq = s.dataset.spec.seq2seq;
      const views: AttentionView[] = maps.map((m) => {
        const first = m.weights[0] ?? [];
        const tq = first.length;
        const tv = first[0]?.length ?? 0;
        const cols = tokenLabels(s, input.batch, seq ? [seq.encoderInput] : [], tv);
        const rows = tokenLabels(s, input.batch, seq ? [seq.decoderTarget] : [], tq);
        const r = rows.used;
        const c = cols.used;
        const heads = m.weights.map((head) => {
          const out = new Float32Array(r * c);
          for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = head[i]?.[j] ?? 0;
          return out;
        });
        return { nodeId: m.nodeId, heads, rows: r, cols: c, rowLabels: rows.labels.slice(0, r), colLabels: cols.labels.slice(0, c) };
      });
      let source: string | null = null;
      let target: string | null = null;
      let decoded: string | null = null;
      if (seq) {
        const srcVocab = s.dataset.spec.vocabularies[seq.sourceVocabulary];
        const tgtVocab = s.dataset.spec.vocabularies[seq.targetVocabulary];
        const srcIds = input.batch.features[seq.encoderInput]?.data;
        const tgtIds = input.batch.features[seq.decoderTarget]?.data;
        if (srcVocab && tgtVocab && srcIds && tgtIds) {
          source = decodeIds(srcVocab, srcIds);
          target = decodeIds(tgtVocab, tgtIds);
          const ids = Array.from(srcIds);
          while (ids.length > 0 && ids[ids.length - 1] === 0) ids.pop();
          decoded = decodeIds(tgtVocab, greedyDecode(s.compiled, s.graph, ids).tokens);
        }
      }
      return { kind: 'attention', sample: row, maps: views, source, target, decoded };
    } finally {
      input.dispose();
    }
  },
  transfers: (result) => result.maps.flatMap((m) => m.heads.map((h) => h.buffer)),
  // One row per attention node, one heat map per head (weights in [0, 1]).
  picture: (result) => result.maps.map((m) => m.heads.map((h) => heatmap(h, m.rows, m.cols, true))),
});
