import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { featureSize, formatShape, requireRank, ShapeError, type Dim } from '../../../shapes/shape';

function listText(values: readonly number[]): string {
  return `[${values.join(', ')}]`;
}

export const reshape = defineLayer({
  type: 'Reshape',
  kind: 'layer',
  category: 'Core',
  description: 'Changes the shape of each sample without changing its values (row-major order): [batch, 784] -> [batch, 28, 28, 1].',
  params: {
    targetShape: param.ints({
      default: [-1],
      minLength: 1,
      // Rank 6 with the batch: the largest tfjs' predict can slice into batches.
      maxLength: 5,
      min: -1,
      max: 1_000_000,
      label: 'Target shape',
      help: 'Shape of one sample, without the batch axis; it must hold as many values as the input. One entry may be -1: it is inferred (as in Keras). Images are channels-last: [height, width, channels].',
      card: true,
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  validateParams(p) {
    const errors: string[] = [];
    if (p.targetShape.filter((d) => d === -1).length > 1) errors.push('targetShape may contain at most one -1 (the dimension to infer)');
    if (p.targetShape.includes(0)) errors.push('targetShape cannot contain 0; use -1 for the dimension to infer');
    return errors;
  },
  backendExamples: [{ params: { targetShape: [3, -1] }, inputs: { in: oneInput([2, 3]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireRank(x, { min: 1 }, 'Reshape', '', 'in');
    const target = ctx.params.targetShape;
    const inferIndex = target.indexOf(-1);
    const total = featureSize(x);
    const known = target.reduce((acc, d) => (d === -1 ? acc : acc * d), 1);
    if (total === null) {
      // A symbolic input axis: the inferred dimension is symbolic too; nothing else can be checked.
      return { out: [null, ...target.map<Dim>((d) => (d === -1 ? null : d))] };
    }
    if (inferIndex < 0) {
      if (known !== total) {
        throw new ShapeError(
          `Reshape cannot turn ${formatShape(x)} (${total} values per sample) into ${listText(target)} (${known} values); the target shape must hold exactly ${total} values, or use -1 for one dimension`,
          'in',
        );
      }
      return { out: [null, ...target] };
    }
    if (total % known !== 0) {
      throw new ShapeError(
        `Reshape cannot fill the -1 in ${listText(target)} from ${formatShape(x)}: ${total} values are not divisible by ${known}; change the other dimensions so they divide ${total}`,
        'in',
      );
    }
    return { out: [null, ...target.map((d) => (d === -1 ? total / known : d))] };
  },
  countParams: () => NO_PARAMS,
  build: ({ params, name, inputs }) => ({
    // A copy: tfjs writes null over the -1 of the array it is given (it would edit the document).
    out: tfl.layers.reshape({ targetShape: [...params.targetShape], name }).apply(inputTensor({ params, name, inputs })) as SymbolicTensor,
  }),
});
