import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { formatShape, requireRank, ShapeError } from '../../../shapes/shape';

function isPermutation(dims: readonly number[]): boolean {
  return [...dims].sort((a, b) => a - b).every((d, i) => d === i + 1);
}

function example(n: number): string {
  const dims = Array.from({ length: n }, (_, i) => i + 1);
  if (n >= 2) [dims[0], dims[1]] = [dims[1] as number, dims[0] as number];
  return `[${dims.join(', ')}]`;
}

export const permute = defineLayer({
  type: 'Permute',
  kind: 'layer',
  category: 'Core',
  description: 'Reorders the axes of each sample: dims [2, 1] turns [batch, steps, features] into [batch, features, steps].',
  params: {
    dims: param.ints({
      default: [2, 1],
      minLength: 1,
      maxLength: 5,
      min: 1,
      max: 5,
      label: 'Dims',
      help: 'The new order of the axes, 1-based and without the batch axis (as in Keras): each of 1..n once. Output axis i is input axis dims[i].',
      card: true,
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams: (p) =>
    isPermutation(p.dims)
      ? []
      : [`dims must list each of 1..${p.dims.length} exactly once (1-based, batch excluded), e.g. ${example(p.dims.length)}`],
  backendExamples: [{ params: { dims: [2, 1] }, inputs: { in: oneInput([3, 4]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireRank(x, { min: 2 }, 'Permute', '', 'in');
    const { dims } = ctx.params;
    if (dims.length !== x.length - 1) {
      throw new ShapeError(
        `Permute dims [${dims.join(', ')}] reorder ${dims.length} axes but ${formatShape(x)} has ${x.length - 1} after the batch; list ${x.length - 1}, e.g. ${example(x.length - 1)}`,
        'in',
      );
    }
    return { out: [null, ...dims.map((d) => x[d] ?? null)] };
  },
  countParams: () => NO_PARAMS,
  build: ({ params, name, inputs }) => ({
    out: tfl.layers.permute({ dims: params.dims, name }).apply(inputTensor({ params, name, inputs })) as SymbolicTensor,
  }),
});
