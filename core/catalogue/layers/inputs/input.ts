import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, NO_PARAMS, OUT_PORT } from '../../decl';
import { param } from '../../params';

export const input = defineLayer({
  type: 'Input',
  kind: 'input',
  category: 'Inputs',
  description: 'A model input: a batch of tensors of the given shape, optionally fed by a dataset feature.',
  params: {
    shape: param.ints({
      default: [28, 28, 1],
      minLength: 0,
      maxLength: 4,
      min: 1,
      max: 1_000_000,
      allowNull: true,
      label: 'Shape',
      help: 'Shape of one sample, without the batch dimension. Images are channels-last: [height, width, channels]. [] is one number per sample (a class id). Leave a dimension empty (null) for a variable sequence length.',
      card: true,
    }),
    dtype: param.enum({
      options: ['float32', 'int32'],
      default: 'float32',
      label: 'Data type',
      help: 'int32 for token ids fed to an Embedding; float32 otherwise.',
    }),
    feature: param.string({
      default: '',
      maxLength: 64,
      label: 'Dataset feature',
      help: "Name of the dataset feature or label this input is fed with (e.g. 'image', 'label'). Empty: not bound.",
      card: true,
    }),
  },
  inputs: [],
  outputs: OUT_PORT,
  inferShapes: ({ params }) => ({ out: [null, ...params.shape] }),
  countParams: () => NO_PARAMS,
  build: ({ params, name }) => ({ out: tfl.input({ shape: params.shape, dtype: params.dtype, name }) }),
});
