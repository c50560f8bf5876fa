import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLstm } from '../../../core/catalogue/layers/recurrent/tfjs-rnn';
import { importLayersModel } from '../../../core/import/layers-model';
import { ImportError } from '../../../core/import/errors';
import { asModelFiles, dateAttentionModel, importedOutputs, maxAbsDiff, modelFiles, patternWeights, referenceOutputs, sampleInputs } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function importModel(model: tfl.LayersModel, shards = 1) {
  patternWeights(model);
  const { json, files } = await modelFiles(model, shards);
  return importLayersModel(asModelFiles(json, files), { name: model.name, backend: 'cpu' });
}

/** Imports `model`, runs both on the same inputs: same parameter count, same outputs. */
async function expectSameModel(model: tfl.LayersModel, shards = 1, tolerance = 1e-5) {
  const before = tf.memory().numTensors;
  const imported = await importModel(model, shards);
  const inputs = sampleInputs(model);
  const reference = referenceOutputs(model, inputs);
  const ours = importedOutputs(imported.graph, inputs);
  tf.dispose(inputs);
  expect(ours.parameters).toBe(model.countParams());
  expect(imported.parameters).toBe(model.countParams());
  expect(maxAbsDiff(ours.outputs, reference)).toBeLessThan(tolerance);
  expect(tf.memory().numTensors).toBe(before);
  return imported;
}

describe('import of TensorFlow.js layers models', () => {
  it('a Sequential convnet (mnist-node style) in two weight shards: same parameters and outputs', async () => {
    const model = tfl.sequential({
      name: 'convnet',
      layers: [
        tfl.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }),
        tfl.layers.maxPooling2d({ poolSize: [2, 2] }),
        tfl.layers.batchNormalization({}),
        tfl.layers.flatten(),
        tfl.layers.dropout({ rate: 0.25 }),
        tfl.layers.dense({ units: 8, activation: 'relu' }),
        tfl.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const imported = await expectSameModel(model, 2);
    expect(imported.source).toBe('layers');
    expect(imported.graph.nodes.map((n) => n.type)).toEqual(['Input', 'Conv2D', 'Conv2D', 'MaxPool2D', 'BatchNorm', 'Flatten', 'Dropout', 'Dense', 'Dense']);
    // Laid out left to right, every node placed.
    const xs = imported.graph.nodes.map((n) => n.position.x);
    expect(new Set(xs).size).toBe(xs.length);
    model.dispose();
  });

  it('a Functional model: two inputs, embedding + LSTM with states feeding a GRU, merges', async () => {
    const tokens = tfl.input({ shape: [6], dtype: 'int32', name: 'tokens' });
    const extra = tfl.input({ shape: [4], name: 'extra' });
    const emb = tfl.layers.embedding({ inputDim: 10, outputDim: 5 }).apply(tokens) as tfl.SymbolicTensor;
    const [seq, h, c] = tfl.layers.lstm({ units: 4, returnSequences: true, returnState: true }).apply(emb) as tfl.SymbolicTensor[];
    const gru = tfl.layers.gru({ units: 4, recurrentActivation: 'sigmoid' }).apply(seq as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const dense = tfl.layers.dense({ units: 4, activation: 'tanh' }).apply(extra) as tfl.SymbolicTensor;
    const sum = tfl.layers.add().apply([gru, dense, h as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const joined = tfl.layers.concatenate().apply([sum, c as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const normed = tfl.layers.layerNormalization({}).apply(joined) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2 }).apply(normed) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [tokens, extra], outputs: out, name: 'functional' });
    const imported = await expectSameModel(model);
    const lstm = imported.graph.nodes.find((n) => n.type === 'LSTM');
    expect(lstm?.params).toMatchObject({ units: 4, returnSequences: true, returnState: true, recurrentActivation: 'hardSigmoid' });
    expect(imported.graph.edges.filter((e) => e.source.node === lstm?.id).map((e) => e.source.port).sort()).toEqual(['c', 'h', 'out']);
    model.dispose();
  });

  it('nested models (a Sequential and a Functional used as layers) are flattened in place', async () => {
    const encoder = tfl.sequential({ name: 'encoder', layers: [tfl.layers.dense({ inputShape: [6], units: 5, activation: 'relu' }), tfl.layers.dense({ units: 3 })] });
    const innerIn = tfl.input({ shape: [3] });
    const head = tfl.model({ name: 'head', inputs: innerIn, outputs: tfl.layers.dense({ units: 2, activation: 'sigmoid' }).apply(innerIn) as tfl.SymbolicTensor });
    const x = tfl.input({ shape: [6], name: 'x' });
    const z = encoder.apply(x) as tfl.SymbolicTensor;
    const y = head.apply(z) as tfl.SymbolicTensor;
    const skip = tfl.layers.dense({ units: 2 }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ name: 'outer', inputs: x, outputs: tfl.layers.multiply().apply([y, skip]) as tfl.SymbolicTensor });
    const imported = await expectSameModel(model);
    expect(imported.graph.nodes.filter((n) => n.type === 'Input')).toHaveLength(1);
    expect(imported.graph.nodes.filter((n) => n.type === 'Dense')).toHaveLength(4);
    model.dispose();
  });
});

describe('tfjs-examples models', () => {
  it('date-conversion-attention: Luong attention as dot -> softmax -> dot, TimeDistributed(Dense), decoder started from the encoder state', async () => {
    const [inLength, outLength, inVocab, outVocab, units] = [7, 5, 12, 10, 6];
    const model = dateAttentionModel({ inLength, outLength, inVocab, outVocab, units, embeddingDim: 4, namedInt32Inputs: true, embeddingInputLength: false });
    const imported = await expectSameModel(model);
    expect(imported.graph.nodes.filter((n) => n.type === 'Dot').map((n) => n.params.axes)).toEqual([[2, 2], [2, 1]]);
    expect(imported.graph.nodes.filter((n) => n.type === 'Dense')).toHaveLength(2);
    model.dispose();
  });

  it('sentiment cnn: Embedding -> Dropout -> Conv1D -> GlobalMaxPool1D -> Dense -> Dropout -> Dense(sigmoid), as tfjs-examples/sentiment builds it', async () => {
    const model = tfl.sequential({
      name: 'sentiment_cnn',
      layers: [
        tfl.layers.embedding({ inputShape: [9], inputDim: 20, outputDim: 6 }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.conv1d({ filters: 5, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' }),
        tfl.layers.globalMaxPool1d({}),
        tfl.layers.dense({ units: 4, activation: 'relu' }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const imported = await expectSameModel(model);
    expect(imported.graph.nodes.map((n) => n.type)).toEqual(['Input', 'Embedding', 'Dropout', 'Conv1D', 'GlobalMaxPool1D', 'Dense', 'Dropout', 'Dense']);
    model.dispose();
  });

  it('fashion-mnist-vae: the decoder (Dense relu -> Dense sigmoid) imports exactly; the encoder with its sampling layer (a custom class) is refused by position and name', async () => {
    const decoder = tfl.sequential({
      name: 'decoder',
      layers: [tfl.layers.dense({ inputShape: [2], units: 16, activation: 'relu', name: 'decoder_dense' }), tfl.layers.dense({ units: 784, activation: 'sigmoid', name: 'decoder_output' })],
    });
    await expectSameModel(decoder);
    decoder.dispose();
    // The encoder: Dense -> z_mean, z_log_var -> ZLayer (tfjs-examples' own class: code, not a Keras layer).
    const x = tfl.input({ shape: [784], name: 'encoder_input' });
    const hidden = tfl.layers.dense({ units: 16, activation: 'relu', name: 'encoder_dense' }).apply(x) as tfl.SymbolicTensor;
    const zMean = tfl.layers.dense({ units: 2, name: 'z_mean' }).apply(hidden) as tfl.SymbolicTensor;
    const zLogVar = tfl.layers.dense({ units: 2, name: 'z_log_var' }).apply(hidden) as tfl.SymbolicTensor;
    const z = tfl.layers.concatenate({ name: 'z' }).apply([zMean, zLogVar]) as tfl.SymbolicTensor;
    const encoder = tfl.model({ inputs: x, outputs: [zMean, zLogVar, z], name: 'encoder' });
    patternWeights(encoder);
    const { json, files } = await modelFiles(encoder);
    encoder.dispose();
    const layers = (json as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }).modelTopology.config.layers;
    const sampling = layers.find((l) => l.config.name === 'z') as { class_name: string; config: Record<string, unknown> };
    sampling.class_name = 'ZLayer';
    sampling.config = { name: 'z', trainable: true };
    await expect(importLayersModel(asModelFiles(json, files), { name: 'encoder', backend: 'cpu' })).rejects.toThrow(/^layer 5 'z' \(ZLayer\): /);
  });
});

describe('keras-io models', () => {
  it('lstm_seq2seq: encoder LSTM states start the decoder LSTM, Dense softmax over the target characters', async () => {
    const [inTokens, outTokens, units] = [7, 9, 8];
    const encoderInputs = tfl.input({ shape: [null as unknown as number, inTokens], name: 'encoder_inputs' });
    const [, h, c] = tfl.layers.lstm({ units, returnState: true, name: 'encoder_lstm' }).apply(encoderInputs) as tfl.SymbolicTensor[];
    const decoderInputs = tfl.input({ shape: [null as unknown as number, outTokens], name: 'decoder_inputs' });
    // tfjs' stock LSTM loses an initial state passed this way (see tfjs-rnn.ts); the fixed class saves as "LSTM".
    const decoded = createLstm({ units, returnSequences: true, name: 'decoder_lstm' }).apply(decoderInputs, { initialState: [h, c] }) as tfl.SymbolicTensor;
    const outputs = tfl.layers.dense({ units: outTokens, activation: 'softmax', name: 'decoder_dense' }).apply(decoded) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [encoderInputs, decoderInputs], outputs, name: 'lstm_seq2seq' });
    const imported = await expectSameModel(model);
    expect(imported.graph.nodes.map((n) => n.type).sort()).toEqual(['Dense', 'Input', 'Input', 'LSTM', 'LSTM']);
    model.dispose();
  });
});

describe('TimeDistributed(Conv2D)', () => {
  it('a video classifier: TimeDistributed(Conv2D) -> per-step Dense -> LSTM imports exactly, with the conv per time step', async () => {
    const frames = tfl.input({ shape: [4, 6, 6, 1], name: 'frames' });
    const conv = tfl.layers.timeDistributed({ layer: tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu', padding: 'same' }) }).apply(frames) as tfl.SymbolicTensor;
    const perStep = tfl.layers.reshape({ targetShape: [4, 27] }).apply(conv) as tfl.SymbolicTensor;
    const seq = tfl.layers.lstm({ units: 5 }).apply(tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 6 }) }).apply(perStep) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: frames, outputs: tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(seq) as tfl.SymbolicTensor });
    const imported = await expectSameModel(model);
    expect(imported.graph.nodes.find((n) => n.type === 'Conv2D')?.params).toMatchObject({ filters: 3, kernelSize: [3, 3], strides: [2, 2], timeDistributed: true });
    model.dispose();
  });

  it('other wrapped layers are refused by name', async () => {
    const x = tfl.input({ shape: [3, 4, 4, 1], name: 'x' });
    const model = tfl.model({ inputs: x, outputs: tfl.layers.timeDistributed({ layer: tfl.layers.maxPooling2d({ poolSize: 2 }) }).apply(x) as tfl.SymbolicTensor });
    const { json, files } = await modelFiles(model);
    model.dispose();
    await expect(importLayersModel(asModelFiles(json, files), { name: 'x', backend: 'cpu' })).rejects.toThrow(/^layer 2 '.+' \(TimeDistributed\): TimeDistributed\("MaxPooling2D"\) has no equivalent yet/);
  });
});

describe('Bidirectional', () => {
  it("tfjs-examples' sentiment model: Embedding -> Bidirectional(LSTM, hardSigmoid gates) -> Dense imports exactly", async () => {
    const model = tfl.sequential({
      name: 'sentiment_bidirectional',
      layers: [
        tfl.layers.embedding({ inputShape: [7], inputDim: 10, outputDim: 4 }),
        tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 5, recurrentActivation: 'hardSigmoid' }) as tfl.RNN, mergeMode: 'concat' }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    const imported = await expectSameModel(model);
    expect(imported.graph.nodes.map((n) => n.type)).toEqual(['Input', 'Embedding', 'Bidirectional', 'Dense']);
    expect(imported.graph.nodes.find((n) => n.type === 'Bidirectional')?.params).toMatchObject({ layer: 'LSTM', units: 5, mergeMode: 'concat', recurrentActivation: 'hardSigmoid', returnSequences: false });
    model.dispose();
  });

  it('GRU and SimpleRNN with sequences, other merges, other activations and both directions\' final states', async () => {
    const x = tfl.input({ shape: [6, 3], name: 'x' });
    const [gru, hForward, hBackward] = tfl.layers
      .bidirectional({ layer: tfl.layers.gru({ units: 4, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid', activation: 'relu' }) as tfl.RNN, mergeMode: 'ave' })
      .apply(x) as tfl.SymbolicTensor[];
    const rnn = tfl.layers.bidirectional({ layer: tfl.layers.simpleRNN({ units: 3, activation: 'sigmoid', dropout: 0.2 }) as tfl.RNN, mergeMode: 'mul' }).apply(gru as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    // The states feed a layer (a graph's outputs are its sink nodes).
    const merged = tfl.layers.concatenate().apply([rnn, hForward as tfl.SymbolicTensor, hBackward as tfl.SymbolicTensor]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: merged });
    const imported = await expectSameModel(model);
    const nodes = imported.graph.nodes.filter((n) => n.type === 'Bidirectional');
    expect(nodes.map((n) => n.params)).toMatchObject([
      { layer: 'GRU', units: 4, mergeMode: 'ave', returnSequences: true, returnState: true, activation: 'relu', recurrentActivation: 'sigmoid' },
      { layer: 'SimpleRNN', units: 3, mergeMode: 'mul', activation: 'sigmoid', dropout: 0.2 },
    ]);
    expect(imported.graph.edges.filter((e) => e.source.node === nodes[0]?.id).map((e) => e.source.port).sort()).toEqual(['hBackward', 'hForward', 'out']);
    model.dispose();
  });

  async function bidirectionalRefusal(edit: (config: { merge_mode: unknown; layer: { class_name: string; config: Record<string, unknown> } }) => void): Promise<string> {
    const model = tfl.sequential({ layers: [tfl.layers.bidirectional({ inputShape: [4, 2], layer: tfl.layers.lstm({ units: 3 }) as tfl.RNN })] });
    const { json, files } = await modelFiles(model);
    model.dispose();
    const layers = (json as { modelTopology: { config: { layers: { class_name: string; config: never }[] } } }).modelTopology.config.layers;
    edit((layers.find((l) => l.class_name === 'Bidirectional') as { config: never }).config);
    const error = await importLayersModel(asModelFiles(json, files), { name: 'x', backend: 'cpu' }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    return (error as Error).message;
  }

  it('options the node lacks are refused by name, on the layer and its position', async () => {
    expect(await bidirectionalRefusal((c) => (c.merge_mode = null))).toMatch(/^layer 2 '.+' \(Bidirectional\): option merge_mode = null has no equivalent/);
    expect(await bidirectionalRefusal((c) => (c.layer.config.use_bias = false))).toMatch(/^layer 2 '.+' \(Bidirectional\): wrapped LSTM '.+': option use_bias = false has no equivalent/);
    expect(await bidirectionalRefusal((c) => (c.layer.config.go_backwards = true))).toMatch(/^layer 2 '.+' \(Bidirectional\): wrapped LSTM '.+': option go_backwards = true has no equivalent/);
    expect(await bidirectionalRefusal((c) => (c.layer.config.kernel_regularizer = { class_name: 'L1L2', config: { l2: 0.1 } }))).toMatch(/wrapped LSTM '.+': option kernel_regularizer = .*no regularizers/);
    expect(await bidirectionalRefusal((c) => (c.layer.class_name = 'Dense'))).toMatch(/^layer 2 '.+' \(Bidirectional\): Bidirectional\("Dense"\) has no equivalent \(the node wraps LSTM, GRU or SimpleRNN\)/);
  });
});

describe('refusals name the layer, its position and the reason', () => {
  const small = (): tfl.LayersModel =>
    tfl.sequential({
      name: 'small',
      layers: [tfl.layers.dense({ inputShape: [4], units: 3 }), tfl.layers.dense({ units: 2 })],
    });

  async function refusal(edit: (json: { modelTopology: { config: { layers: Record<string, unknown>[] } } }) => void, model = small()): Promise<string> {
    patternWeights(model);
    const { json, files } = await modelFiles(model);
    edit(json as never);
    model.dispose();
    const error = await importLayersModel(asModelFiles(json, files), { name: 'x', backend: 'cpu' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportError);
    return (error as Error).message;
  }

  it('a Lambda layer', async () => {
    const message = await refusal((json) => {
      const layers = json.modelTopology.config.layers;
      layers.splice(1, 0, { class_name: 'Lambda', config: { name: 'lambda_1', function: 'lambda x: x * 2' } });
    });
    // Input (synthesised from the first layer's shape) = 1, dense = 2, lambda = 3.
    expect(message).toMatch(/^layer 3 'lambda_1' \(Lambda\): Lambda layers carry Python or JavaScript code/);
  });

  it('an option with no equivalent', async () => {
    const message = await refusal((json) => {
      (json.modelTopology.config.layers[1] as { config: Record<string, unknown> }).config.kernel_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } };
    });
    expect(message).toMatch(/^layer 3 '.+' \(Dense\): option kernel_regularizer = .*no regularizers/);
  });

  it('an unknown option that is set', async () => {
    const message = await refusal((json) => {
      (json.modelTopology.config.layers[0] as { config: Record<string, unknown> }).config.lora_rank = 4;
    });
    expect(message).toMatch(/^layer 2 '.+' \(Dense\): option lora_rank = 4 is not known/);
  });

  it('weights that do not fit the mapped node', async () => {
    const message = await refusal((json) => {
      (json.modelTopology.config.layers[1] as { config: Record<string, unknown> }).config.units = 3;
    });
    expect(message).toMatch(/^layer 3 '.+' \(Dense\): its weights in the file \(kernel \[3, 2\], bias \[2\]\) don't fit the mapped node, which has kernel \[3, 3\], bias \[3\]/);
  });

  it('a shared layer (applied twice)', async () => {
    const x = tfl.input({ shape: [3], name: 'x' });
    const shared = tfl.layers.dense({ units: 3, name: 'shared' });
    const y = shared.apply(shared.apply(x) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const message = await refusal(() => undefined, tfl.model({ inputs: x, outputs: y }));
    expect(message).toMatch(/^layer 2 'shared' \(Dense\): it is applied 2 times \(shared weights\)/);
  });

  it('shapes the catalogue refuses are reported on the layer', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4, 4, 2], units: 3 })] });
    const message = await refusal(() => undefined, model);
    expect(message).toMatch(/^layer 2 '.+' \(Dense\): Dense expects rank 2\.\.3/);
  });
});
