/**
 * OneHot: integer class ids -> one-hot vectors (e.g. a label fed into a conditional VAE). tfjs has
 * no such layer, so a registered custom layer does it and saves its depth.
 */
import { cast, oneHot, serialization, tidy, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, inputShape, inputTensor, NO_PARAMS, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { requireRank } from '../../../shapes/shape';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type TfjsShape = (number | null)[];

export class OneHotLayer extends tfl.layers.Layer {
  static readonly className = 'NetwrightOneHot';
  readonly depth: number;

  constructor(args: LayerArgs & { depth: number }) {
    super(args);
    this.depth = args.depth;
  }

  override computeOutputShape(inputShape: TfjsShape | TfjsShape[]): TfjsShape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as TfjsShape;
    return [...shape, this.depth];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const ids = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs;
      return cast(oneHot(cast(ids, 'int32'), this.depth), 'float32');
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), depth: this.depth };
  }
}
serialization.registerClass(OneHotLayer);

export const oneHotLayer = defineLayer({
  type: 'OneHot',
  kind: 'layer',
  category: 'Core',
  description: 'Turns integer class ids into one-hot vectors: [batch] -> [batch, depth].',
  params: {
    depth: param.int({ default: 10, min: 2, max: 100_000, label: 'Classes', help: 'Number of classes; ids must lie in [0, classes).', card: true }),
  },
  inputs: [{ name: 'in', role: 'class-index' }],
  outputs: OUT_PORT,
  backendExamples: [{ params: { depth: 4 }, inputs: { in: [{ shape: [3], kind: 'ids', intMax: 4 }] } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireRank(x, { min: 1, max: 3 }, 'OneHot', 'feed it integer ids, [batch] or [batch, time]', 'in');
    return { out: [...x, ctx.params.depth] };
  },
  countParams: () => NO_PARAMS,
  build: (ctx) => ({ out: new OneHotLayer({ depth: ctx.params.depth, name: ctx.name }).apply(inputTensor(ctx)) as SymbolicTensor }),
});
