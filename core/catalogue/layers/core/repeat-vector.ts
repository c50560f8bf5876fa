import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { formatShape, ShapeError } from '../../../shapes/shape';

export const repeatVector = defineLayer({
  type: 'RepeatVector',
  kind: 'layer',
  category: 'Core',
  description: 'Repeats a vector n times as a sequence: [batch, features] -> [batch, n, features] (e.g. to feed a decoder RNN).',
  params: {
    n: param.int({ default: 2, min: 1, max: 100_000, label: 'Repeats', help: 'Number of time steps in the output.', card: true }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  backendExamples: [{ params: { n: 3 }, inputs: { in: oneInput([4]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    if (x.length !== 2) {
      const hint = x.length > 2 ? 'add a Flatten (or a recurrent layer returning its last step) before it' : '';
      throw new ShapeError(`RepeatVector expects rank 2 [batch, features] but got ${formatShape(x)}${hint ? `; ${hint}` : ''}`, 'in');
    }
    return { out: [null, ctx.params.n, x[1] ?? null] };
  },
  countParams: () => NO_PARAMS,
  build: ({ params, name, inputs }) => ({
    out: tfl.layers.repeatVector({ n: params.n, name }).apply(inputTensor({ params, name, inputs })) as SymbolicTensor,
  }),
});
