/** a - b. tfjs has no Subtract layer, so a registered custom layer does it and saves with the model. */
import { serialization, sub, tidy, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, NO_PARAMS, oneInput, OUT_PORT, type PortSpec, type SymbolicTensor } from '../../decl';
import { sameShapes } from './elementwise';

type TfjsShape = (number | null)[];

export class SubtractLayer extends tfl.layers.Layer {
  static readonly className = 'NetwrightSubtract';

  override computeOutputShape(inputShape: TfjsShape | TfjsShape[]): TfjsShape {
    const shapes = inputShape as TfjsShape[];
    if (shapes.length !== 2) throw new Error(`Subtract takes exactly 2 inputs, got ${shapes.length}`);
    return (shapes[0] as TfjsShape).map((d, i) => d ?? (shapes[1] as TfjsShape)[i] ?? null);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error('Subtract takes exactly 2 inputs: [a, b]');
      return sub(inputs[0] as Tensor, inputs[1] as Tensor);
    });
  }
}
serialization.registerClass(SubtractLayer, 'Netwright');

const PORTS: readonly PortSpec[] = [
  { name: 'a', help: 'The tensor subtracted from.' },
  { name: 'b', help: 'The tensor subtracted.' },
];

export const subtract = defineLayer({
  type: 'Subtract',
  kind: 'layer',
  category: 'Merge',
  description: 'Element-wise difference a - b of two tensors of the same shape.',
  params: {},
  inputs: PORTS,
  outputs: OUT_PORT,
  backendExamples: [{ params: {}, inputs: { a: oneInput([4]), b: oneInput([4]) } }],
  inferShapes: (ctx) => ({ out: sameShapes([inputShape(ctx, 'a'), inputShape(ctx, 'b')], 'Subtract', ['a', 'b']) }),
  countParams: () => NO_PARAMS,
  build(ctx) {
    const layer = new SubtractLayer({ name: ctx.name });
    return { out: layer.apply([inputTensor(ctx, 'a'), inputTensor(ctx, 'b')]) as SymbolicTensor };
  },
});
