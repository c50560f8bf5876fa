/** A seq2seq model's output for a typed source text: greedy or beam search, with its attention. */
import type { VocabularySpec } from '../../data/types';
import { decodeIds, encodeText } from '../../data/vocab';
import { beamSearchDecode, greedyDecode, seq2seqIO } from '../../engine/decode';
import type { AttentionView } from '../types';
import { heatmap } from '../picture';
import { defineView } from '../view';

export const decodeView = defineView({
  kind: 'decode',
  title: 'Decode',
  available: (s) => s.dataset.spec.seq2seq !== undefined,
  request(s, options) {
    const split = s.inspectionSplit();
    const text = options.input ?? s.dataset.texts?.[split.name]?.[options.sample ?? 0]?.source;
    if (text === undefined) throw new Error('decode: give the source text (--input "...")');
    return { kind: 'decode', text, beamWidth: 1 };
  },
  compute(s, { text, beamWidth }) {
    const seq = s.dataset.spec.seq2seq;
    if (!seq) throw new Error('decoding needs a seq2seq dataset');
    const srcVocab = s.dataset.spec.vocabularies[seq.sourceVocabulary] as VocabularySpec;
    const tgtVocab = s.dataset.spec.vocabularies[seq.targetVocabulary] as VocabularySpec;
    const ids = encodeText(srcVocab, text);
    const io = seq2seqIO(s.compiled, s.graph);
    if (ids.length === 0) throw new Error('type a source text');
    if (ids.length > io.sourceLength) throw new Error(`the model reads at most ${io.sourceLength} source tokens; this text has ${ids.length}`);
    const result = beamWidth > 1 ? beamSearchDecode(s.compiled, s.graph, ids, beamWidth) : greedyDecode(s.compiled, s.graph, ids);
    const hypotheses =
      'hypotheses' in result
        ? (result as ReturnType<typeof beamSearchDecode>).hypotheses.map((h) => ({ text: decodeIds(tgtVocab, h.tokens), logProb: h.totalLogProb }))
        : [{ text: decodeIds(tgtVocab, result.tokens), logProb: result.totalLogProb }];
    const att = result.attention;
    let view: AttentionView | null = null;
    if (att) {
      const rows = att.weights.length;
      const cols = ids.length;
      const flat = new Float32Array(rows * cols);
      att.weights.forEach((w, i) => w.slice(0, cols).forEach((v, j) => (flat[i * cols + j] = v)));
      view = {
        nodeId: att.nodeId,
        heads: [flat],
        rows,
        cols,
        rowLabels: result.tokens.map((id) => tgtVocab.tokens[id] ?? '?'),
        colLabels: ids.map((id) => srcVocab.tokens[id] ?? '?'),
      };
    }
    return { kind: 'decode', input: text, output: decodeIds(tgtVocab, result.tokens), hypotheses, attention: view };
  },
  transfers: (result) => result.attention?.heads.map((h) => h.buffer) ?? [],
  picture: (result) => [result.attention ? result.attention.heads.map((h) => heatmap(h, result.attention?.rows ?? 0, result.attention?.cols ?? 0, true)) : []],
});
