/**
 * Inspecting an imported model that has no dataset: on a bundled dataset that fits it (bound on a
 * copy, the document unchanged), or on one sample the user gives; without either the error names
 * what each Input takes. Oracle: the original tfjs model (and its intermediate layer as a tfjs
 * model) on the same sample.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../core/data';
import { nodeFileSource } from '../../../core/data/node-source';
import { compileSeeded } from '../../../core/engine/run';
import { applyWeights } from '../../../core/engine/weights';
import { runGraph, type GraphDocument } from '../../../core/graph';
import { importLayersModel } from '../../../core/import/layers-model';
import { givenInputsDataset, inspectionPlan, modelInputs, parseGivenValues, type GivenSample, type ModelInput } from '../../../core/inspect/inspection-input';
import { availableViews, computeView } from '../../../core/inspect/registry';
import { InspectionSession } from '../../../core/inspect/session';
import type { Dataset } from '../../../core/data/types';
import { asModelFiles, modelFiles, patternWeights } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function imported(model: tfl.LayersModel): Promise<GraphDocument> {
  const { json, files } = await modelFiles(model);
  return (await importLayersModel(asModelFiles(json, files), { name: model.name, backend: 'cpu' })).graph;
}

/** Opens the plan's graph with the imported run's weights, as the worker and the CLI do. */
async function open(document: GraphDocument, given: GivenSample | null): Promise<InspectionSession> {
  const run = document.runs[0];
  if (!run?.weights) throw new Error('no imported weights');
  const plan = inspectionPlan(runGraph(document, run), given);
  if (!plan.ok) throw new Error(plan.message);
  const dataset: Dataset = plan.source.kind === 'given' && 'dataset' in plan ? plan.dataset : await loadDataset(plan.graph.training.dataset?.id ?? '', nodeFileSource());
  const compiled = compileSeeded(plan.graph);
  const session = new InspectionSession(plan.graph, compiled, dataset);
  applyWeights(compiled, plan.graph, run.weights);
  return session;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe('inspecting an imported model with no dataset', () => {
  it('a 28x28x1 convnet with 10 softmax outputs is inspected on MNIST validation samples at once: its feature maps equal the tfjs layer on the same image', async () => {
    const model = tfl.sequential({
      name: 'mnist_cnn',
      layers: [
        tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }),
        tfl.layers.flatten({ name: 'flat' }),
        tfl.layers.dense({ units: 10, activation: 'softmax', name: 'probs' }),
      ],
    });
    patternWeights(model);
    const document = await imported(model);
    expect(document.training.dataset).toBeNull();
    const before = tf.memory().numTensors;
    const session = await open(document, null);
    const plan = inspectionPlan(document, null);
    expect(plan.ok && plan.source).toEqual({
      kind: 'fitting',
      datasetId: 'mnist',
      title: 'MNIST handwritten digits',
      reason: expect.stringContaining('10 outputs (softmax)') as unknown,
      others: [{ datasetId: 'fashion-mnist', title: expect.stringContaining('Fashion') as unknown }],
    });
    // Another dataset that fits is read when asked for; one that doesn't fit is not.
    const fashion = inspectionPlan(document, null, 'fashion-mnist');
    expect(fashion.ok && fashion.source.kind === 'fitting' && [fashion.source.datasetId, fashion.graph.training.dataset?.id]).toEqual(['fashion-mnist', 'fashion-mnist']);
    const iris = inspectionPlan(document, null, 'iris');
    expect(iris.ok && iris.source.kind === 'fitting' && iris.source.datasetId).toBe('mnist');
    // The document is not bound: the copy is.
    expect(document.nodes.map((n) => n.type)).toEqual(['Input', 'Conv2D', 'Flatten', 'Dense']);
    expect(availableViews(session)).toEqual(expect.arrayContaining(['activations', 'sample']));
    const result = computeView(session, { kind: 'activations', nodeId: 'conv', sample: 3 });
    const image = session.inspectionSplit().gather([3]).features.image?.data as Float32Array;
    const conv = tfl.model({ inputs: model.inputs, outputs: (model.getLayer('conv') as tfl.layers.Layer).output as tfl.SymbolicTensor });
    const expected = tf.tidy(() => (conv.predict(tf.tensor(image, [1, 28, 28, 1])) as tf.Tensor).dataSync());
    expect(result.ports[0]?.shape).toEqual([1, 26, 26, 4]);
    expect(maxDiff(result.ports[0]?.values as Float32Array, expected)).toBeLessThan(1e-5);
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a model no dataset fits: the error names what each Input takes; a given sample is inspected (outputs equal the tfjs model on it)', async () => {
    const model = tfl.sequential({ name: 'tiny', layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'tanh', name: 'hidden' }), tfl.layers.dense({ units: 2, name: 'out' })] });
    patternWeights(model);
    const document = await imported(model);
    const none = inspectionPlan(document, null);
    expect(none.ok).toBe(false);
    expect(!none.ok && none.message).toMatch(/no bundled dataset fits it: give an input to inspect it on \(Input '.+' takes \[4\] float32: 4 numbers\)/);

    const input = modelInputs(document)[0] as ModelInput;
    const parsed = parseGivenValues(input, '[0.5, -1, 2, 0.25]');
    if (!parsed.ok) throw new Error(parsed.message);
    const before = tf.memory().numTensors;
    const session = await open(document, { [input.nodeId]: parsed.values });
    expect(session.dataset.spec.id).toBe('given-input');
    const out = computeView(session, { kind: 'activations', nodeId: 'out', sample: 0 });
    const expected = tf.tidy(() => (model.predict(tf.tensor([[0.5, -1, 2, 0.25]])) as tf.Tensor).dataSync());
    expect(maxDiff(out.ports[0]?.values as Float32Array, expected)).toBeLessThan(1e-6);
    expect(out.population).toBe(1);
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('an LSTM over an open length: the length is worked out from the values given; int32 ids are checked', async () => {
    // Token ids of any length, as Keras writes Input(shape=(None,), dtype='int32').
    const ids = tfl.input({ shape: [null] as unknown as number[], dtype: 'int32', name: 'ids' });
    const embedded = tfl.layers.embedding({ inputDim: 12, outputDim: 3, name: 'emb' }).apply(ids) as tfl.SymbolicTensor;
    const model = tfl.model({ name: 'seq', inputs: ids, outputs: tfl.layers.lstm({ units: 2, name: 'lstm' }).apply(embedded) as tfl.SymbolicTensor });
    patternWeights(model);
    const document = await imported(model);
    const input = modelInputs(document)[0] as ModelInput;
    expect(input).toMatchObject({ shape: [null], dtype: 'int32' });
    expect(parseGivenValues(input, '1 2.5 3')).toEqual({ ok: false, message: expect.stringContaining('value 2 (2.5) is not a whole number') as unknown });
    expect(parseGivenValues(input, '1 x 3')).toEqual({ ok: false, message: expect.stringContaining('"x" (value 2) is not a number') as unknown });
    const parsed = parseGivenValues(input, '4 1 7 9 2');
    if (!parsed.ok) throw new Error(parsed.message);
    const session = await open(document, { [input.nodeId]: parsed.values });
    const out = computeView(session, { kind: 'activations', nodeId: 'emb', sample: 0 });
    expect(out.ports[0]?.shape).toEqual([1, 5, 3]);
    const lstm = computeView(session, { kind: 'activations', nodeId: 'lstm', sample: 0 });
    const expected = tf.tidy(() => (model.predict(tf.tensor([[4, 1, 7, 9, 2]], [1, 5], 'int32')) as tf.Tensor).dataSync());
    expect(maxDiff(lstm.ports[0]?.values as Float32Array, expected)).toBeLessThan(1e-5);
    session.dispose();
    model.dispose();
  });

  it('given samples are checked against the Inputs: counts, missing and unknown inputs, dtypes', () => {
    const graph = { nodes: [{ id: 'x', type: 'Input', name: 'x', params: { shape: [2, 3], dtype: 'float32', feature: '' }, position: { x: 0, y: 0 } }], edges: [], training: {}, runs: [] } as unknown as GraphDocument;
    const input = modelInputs(graph)[0] as ModelInput;
    expect(parseGivenValues(input, '1 2 3 4 5')).toEqual({ ok: false, message: "Input 'x' takes [2, 3] float32: 6 numbers; 5 were given" });
    expect(givenInputsDataset(graph, {})).toEqual({ ok: false, message: "no values for Input 'x' takes [2, 3] float32: 6 numbers" });
    expect(givenInputsDataset(graph, { y: new Float32Array(6), x: new Float32Array(6) })).toEqual({ ok: false, message: "the model has no Input 'y'; its inputs: x" });
    expect(givenInputsDataset(graph, { x: new Int32Array(6) })).toEqual({ ok: false, message: "Input 'x' takes float32; int32 values were given" });
    const made = givenInputsDataset(graph, { x: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    expect(made.ok && made.graph.nodes[0]?.params.feature).toBe('x');
    expect(made.ok && Array.from(made.dataset.validation.gather([0]).features.x?.data ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
