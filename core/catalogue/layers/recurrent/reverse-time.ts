/**
 * Reverses the time axis of a sequence. With it, a bidirectional layer can be written as two
 * recurrent layers (one on the reversed sequence, its output reversed back), e.g. when the two
 * directions need different options. A registered custom layer, so models save and load.
 */
import { reverse, serialization, tidy, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { formatShape, ShapeError } from '../../../shapes/shape';

export class ReverseTimeLayer extends tfl.layers.Layer {
  static readonly className = 'NetwrightReverseTime';

  override computeOutputShape(inputShape: (number | null)[]): (number | null)[] {
    return inputShape;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => reverse(Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs, 1));
  }
}
serialization.registerClass(ReverseTimeLayer, 'Netwright');

export const reverseTime = defineLayer({
  type: 'ReverseTime',
  kind: 'layer',
  category: 'Recurrent',
  description: 'Reverses the order of the time steps: [batch, time, ...] with step t becoming step time - 1 - t. Two of them around a recurrent layer make it run backwards with its outputs in forward order.',
  params: {},
  inputs: [{ name: 'in', help: 'A sequence [batch, time, ...].' }],
  outputs: OUT_PORT,
  backendExamples: [{ params: {}, inputs: { in: oneInput([4, 3]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    if (x.length < 3) throw new ShapeError(`ReverseTime needs a sequence [batch, time, features] but got ${formatShape(x)}`, 'in');
    return { out: x };
  },
  countParams: () => NO_PARAMS,
  flops: () => 0,
  build: (ctx) => ({ out: new ReverseTimeLayer({ name: ctx.name }).apply(inputTensor(ctx)) as SymbolicTensor }),
});
