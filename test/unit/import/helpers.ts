/** Saving tfjs models as layers-format files, and running imported graphs, for the import tests. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createLstm } from '../../../core/catalogue/layers/recurrent/tfjs-rnn';
import { compileSeeded } from '../../../core/engine/run';
import { applyWeights } from '../../../core/engine/weights';
import { analyzeGraph, runGraph, type GraphDocument } from '../../../core/graph';
import { exportLayersModel } from '../../../core/engine/export';
import type { ModelFiles } from '../../../core/import/layers-model';

/** A model's layers-format files: model.json and its weights cut into `shards` files. */
export async function modelFiles(model: tfl.LayersModel, shards = 1, graph?: GraphDocument): Promise<{ json: Record<string, unknown>; files: Map<string, Uint8Array> }> {
  const exported = await exportLayersModel(model, graph);
  const json = JSON.parse(exported.modelJson) as Record<string, unknown> & { weightsManifest: { paths: string[] }[] };
  const files = new Map<string, Uint8Array>();
  const size = Math.ceil(exported.weights.byteLength / shards);
  const paths: string[] = [];
  for (let i = 0; i < shards; i++) {
    const path = `group1-shard${i + 1}of${shards}.bin`;
    paths.push(path);
    files.set(path, exported.weights.slice(i * size, Math.min((i + 1) * size, exported.weights.byteLength)));
  }
  (json.weightsManifest[0] as { paths: string[] }).paths = paths;
  return { json, files };
}

export function asModelFiles(json: unknown, files: ReadonlyMap<string, Uint8Array>): ModelFiles {
  return { modelJson: JSON.stringify(json), shard: (p) => files.get(p) };
}

/** Deterministic, non-trivial weights (so a swapped or transposed weight shows in the outputs). */
export function patternWeights(model: tfl.LayersModel): void {
  tf.tidy(() => {
    model.weights.forEach((w, k) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const values = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(0.7 * i + 1.3 * k + 0.1) * (w.name.includes('variance') ? 0 : 1) + (w.name.includes('variance') ? 1 + 0.3 * Math.cos(i) : 0));
      w.write(tf.tensor(values, w.shape as number[]));
    });
  });
}

/** Whether a model input is read only by Embedding layers (token ids, whatever its declared dtype). */
function feedsEmbeddings(model: tfl.LayersModel, k: number): boolean {
  const inputLayer = model.inputLayers[k];
  const readers = model.layers.filter((l) => l.inboundNodes.some((node) => node.inboundLayers.includes(inputLayer as tfl.layers.Layer)));
  return readers.length > 0 && readers.every((l) => l.getClassName() === 'Embedding');
}

/** Inputs for a model: floats from a fixed pattern, ids in [0, vocab) (float32 ones too, when Embeddings read them). */
export function sampleInputs(model: tfl.LayersModel, batch = 3, vocab = 10): tf.Tensor[] {
  return model.inputs.map((input, k) => {
    const shape = [batch, ...input.shape.slice(1).map((d) => d ?? 5)];
    const n = shape.reduce((a, b) => a * b, 1);
    if (input.dtype === 'int32' || feedsEmbeddings(model, k)) return tf.tensor(Int32Array.from({ length: n }, (_, i) => (i * 7 + k) % vocab), shape, input.dtype);
    return tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.cos(0.37 * i + k)), shape);
  });
}

/** The kept run of an imported graph compiled with its weights; outputs for `inputs` (model input order = graph Input order). */
export function importedOutputs(graph: GraphDocument, inputs: readonly tf.Tensor[]): { outputs: number[][]; parameters: number } {
  const run = graph.runs[0];
  if (!run?.weights) throw new Error('the imported graph keeps no weights');
  const g = runGraph(graph, run);
  const compiled = compileSeeded(g);
  try {
    applyWeights(compiled, g, run.weights);
    // Each Input takes its own dtype (an imported float32 token Input is int32 here).
    const dtypes = g.nodes.filter((n) => n.type === 'Input').map((n) => (n.params.dtype ?? 'float32') as 'float32' | 'int32');
    const out = tf.tidy(() => {
      const result = compiled.model.predict(inputs.map((t, i) => (t.dtype === dtypes[i] ? t : tf.cast(t, dtypes[i] ?? t.dtype)))) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(result) ? result : [result]).map((t) => Array.from(t.dataSync()));
    });
    return { outputs: out, parameters: analyzeGraph(g).totals.trainable + analyzeGraph(g).totals.nonTrainable };
  } finally {
    compiled.model.dispose();
  }
}

export function referenceOutputs(model: tfl.LayersModel, inputs: readonly tf.Tensor[]): number[][] {
  return tf.tidy(() => {
    const result = model.predict([...inputs]) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(result) ? result : [result]).map((t) => Array.from(t.dataSync()));
  });
}

export function maxAbsDiff(a: readonly number[][], b: readonly number[][]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((xs, i) => {
    const ys = b[i] as number[];
    if (xs.length !== ys.length) worst = Infinity;
    xs.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (ys[j] as number)))));
  });
  return worst;
}

/** The sizes and input conventions of a date-conversion-attention model (tfjs-examples). */
export interface DateAttentionSizes {
  inLength: number;
  outLength: number;
  inVocab: number;
  outVocab: number;
  units: number;
  embeddingDim: number;
  /** int32 Inputs named encoder_input/decoder_input; otherwise unnamed float32 ones (the example's own). */
  namedInt32Inputs: boolean;
  /** Embeddings declare their inputLength, as the example's do. */
  embeddingInputLength: boolean;
}

/**
 * tfjs-examples' date-conversion-attention: Embeddings with maskZero, an LSTM encoder whose last
 * state starts the LSTM decoder (returnState: the example's GetLastTimestepLayer is a custom class),
 * Luong attention as dot -> softmax -> dot, TimeDistributed Dense tanh then softmax.
 */
export function dateAttentionModel(sizes: DateAttentionSizes): tfl.LayersModel {
  const { inLength, outLength, inVocab, outVocab, units, embeddingDim } = sizes;
  const input = (length: number, name: string) =>
    sizes.namedInt32Inputs ? tfl.input({ shape: [length], dtype: 'int32', name }) : tfl.input({ shape: [length] });
  const embedding = (inputDim: number, length: number) =>
    tfl.layers.embedding({ inputDim, outputDim: embeddingDim, maskZero: true, ...(sizes.embeddingInputLength ? { inputLength: length } : {}) });
  const encoderInput = input(inLength, 'encoder_input');
  const decoderInput = input(outLength, 'decoder_input');
  const encoderEmbedded = embedding(inVocab, inLength).apply(encoderInput) as tfl.SymbolicTensor;
  const [encoder, h, c] = tfl.layers.lstm({ units, returnSequences: true, returnState: true }).apply(encoderEmbedded) as tfl.SymbolicTensor[];
  const decoderEmbedded = embedding(outVocab, outLength).apply(decoderInput) as tfl.SymbolicTensor;
  // tfjs' stock LSTM loses an initial state passed this way (see tfjs-rnn.ts); the fixed class saves as "LSTM" all the same.
  const decoder = createLstm({ units, returnSequences: true }).apply(decoderEmbedded, { initialState: [h, c] }) as tfl.SymbolicTensor;
  let attention = tfl.layers.dot({ axes: [2, 2] }).apply([decoder, encoder as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  attention = tfl.layers.activation({ activation: 'softmax', name: 'attention' }).apply(attention) as tfl.SymbolicTensor;
  const context = tfl.layers.dot({ axes: [2, 1], name: 'context' }).apply([attention, encoder as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
  const combined = tfl.layers.concatenate().apply([context, decoder]) as tfl.SymbolicTensor;
  let output = tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units, activation: 'tanh' }) }).apply(combined) as tfl.SymbolicTensor;
  output = tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: outVocab, activation: 'softmax' }) }).apply(output) as tfl.SymbolicTensor;
  return tfl.model({ inputs: [encoderInput, decoderInput], outputs: output, name: 'date_attention' });
}
