/**
 * Inference with trained generative graphs.
 *
 * Seq2seq (graphs built like the seq2seq templates: Input features 'encoderInput' (+ optional
 * 'sourceMask') and 'decoderInput', logits [batch, T, vocab] feeding a SequenceCrossentropy):
 * the compiled model is run repeatedly on a growing decoder input, START then the tokens chosen
 * so far, PAD after. This relies on the decoder being causal: the logits at position t depend only
 * on decoder inputs 0..t. A unidirectional LSTM decoder, attention from its states over the
 * encoder, and per-step Dense layers are causal; a bidirectional decoder or non-causal
 * self-attention over the decoder input is not. `decoderCausality` checks this on the model.
 *
 * VAE: `decodeLatent` runs the part of the graph downstream of a Sampling node's z on given latent
 * vectors, by re-applying the same layers (shared weights) to a new Input.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '../catalogue/decl';
import { SeededRandom } from '../data/random';
import { SEQ2SEQ_FEATURES } from '../data/seq2seq';
import { END_ID, PAD_ID, START_ID } from '../data/types';
import type { GraphDocument } from '../graph/document';
import { reachable } from '../graph/reach';
import { attentionOutputs, runInspection } from './inspect';
import { rerouteModel } from './reroute';
import type { CompiledGraph, FeedTensors, PortRef } from './compile';

/** Where a seq2seq graph's pieces are. */
export interface Seq2SeqIO {
  encoderFeed: number;
  maskFeed: number | null;
  decoderFeed: number;
  sourceLength: number;
  /** Decoder positions T: the longest output, END included. */
  targetLength: number;
  vocabularySize: number;
  logits: PortRef;
  /** The output is probabilities (an imported decoder ending in softmax), not logits: decoding takes their log. */
  probabilities: boolean;
  /** The attention whose weights are [batch, (heads,) T, sourceLength] (encoder-decoder). */
  attention: PortRef | null;
}

export interface Seq2SeqFeatureNames {
  encoderInput: string;
  sourceMask: string;
  decoderInput: string;
}

export function seq2seqIO(compiled: CompiledGraph, graph: GraphDocument, names: Seq2SeqFeatureNames = SEQ2SEQ_FEATURES): Seq2SeqIO {
  const feed = (feature: string) => compiled.feeds.findIndex((f) => f.feature === feature);
  const encoderFeed = feed(names.encoderInput);
  const decoderFeed = feed(names.decoderInput);
  const maskFeed = feed(names.sourceMask);
  if (encoderFeed < 0 || decoderFeed < 0) {
    throw new Error(`decoding needs Input nodes bound to '${names.encoderInput}' and '${names.decoderInput}'`);
  }
  const loss = compiled.losses.find((l) => l.decl.type === 'SequenceCrossentropy' && l.sources.prediction?.kind === 'output');
  const source = loss?.sources.prediction;
  if (!loss || source?.kind !== 'output') throw new Error('decoding needs logits feeding a SequenceCrossentropy loss');
  const logits = compiled.outputs[source.output] as PortRef;
  const logitsShape = compiled.nodeTensors.get(logits.nodeId)?.[logits.port]?.shape ?? [];
  const sourceLength = (compiled.feeds[encoderFeed]?.shape[1] ?? null) as number | null;
  const targetLength = (compiled.feeds[decoderFeed]?.shape[1] ?? null) as number | null;
  const vocabularySize = logitsShape[2] ?? null;
  if (sourceLength === null || targetLength === null || vocabularySize === null) {
    throw new Error('decoding needs fixed source and decoder lengths and a known vocabulary size');
  }
  const upstream = reachable(graph, [logits.nodeId], 'up');
  const attention = attentionOutputs(compiled).find((ref) => {
    const shape = compiled.nodeTensors.get(ref.nodeId)?.[ref.port]?.shape ?? [];
    return upstream.has(ref.nodeId) && shape[shape.length - 2] === targetLength && shape[shape.length - 1] === sourceLength;
  });
  return {
    encoderFeed,
    maskFeed: maskFeed >= 0 ? maskFeed : null,
    decoderFeed,
    sourceLength,
    targetLength,
    vocabularySize,
    logits,
    probabilities: loss.params.fromLogits === false,
    attention: attention ?? null,
  };
}

/** One pass over `prefixes` (tokens after START); log-softmax rows and attention maps. */
interface PassResult {
  /** [rows][T * vocab] log-probabilities. */
  logProbs: Float32Array[];
  /** [rows] attention [T][S] (heads averaged), when the graph has one. */
  attention: Float32Array[] | null;
}

function runPass(compiled: CompiledGraph, graph: GraphDocument, io: Seq2SeqIO, sourceIds: readonly number[], prefixes: readonly (readonly number[])[]): PassResult {
  const n = prefixes.length;
  const { sourceLength: S, targetLength: T, vocabularySize: V } = io;
  if (sourceIds.length > S) throw new Error(`the source has ${sourceIds.length} tokens; the model reads at most ${S}`);
  const ports = io.attention ? [io.logits, io.attention] : [io.logits];
  const source = new Int32Array(n * S);
  const mask = new Float32Array(n * S);
  const decoder = new Int32Array(n * T).fill(PAD_ID);
  for (let r = 0; r < n; r++) {
    sourceIds.forEach((id, i) => {
      source[r * S + i] = id;
      mask[r * S + i] = id === PAD_ID ? 0 : 1;
    });
    decoder[r * T] = START_ID;
    (prefixes[r] as readonly number[]).slice(0, T - 1).forEach((id, i) => (decoder[r * T + 1 + i] = id));
  }
  const packed = tf.tidy(() => {
    const feeds: tf.Tensor[] = [];
    feeds[io.encoderFeed] = tf.tensor2d(source, [n, S], 'int32');
    feeds[io.decoderFeed] = tf.tensor2d(decoder, [n, T], 'int32');
    if (io.maskFeed !== null) feeds[io.maskFeed] = tf.tensor2d(mask, [n, S], 'float32');
    const [logits, attention] = runInspection(compiled, graph, ports, feeds) as [tf.Tensor, tf.Tensor | undefined];
    const logProbs = io.probabilities ? tf.log(tf.clipByValue(logits, 1e-7, 1)) : tf.logSoftmax(logits);
    // Heads (MultiHeadAttention [B, H, T, S]) are averaged into one map.
    const map = attention ? (attention.rank === 4 ? tf.mean(attention, 1) : attention) : null;
    return map ? [logProbs, map] : [logProbs];
  });
  try {
    const lp = (packed[0] as tf.Tensor).dataSync() as Float32Array;
    const att = packed[1] ? ((packed[1] as tf.Tensor).dataSync() as Float32Array) : null;
    return {
      logProbs: Array.from({ length: n }, (_, r) => lp.slice(r * T * V, (r + 1) * T * V)),
      attention: att ? Array.from({ length: n }, (_, r) => att.slice(r * T * S, (r + 1) * T * S)) : null,
    };
  } finally {
    tf.dispose(packed);
  }
}

export interface DecodeResult {
  /** Output token ids, ending with END when the model produced it within maxLength. */
  tokens: number[];
  /** log p(token_t | source, tokens < t), per token. */
  logProbs: number[];
  totalLogProb: number;
  /** True when the last token is END. */
  finished: boolean;
  /** Attention of the final pass: [tokens.length][source length], or null without attention. */
  attention: { nodeId: string; weights: number[][] } | null;
}

function attentionRows(io: Seq2SeqIO, map: Float32Array | undefined, rows: number, sourceLength: number): DecodeResult['attention'] {
  if (!io.attention || !map) return null;
  const S = io.sourceLength;
  return {
    nodeId: io.attention.nodeId,
    weights: Array.from({ length: rows }, (_, t) => Array.from(map.subarray(t * S, t * S + sourceLength))),
  };
}

function clampLength(io: Seq2SeqIO, maxLength: number | undefined): number {
  return Math.max(1, Math.min(io.targetLength, maxLength ?? io.targetLength));
}

function argmax(row: Float32Array, offset: number, size: number): number {
  let best = 0;
  for (let k = 1; k < size; k++) if ((row[offset + k] as number) > (row[offset + best] as number)) best = k;
  return best;
}

/** Greedy decoding: at each step the most probable next token, until END or maxLength tokens. */
export function greedyDecode(compiled: CompiledGraph, graph: GraphDocument, sourceIds: readonly number[], maxLength?: number): DecodeResult {
  const io = seq2seqIO(compiled, graph);
  const limit = clampLength(io, maxLength);
  const V = io.vocabularySize;
  const tokens: number[] = [];
  const logProbs: number[] = [];
  let last: PassResult | null = null;
  for (let t = 0; t < limit; t++) {
    last = runPass(compiled, graph, io, sourceIds, [tokens]);
    const row = last.logProbs[0] as Float32Array;
    const next = argmax(row, t * V, V);
    tokens.push(next);
    logProbs.push(row[t * V + next] as number);
    if (next === END_ID) break;
  }
  // Position t of the last pass saw tokens < t: its attention rows are those of the final sequence.
  return {
    tokens,
    logProbs,
    totalLogProb: logProbs.reduce((a, b) => a + b, 0),
    finished: tokens[tokens.length - 1] === END_ID,
    attention: attentionRows(io, last?.attention?.[0], tokens.length, sourceIds.length),
  };
}

interface Hypothesis {
  tokens: number[];
  logProbs: number[];
  score: number;
  done: boolean;
}

export interface BeamSearchResult extends DecodeResult {
  /** The final beam, best first (tokens, per-token log-probabilities, totals). */
  hypotheses: { tokens: number[]; logProbs: number[]; totalLogProb: number; finished: boolean }[];
}

/**
 * Beam search on total log-probability (no length normalisation): each step expands every live
 * hypothesis by its beamWidth best tokens and keeps the beamWidth best of those and of the
 * finished ones. Width 1 is greedy decoding.
 */
export function beamSearchDecode(
  compiled: CompiledGraph,
  graph: GraphDocument,
  sourceIds: readonly number[],
  beamWidth: number,
  maxLength?: number,
): BeamSearchResult {
  if (!Number.isInteger(beamWidth) || beamWidth < 1) throw new Error(`beam width must be a whole number >= 1, got ${beamWidth}`);
  const io = seq2seqIO(compiled, graph);
  const limit = clampLength(io, maxLength);
  const V = io.vocabularySize;
  let beam: Hypothesis[] = [{ tokens: [], logProbs: [], score: 0, done: false }];
  for (let t = 0; t < limit; t++) {
    const live = beam.filter((h) => !h.done);
    if (live.length === 0) break;
    const pass = runPass(compiled, graph, io, sourceIds, live.map((h) => h.tokens));
    const candidates: Hypothesis[] = beam.filter((h) => h.done);
    live.forEach((h, r) => {
      const row = pass.logProbs[r] as Float32Array;
      const order = Array.from({ length: V }, (_, k) => k).sort((a, b) => (row[t * V + b] as number) - (row[t * V + a] as number) || a - b);
      for (const k of order.slice(0, beamWidth)) {
        const lp = row[t * V + k] as number;
        candidates.push({ tokens: [...h.tokens, k], logProbs: [...h.logProbs, lp], score: h.score + lp, done: k === END_ID });
      }
    });
    // Stable sort: among equal scores the earlier candidate (finished first, then by token) wins.
    beam = candidates.sort((a, b) => b.score - a.score).slice(0, beamWidth);
  }
  const best = beam[0] as Hypothesis;
  const final = runPass(compiled, graph, io, sourceIds, [best.tokens]);
  return {
    tokens: best.tokens,
    logProbs: best.logProbs,
    totalLogProb: best.score,
    finished: best.done,
    attention: attentionRows(io, final.attention?.[0], best.tokens.length, sourceIds.length),
    hypotheses: beam.map((h) => ({ tokens: h.tokens, logProbs: h.logProbs, totalLogProb: h.score, finished: h.done })),
  };
}

/** Teacher-forced log p(target_t | source, target < t) for each target token, in one pass. */
export function sequenceLogProbs(compiled: CompiledGraph, graph: GraphDocument, sourceIds: readonly number[], targetIds: readonly number[]): number[] {
  const io = seq2seqIO(compiled, graph);
  if (targetIds.length > io.targetLength) throw new Error(`the target has ${targetIds.length} tokens; the model outputs at most ${io.targetLength}`);
  const row = runPass(compiled, graph, io, sourceIds, [targetIds.slice(0, -1)]).logProbs[0] as Float32Array;
  const V = io.vocabularySize;
  return targetIds.map((id, t) => row[t * V + id] as number);
}

/**
 * Whether the logits at each decoder position t are unchanged when the decoder inputs after t
 * change (what step-by-step decoding assumes). Checked on random decoder inputs for this source.
 */
export function decoderCausality(compiled: CompiledGraph, graph: GraphDocument, sourceIds: readonly number[], seed = 1): { causal: boolean; maxDifference: number } {
  const io = seq2seqIO(compiled, graph);
  const T = io.targetLength;
  const V = io.vocabularySize;
  const random = new SeededRandom(seed);
  const token = () => 3 + random.int(Math.max(1, V - 3));
  const base = Array.from({ length: T - 1 }, token);
  // Row k keeps base's tokens before decoder position k + 1 and draws new ones after.
  const rows = [base, ...Array.from({ length: T - 1 }, (_, k) => base.map((id, i) => (i < k ? id : (id - 3 + 1 + random.int(V - 4)) % (V - 3) + 3)))];
  const pass = runPass(compiled, graph, io, sourceIds, rows);
  const reference = pass.logProbs[0] as Float32Array;
  let maxDifference = 0;
  for (let k = 0; k < T - 1; k++) {
    const row = pass.logProbs[k + 1] as Float32Array;
    // Decoder positions 0..k saw identical inputs (START + base[0..k-1]).
    for (let i = 0; i < (k + 1) * V; i++) maxDifference = Math.max(maxDifference, Math.abs((row[i] as number) - (reference[i] as number)));
  }
  return { causal: maxDifference <= 1e-4, maxDifference };
}

// ---------------------------------------------------------------------------------------------
// VAE: decoding latent vectors

interface LatentDecoder {
  model: tfl.LayersModel;
  /** compiled.feeds indices of the decoder model's inputs after z (e.g. a CVAE's label). */
  extraFeeds: number[];
  output: PortRef;
  /** The reconstruction loss reads logits: probabilities are sigmoid(output). */
  sigmoid: boolean;
  /**
   * The compiled model's layers, once per call made on them to build this decoder: each symbolic
   * call counts a reference, and a layer frees its weights only when its count returns to 0.
   */
  reapplied: tfl.layers.Layer[];
}

const latentDecoders = new WeakMap<CompiledGraph, Map<string, LatentDecoder>>();

function buildLatentDecoder(compiled: CompiledGraph, graph: GraphDocument, samplingNodeId: string): LatentDecoder {
  const z = compiled.nodeTensors.get(samplingNodeId)?.['z'];
  if (!z) throw new Error(`node ${samplingNodeId} is not a Sampling node with a 'z' output`);
  const downstream = reachable(graph, [samplingNodeId], 'down');
  const loss = compiled.losses.find((l) => {
    const s = l.sources.prediction;
    return s?.kind === 'output' && downstream.has((compiled.outputs[s.output] as PortRef).nodeId);
  });
  const source = loss?.sources.prediction;
  if (!loss || source?.kind !== 'output') throw new Error(`no loss reads a prediction computed from ${samplingNodeId}'s z`);
  const output = compiled.outputs[source.output] as PortRef;
  const target = compiled.nodeTensors.get(output.nodeId)?.[output.port] as SymbolicTensor;
  const { model, extraFeeds, reapplied } = rerouteModel(compiled, z, target, `${samplingNodeId}_latent_in`);
  const sigmoid = loss.decl.type === 'BinaryCrossentropy' && loss.params.fromLogits === true;
  return { model, extraFeeds, output, sigmoid, reapplied };
}

export interface LatentDecoding {
  /** The node (and port) whose output the reconstruction loss reads. */
  nodeId: string;
  port: string;
  shape: number[];
  values: Float32Array;
  /** sigmoid(values) when the reconstruction loss takes logits (BCE from logits); else null. */
  probabilities: Float32Array | null;
}

/**
 * Runs the decoder (everything between the Sampling node's z and the reconstruction the loss
 * reads) on the given latent vectors, one per row. A decoder that also reads other Inputs (a
 * conditional VAE's label) needs them in `feeds` (indexed like `compiled.feeds`).
 */
export function decodeLatent(
  compiled: CompiledGraph,
  graph: GraphDocument,
  samplingNodeId: string,
  z: readonly (readonly number[])[],
  feeds: FeedTensors = [],
): LatentDecoding {
  let perModel = latentDecoders.get(compiled);
  if (!perModel) {
    perModel = new Map();
    latentDecoders.set(compiled, perModel);
  }
  let decoder = perModel.get(samplingNodeId);
  if (!decoder) {
    decoder = buildLatentDecoder(compiled, graph, samplingNodeId);
    perModel.set(samplingNodeId, decoder);
  }
  const { model, extraFeeds, output, sigmoid } = decoder;
  const extra = extraFeeds.map((i) => {
    const t = feeds[i];
    if (!t) throw new Error(`decodeLatent: this decoder also reads Input ${compiled.feeds[i]?.nodeId}; pass it in feeds`);
    return t;
  });
  const out = tf.tidy(() => {
    const latent = tf.tensor2d(z.map((row) => [...row]));
    const y = model.apply([latent, ...extra], { training: false }) as tf.Tensor;
    return sigmoid ? [y, tf.sigmoid(y)] : [y];
  });
  try {
    return {
      nodeId: output.nodeId,
      port: output.port,
      shape: [...(out[0] as tf.Tensor).shape],
      values: Float32Array.from((out[0] as tf.Tensor).dataSync()),
      probabilities: out[1] ? Float32Array.from(out[1].dataSync()) : null,
    };
  } finally {
    tf.dispose(out);
  }
}

/**
 * Drops cached latent decoders. They share the compiled model's layers and own no tensors, but
 * building one counted a reference on each layer it called: those are given back here, or the
 * model's dispose would leave those layers' weights alive (4 variables for a conditional VAE).
 * Call it before or after disposing the compiled model, once the decoders are no longer used.
 */
export function disposeDecoders(compiled: CompiledGraph): void {
  for (const decoder of latentDecoders.get(compiled)?.values() ?? []) {
    for (const layer of decoder.reapplied) layer.dispose();
  }
  latentDecoders.delete(compiled);
}
