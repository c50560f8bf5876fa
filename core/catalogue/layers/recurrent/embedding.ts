import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { formatShape, requireRank } from '../../../shapes/shape';

export const embedding = defineLayer({
  type: 'Embedding',
  kind: 'layer',
  category: 'Recurrent',
  description:
    'Looks up a learned vector for each token id: int32 ids [batch, time] -> [batch, time, outputDim]. Parameters: inputDim·outputDim.',
  params: {
    inputDim: param.int({
      default: 1000,
      min: 1,
      max: 10_000_000,
      label: 'Vocabulary size',
      help: 'Number of distinct token ids (ids run from 0 to inputDim - 1), PAD, START and END included. With mask zero, id 0 is the PAD token.',
      card: true,
    }),
    outputDim: param.int({
      default: 64,
      min: 1,
      max: 100_000,
      label: 'Vector size',
      help: 'Length of the vector each token id is mapped to.',
      card: true,
    }),
    maskZero: param.bool({
      default: false,
      label: 'Mask zero',
      help:
        'Treat id 0 as padding: the following recurrent layers skip those steps (they carry the state over). Ids still run ' +
        'to inputDim - 1, so reserve 0 for PAD in the vocabulary. Losses are not masked by this: use SequenceCrossentropy for that.',
    }),
  },
  inputs: [{ name: 'in', help: 'Integer token ids, [batch, time] (an Input with data type int32).' }],
  outputs: [{ name: 'out', help: 'One vector per token, [batch, time, outputDim].' }],
  backendExamples: [
    { params: { inputDim: 7, outputDim: 3 }, inputs: { in: [{ shape: [4], kind: 'ids', intMax: 7 }] } },
    { params: { inputDim: 5, outputDim: 2, maskZero: true }, inputs: { in: [{ shape: [2, 3], kind: 'ids', intMax: 5 }] } },
  ],
  inferShapes(ctx) {
    const ids = inputShape(ctx);
    requireRank(ids, { min: 2 }, 'Embedding', `it takes token ids [batch, time]; ${formatShape(ids)} has no axis for the tokens`, 'in');
    return { out: [...ids, ctx.params.outputDim] };
  },
  countParams: (ctx) => ({ trainable: ctx.params.inputDim * ctx.params.outputDim, nonTrainable: 0 }),
  // A lookup: no multiply-adds.
  flops: () => 0,
  build(ctx) {
    const layer = tfl.layers.embedding({
      inputDim: ctx.params.inputDim,
      outputDim: ctx.params.outputDim,
      maskZero: ctx.params.maskZero,
      name: ctx.name,
    });
    return { out: layer.apply(inputTensor(ctx)) as SymbolicTensor };
  },
});
