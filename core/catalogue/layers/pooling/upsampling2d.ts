import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { pair, requireImage } from '../convolution/spatial';

export const upSampling2d = defineLayer({
  type: 'UpSampling2D',
  kind: 'layer',
  category: 'Pooling',
  description: 'Repeats rows and columns (channels-last): [batch, h, w, c] -> [batch, h * size, w * size, c]. No weights.',
  params: {
    size: param.ints({
      default: [2, 2],
      minLength: 1,
      maxLength: 2,
      min: 1,
      max: 64,
      label: 'Size',
      help: 'Upsampling factor: one number for both axes, or [rows, columns].',
      card: true,
    }),
    interpolation: param.enum({
      options: ['nearest', 'bilinear'],
      default: 'nearest',
      label: 'Interpolation',
      help: "'nearest' repeats each pixel; 'bilinear' interpolates between neighbours.",
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  backendExamples: [
    { params: { size: [2], interpolation: 'nearest' }, inputs: { in: oneInput([2, 3, 2]) } },
    { params: { size: [2, 3], interpolation: 'bilinear' }, inputs: { in: oneInput([2, 3, 2]) } },
  ],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireImage(x, 'UpSampling2D');
    const [sh, sw] = pair(ctx.params.size);
    const h = x[1] ?? null;
    const w = x[2] ?? null;
    return { out: [null, h === null ? null : h * sh, w === null ? null : w * sw, x[3] ?? null] };
  },
  countParams: () => NO_PARAMS,
  build({ params, name, inputs }) {
    const layer = tfl.layers.upSampling2d({ size: pair(params.size), interpolation: params.interpolation, name });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
