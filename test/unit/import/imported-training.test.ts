/**
 * Published model shapes trained on the bundled datasets after import: tfjs-examples' sentiment
 * CNN and bidirectional LSTM (float32 token Inputs, one sigmoid output) on sentiment, the
 * date-conversion-attention model on dates, keras-io's one-hot lstm_seq2seq on dates. Oracle: the
 * tfjs model itself, run on the same batch; its loss computed here from its predictions.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli';
import { createLstm } from '../../../core/catalogue/layers/recurrent/tfjs-rnn';
import { loadDataset, type Dataset } from '../../../core/data';
import { nodeFileSource } from '../../../core/data/node-source';
import { bindFeeds, compileSeeded, evaluateSplit, runTraining, type StepEvent } from '../../../core/engine/run';
import { Trainer, type EvaluationResult } from '../../../core/engine/trainer';
import { applyWeights } from '../../../core/engine/weights';
import { analyzeGraph, bindDatasetToDocument, datasetsFitting, runGraph, type FittingDataset, type GraphDocument } from '../../../core/graph';
import { importLayersModel, type ImportedModel } from '../../../core/import/layers-model';
import { asModelFiles, dateAttentionModel, importedOutputs, maxAbsDiff, modelFiles, referenceOutputs, sampleInputs } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Small patterned weights: the loss starts moderate and a swapped weight shows. */
function smallWeights(model: tfl.LayersModel): void {
  tf.tidy(() =>
    model.weights.forEach((w, k) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      w.write(tf.tensor(Float32Array.from({ length: n }, (_, i) => 0.15 * Math.sin(0.61 * i + 1.7 * k + 0.2)), w.shape as number[]));
    }),
  );
}

async function importModel(model: tfl.LayersModel): Promise<ImportedModel> {
  smallWeights(model);
  const { json, files } = await modelFiles(model);
  return importLayersModel(asModelFiles(json, files), { name: model.name, backend: 'cpu' });
}

/** Imported and reference outputs agree on sample inputs (ids for the token Inputs). */
function expectSameOutputs(model: tfl.LayersModel, imported: ImportedModel, vocab: number): void {
  const inputs = sampleInputs(model, 3, vocab);
  const reference = referenceOutputs(model, inputs);
  const ours = importedOutputs(imported.graph, inputs);
  tf.dispose(inputs);
  expect(ours.parameters).toBe(model.countParams());
  expect(maxAbsDiff(ours.outputs, reference)).toBeLessThan(1e-5);
}

const fitOf = (graph: GraphDocument, id: string) => datasetsFitting(graph).find((f) => f.datasetId === id);

/**
 * Binds `datasetId`; evaluates the imported weights on the first `rows` training rows in inference
 * mode (dropout off, as the tfjs model predicts), then trains `steps` batches of them.
 */
async function trainBound(imported: ImportedModel, datasetId: string, dataset: Dataset, rows: number, steps: number): Promise<{ graph: GraphDocument; start: EvaluationResult; end: EvaluationResult; events: StepEvent[] }> {
  const bound = bindDatasetToDocument(imported.graph, datasetId);
  if (!bound.ok) throw new Error(bound.message);
  expect(analyzeGraph(bound.graph).issues.filter((i) => i.severity === 'error')).toEqual([]);
  const run = bound.graph.runs[0];
  if (!run?.weights) throw new Error('no imported weights');
  const graph = runGraph(bound.graph, run);
  const trainGraph = { ...graph, training: { ...graph.training, batchSize: rows, epochs: steps, validationSplit: 0, learningRate: 0.01 } };
  const compiled = compileSeeded(trainGraph);
  const events: StepEvent[] = [];
  const before = tf.memory().numTensors;
  let start: EvaluationResult;
  let end: EvaluationResult;
  try {
    applyWeights(compiled, trainGraph, run.weights);
    const evaluator = new Trainer(compiled, trainGraph.training, { graph: trainGraph });
    start = await evaluateSplit(evaluator, dataset.train, bindFeeds(compiled, trainGraph, dataset), rows, rows);
    evaluator.dispose();
    const trained = await runTraining(trainGraph, compiled, dataset, { backend: 'cpu', limit: rows, onStep: (e) => events.push(e) });
    end = await evaluateSplit(trained.trainer, dataset.train, bindFeeds(compiled, trainGraph, dataset), rows, rows);
    trained.trainer.dispose();
  } finally {
    compiled.model.dispose();
  }
  expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  return { graph: bound.graph, start, end, events };
}

const rowsOf = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('one sigmoid output on sentiment (tfjs-examples/sentiment)', () => {
  /** tfjs-examples' cnn: Sequential with inputShape, so its token Input is saved float32. */
  const cnn = (maxLen: number, vocabulary: number) =>
    tfl.sequential({
      name: 'sentiment_cnn',
      layers: [
        tfl.layers.embedding({ inputShape: [maxLen], inputDim: vocabulary, outputDim: 6, name: 'embedding' }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.conv1d({ filters: 16, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' }),
        tfl.layers.globalMaxPool1d({}),
        tfl.layers.dense({ units: 8, activation: 'relu' }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });

  it('the CNN imports with an int32 token Input (saying why), equal outputs, and trains on sentiment with binary cross-entropy: first loss and accuracy = the tfjs model\'s', async () => {
    const model = cnn(17, 80);
    expect(model.inputs[0]?.dtype).toBe('float32');
    const imported = await importModel(model);
    const input = imported.graph.nodes.find((n) => n.type === 'Input');
    expect(input?.params.dtype).toBe('int32');
    expect(imported.notes).toEqual([`Input '${input?.id ?? ''}' is float32 in the file and feeds only Embedding 'embedding', which reads it as int32 token ids: imported as int32`]);
    expectSameOutputs(model, imported, 80);

    const fit = fitOf(imported.graph, 'sentiment') as FittingDataset;
    expect(fit.fits).toBe(true);
    expect(fit).toMatchObject({ loss: 'binary', fromLogits: false });
    expect(fit.reason).toBe("input [17] = its tokens; 1 output (sigmoid) = the chance of its class 'positive' (binary cross-entropy on the label reshaped to [1])");

    const dataset = await loadDataset('sentiment', nodeFileSource());
    const rows = 64;
    const batch = dataset.train.gather(rowsOf(rows));
    const labels = batch.features.label?.data as Int32Array;
    // The oracle: the tfjs model's probabilities on the same rows (ids as the float32 it was saved with).
    const probs = tf.tidy(() => Array.from((model.predict(tf.tensor(Float32Array.from(batch.features.tokens?.data as Int32Array), [rows, 17])) as tf.Tensor).dataSync()));
    model.dispose();
    const clip = (p: number) => Math.min(Math.max(p, 1e-7), 1 - 1e-7);
    const expectedLoss = probs.reduce((sum, p, i) => sum - (labels[i] === 1 ? Math.log(clip(p)) : Math.log(1 - clip(p))), 0) / rows;
    const expectedAccuracy = probs.filter((p, i) => (p > 0.5 ? 1 : 0) === labels[i]).length / rows;

    const { graph, start, end, events } = await trainBound(imported, 'sentiment', dataset, rows, 12);
    const added = graph.nodes.slice(imported.graph.nodes.length).map((n) => [n.type, n.params.feature ?? n.params.targetShape ?? n.params.fromLogits]);
    expect(added).toEqual([['Input', 'label'], ['Reshape', [1]], ['BinaryCrossentropy', false]]);
    expect(Math.abs(start.loss - expectedLoss)).toBeLessThan(1e-4 * expectedLoss);
    expect(start.metrics.accuracy).toBeCloseTo(expectedAccuracy, 6);
    // A training step (dropout on) reports the same metric.
    expect(events[0]?.step.metrics).toHaveProperty('accuracy');
    // Twelve steps on the same 64 rows: their loss (inference mode) goes down (slowly: two dropouts of 0.5; measured 0.69326 -> 0.69300).
    expect(end.loss).toBeLessThan(start.loss);
  });

  it('the bidirectional LSTM (hardSigmoid gates, float32 Input) imports and binds the same way; a longer or smaller-vocabulary model is refused with the mismatch', async () => {
    const model = tfl.sequential({
      name: 'sentiment_lstm',
      layers: [
        tfl.layers.embedding({ inputShape: [17], inputDim: 75, outputDim: 4, name: 'embedding' }),
        tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 3 }) as never, mergeMode: 'concat' }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const imported = await importModel(model);
    expectSameOutputs(model, imported, 75);
    model.dispose();
    expect(fitOf(imported.graph, 'sentiment')?.fits).toBe(true);
    const dataset = await loadDataset('sentiment', nodeFileSource());
    const { events } = await trainBound(imported, 'sentiment', dataset, 32, 2);
    expect(events).toHaveLength(2);
    expect(Number.isFinite(events[1]?.step.loss)).toBe(true);

    const long = cnn(100, 80);
    const longFit = fitOf((await importModel(long)).graph, 'sentiment');
    long.dispose();
    expect(longFit?.reason).toBe("its features (tokens [17] int32, mask [17] float32) can't feed the model's input ('embedding_input' [100] int32) one each");
    const small = cnn(17, 50);
    const smallFit = fitOf((await importModel(small)).graph, 'sentiment');
    small.dispose();
    expect(smallFit?.reason).toBe("Input 'embedding_input' [17] int32 feeds Embedding 'embedding' with 50 rows (ids 0-49); its tokens has 75 words tokens (ids 0-74)");
    const refused = bindDatasetToDocument((await importModel(cnn(17, 50))).graph, 'sentiment');
    expect(refused.ok).toBe(false);
  });
});

describe('seq2seq models on the bundled seq2seq datasets', () => {
  /**
   * tfjs-examples' date-conversion-attention (float32 Inputs into Embeddings with maskZero, Luong
   * attention as dot -> softmax -> dot, TimeDistributed Dense softmax), with the dates dataset's
   * lengths and vocabularies; the encoder's last state starts the decoder via returnState (the
   * example's own GetLastTimestepLayer is a custom class, refused by name).
   */
  function dateAttention(inLength: number, outLength: number, inVocab: number, outVocab: number): tfl.LayersModel {
    return dateAttentionModel({ inLength, outLength, inVocab, outVocab, units: 8, embeddingDim: 6, namedInt32Inputs: false, embeddingInputLength: true });
  }

  /** Masked mean of -log p(target) over the tokens the mask keeps, from the tfjs model's probabilities. */
  function sequenceLoss(model: tfl.LayersModel, inputs: tf.Tensor[], target: Int32Array, mask: Float32Array, vocab: number): number {
    const probs = tf.tidy(() => (model.predict(inputs) as tf.Tensor).dataSync() as Float32Array);
    let sum = 0;
    let kept = 0;
    target.forEach((id, i) => {
      sum -= (mask[i] as number) * Math.log(Math.max(probs[i * vocab + id] as number, 1e-7));
      kept += mask[i] as number;
    });
    return sum / Math.max(kept, 1);
  }

  it('date-conversion-attention binds to dates (ids into its Embeddings, softmax output against the masked targets): first loss = the tfjs model\'s; other datasets say which input or output does not fit', async () => {
    const dates = await loadDataset('dates', nodeFileSource());
    const spec = dates.spec;
    const [S, T] = [spec.features[0]?.shape[0] as number, spec.features[2]?.shape[0] as number];
    const [inVocab, outVocab] = [spec.vocabularies.source?.tokens.length as number, spec.vocabularies.target?.tokens.length as number];
    const model = dateAttention(S, T, inVocab, outVocab);
    const imported = await importModel(model);
    expect(imported.notes).toHaveLength(2);
    expectSameOutputs(model, imported, Math.min(inVocab, outVocab));

    const [enc, dec] = imported.graph.nodes.filter((n) => n.type === 'Input').map((n) => n.id) as [string, string];
    const fits = datasetsFitting(imported.graph);
    expect(fits.filter((f) => f.fits).map((f) => f.datasetId)).toEqual(['dates']);
    const fit = fits.find((f) => f.datasetId === 'dates') as FittingDataset;
    expect(fit).toMatchObject({ loss: 'sequence', fromLogits: false });
    expect(fit.inputs.map((b) => [b.inputNode, b.feature.name])).toEqual([[enc, 'encoderInput'], [dec, 'decoderInput']]);
    expect(fit.reason).toBe(`input '${enc}' [${S}] = its encoderInput; input '${dec}' [${T}] = its decoderInput; output [${T}, ${outVocab}] (softmax) = its decoderTarget over ${outVocab} target tokens, padding masked`);
    expect(fits.find((f) => f.datasetId === 'en-fr')?.reason).toBe(`its features (encoderInput [9] int32, sourceMask [9] float32, decoderInput [10] int32) can't feed the model's 2 inputs ('${enc}' [32] int32, '${dec}' [11] int32) one each`);

    const rows = 32;
    const batch = dates.train.gather(rowsOf(rows));
    const f = batch.features;
    const expected = tf.tidy(() =>
      sequenceLoss(
        model,
        [tf.tensor(Float32Array.from(f.encoderInput?.data as Int32Array), [rows, S]), tf.tensor(Float32Array.from(f.decoderInput?.data as Int32Array), [rows, T])],
        f.decoderTarget?.data as Int32Array,
        f.targetMask?.data as Float32Array,
        outVocab,
      ),
    );
    model.dispose();
    const { graph, start, events } = await trainBound(imported, 'dates', dates, rows, 3);
    const loss = graph.nodes.find((n) => n.type === 'SequenceCrossentropy');
    expect(loss?.params.fromLogits).toBe(false);
    expect(graph.edges.filter((e) => e.target.node === loss?.id).map((e) => [e.target.port, graph.nodes.find((n) => n.id === e.source.node)?.params.feature ?? e.source.node])).toEqual([
      ['prediction', fit.outputNode],
      ['target', 'decoderTarget'],
      ['mask', 'targetMask'],
    ]);
    expect(Math.abs(start.loss - expected)).toBeLessThan(1e-4 * expected);
    // No dropout: the first training step's loss is the same.
    expect(Math.abs((events[0]?.step.loss ?? NaN) - expected)).toBeLessThan(1e-4 * expected);
    expect(events[0]?.step.metrics).toHaveProperty('tokenAccuracy');
    expect(events.at(-1)?.step.loss ?? Infinity).toBeLessThan(expected);

    // Too few Embedding rows for the source, or an output over another vocabulary: the reason names it.
    const fewRows = dateAttention(S, T, inVocab - 11, outVocab);
    const fewGraph = (await importModel(fewRows)).graph;
    fewRows.dispose();
    const fewInput = fewGraph.nodes.find((n) => n.type === 'Input')?.id ?? '';
    const sourceEmbedding = fewGraph.edges.find((e) => e.source.node === fewInput)?.target.node;
    expect(fitOf(fewGraph, 'dates')?.reason).toBe(`Input '${fewInput}' [${S}] int32 feeds Embedding '${sourceEmbedding ?? ''}' with ${inVocab - 11} rows (ids 0-${inVocab - 12}); its encoderInput has ${inVocab} source tokens (ids 0-${inVocab - 1})`);
    const otherOut = dateAttention(S, T, inVocab, outVocab + 3);
    const otherFit = fitOf((await importModel(otherOut)).graph, 'dates');
    otherOut.dispose();
    expect(otherFit?.reason).toMatch(new RegExp(`^its decoderTarget is ${T} ids over ${outVocab} target tokens, so the output must be \\[batch, ${T}, ${outVocab}\\]; the model's output '.+' is \\[batch, ${T}, ${outVocab + 3}\\]$`));
  });

  it("keras-io lstm_seq2seq (one-hot inputs over open lengths) binds to dates through OneHot nodes: first loss = the tfjs model's on the one-hot batch", async () => {
    const dates = await loadDataset('dates', nodeFileSource());
    const spec = dates.spec;
    const [S, T] = [spec.features[0]?.shape[0] as number, spec.features[2]?.shape[0] as number];
    const [inVocab, outVocab] = [spec.vocabularies.source?.tokens.length as number, spec.vocabularies.target?.tokens.length as number];
    const units = 8;
    const encoderInputs = tfl.input({ shape: [null as unknown as number, inVocab], name: 'encoder_inputs' });
    const [, h, c] = tfl.layers.lstm({ units, returnState: true, name: 'encoder_lstm' }).apply(encoderInputs) as tfl.SymbolicTensor[];
    const decoderInputs = tfl.input({ shape: [null as unknown as number, outVocab], name: 'decoder_inputs' });
    const decoded = createLstm({ units, returnSequences: true, name: 'decoder_lstm' }).apply(decoderInputs, { initialState: [h, c] }) as tfl.SymbolicTensor;
    const outputs = tfl.layers.dense({ units: outVocab, activation: 'softmax', name: 'decoder_dense' }).apply(decoded) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [encoderInputs, decoderInputs], outputs, name: 'lstm_seq2seq' });
    const imported = await importModel(model);
    expect(imported.notes).toEqual([]);
    expectSameOutputs(model, imported, 10);

    const fit = fitOf(imported.graph, 'dates') as FittingDataset;
    expect(fit.fits).toBe(true);
    expect(fit.inputs.map((b) => [b.inputNode, b.feature.name, b.oneHot])).toEqual([['encoder_inputs', 'encoderInput', inVocab], ['decoder_inputs', 'decoderInput', outVocab]]);
    // Same lengths, another vocabulary: refused, naming the Input and both sizes.
    expect(fitOf(imported.graph, 'reverse')?.reason).toBe(`Input 'decoder_inputs' [null, ${outVocab}] float32 takes one-hot vectors of ${outVocab}; its decoderInput has 30 target tokens`);

    const rows = 16;
    const batch = dates.train.gather(rowsOf(rows));
    const f = batch.features;
    const expected = tf.tidy(() =>
      sequenceLoss(
        model,
        [tf.cast(tf.oneHot(tf.tensor(f.encoderInput?.data as Int32Array, [rows, S], 'int32'), inVocab), 'float32'), tf.cast(tf.oneHot(tf.tensor(f.decoderInput?.data as Int32Array, [rows, T], 'int32'), outVocab), 'float32')],
        f.decoderTarget?.data as Int32Array,
        f.targetMask?.data as Float32Array,
        outVocab,
      ),
    );
    model.dispose();
    const { graph, start, events } = await trainBound(imported, 'dates', dates, rows, 2);
    expect(graph.nodes.filter((n) => n.type === 'OneHot').map((n) => n.params.depth)).toEqual([inVocab, outVocab]);
    expect(Math.abs(start.loss - expected)).toBeLessThan(1e-4 * expected);
    expect(Math.abs((events[0]?.step.loss ?? NaN) - expected)).toBeLessThan(1e-4 * expected);
  });
});

describe('netwright import --dataset on these models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nw-imported-training-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the sentiment CNN: the note on its Input, bound to sentiment, then train --from-run 1 runs an epoch with accuracy', async () => {
    const model = tfl.sequential({
      name: 'sentiment_cnn',
      layers: [
        tfl.layers.embedding({ inputShape: [17], inputDim: 80, outputDim: 6, name: 'embedding' }),
        tfl.layers.conv1d({ filters: 5, kernelSize: 3, activation: 'relu' }),
        tfl.layers.globalMaxPool1d({}),
        tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    smallWeights(model);
    const { json, files } = await modelFiles(model);
    model.dispose();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    const graphFile = join(dir, 'cnn.json');
    const imported = await runCli(['import', join(dir, 'model.json'), '--out', graphFile, '--dataset', 'sentiment', '--backend', 'cpu']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain("note: Input 'embedding_input' is float32 in the file and feeds only Embedding 'embedding', which reads it as int32 token ids: imported as int32");
    expect(imported.stdout).toContain("bound dataset sentiment: input [17] = its tokens; 1 output (sigmoid) = the chance of its class 'positive'");
    const trained = await runCli(['train', graphFile, '--from-run', '1', '--epochs', '1', '--batch-size', '32', '--limit', '64', '--backend', 'cpu', '--json']);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const epoch = JSON.parse(trained.stdout.split('\n').find((l) => l.includes('"epoch"')) as string) as { loss: number; metrics: Record<string, number> };
    expect(Number.isFinite(epoch.loss)).toBe(true);
    expect(epoch.metrics).toHaveProperty('accuracy');
    const refused = await runCli(['import', join(dir, 'model.json'), '--out', join(dir, 'dates.json'), '--dataset', 'dates', '--backend', 'cpu']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("cannot bind --dataset dates: Date normalisation doesn't fit the model: its features (encoderInput [32] int32, sourceMask [32] float32, decoderInput [11] int32) can't feed the model's input ('embedding_input' [17] int32) one each; datasets that fit: sentiment");
  });
});
