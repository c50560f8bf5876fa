/** Max and average pooling over a sliding window, 1D (sequences) and 2D (channels-last images). */
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, type BackendExample, inputShape, inputTensor, NO_PARAMS, OUT_PORT, type LayerDecl, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { convOutputLength, pair, paddingParam, requireImage, requireSequence, requireWindowFits, windowOutput2d } from '../convolution/spatial';

type Reduction = 'max' | 'avg';

const REMEDY = "use padding 'same', a smaller pool, or remove the pooling";

function describe(reduction: Reduction): string {
  return reduction === 'max' ? 'Keeps the largest value' : 'Averages the values';
}

/** A pool's strides (empty: the pool size) and padding, in the inspector's order. */
function stridesAndPadding(rank: 1 | 2, help: string) {
  return {
    strides: param.ints({
      default: [],
      minLength: 0,
      maxLength: rank,
      min: 1,
      max: 1024,
      label: 'Strides',
      help: `${help} Empty: the pool size (windows do not overlap), as in Keras.`,
    }),
    padding: paddingParam(),
  };
}

export function definePool1d(type: string, reduction: Reduction, backendExamples: readonly BackendExample[]): LayerDecl {
  return defineLayer({
    type,
    kind: 'layer',
    category: 'Pooling',
    description: `${describe(reduction)} in each window over time: [batch, steps, channels] -> [batch, steps', channels].`,
    params: {
      poolSize: param.int({ default: 2, min: 1, max: 1024, label: 'Pool size', help: 'Window length, in time steps.', card: true }),
      ...stridesAndPadding(1, 'Step between windows.'),
    },
    inputs: IN_PORT,
    outputs: OUT_PORT,
    backendExamples,
    inferShapes(ctx) {
      const x = inputShape(ctx);
      requireSequence(x, type);
      const { poolSize, padding } = ctx.params;
      const stride = ctx.params.strides[0] ?? poolSize;
      requireWindowFits(`${type} pool`, 'length', x[1] ?? null, poolSize, padding, 1, REMEDY);
      return { out: [null, convOutputLength(x[1] ?? null, poolSize, stride, padding), x[2] ?? null] };
    },
    countParams: () => NO_PARAMS,
    build({ params, name, inputs }) {
      const args = { poolSize: params.poolSize, strides: params.strides[0] ?? params.poolSize, padding: params.padding, name };
      const layer = reduction === 'max' ? tfl.layers.maxPooling1d(args) : tfl.layers.averagePooling1d(args);
      return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
    },
  });
}

export function definePool2d(type: string, reduction: Reduction, backendExamples: readonly BackendExample[]): LayerDecl {
  return defineLayer({
    type,
    kind: 'layer',
    category: 'Pooling',
    description: `${describe(reduction)} in each window (channels-last): [batch, height, width, channels] -> [batch, h', w', channels].`,
    params: {
      poolSize: param.ints({
        default: [2, 2],
        minLength: 1,
        maxLength: 2,
        min: 1,
        max: 1024,
        label: 'Pool size',
        help: 'Window size: one number for a square window, or [height, width].',
        card: true,
      }),
      ...stridesAndPadding(2, 'Step between windows: one number, or [vertical, horizontal].'),
    },
    inputs: IN_PORT,
    outputs: OUT_PORT,
    backendExamples,
    inferShapes(ctx) {
      const x = inputShape(ctx);
      requireImage(x, type);
      const { padding } = ctx.params;
      const [ph, pw] = pair(ctx.params.poolSize);
      const [sh, sw] = ctx.params.strides.length > 0 ? pair(ctx.params.strides) : [ph, pw];
      const [h, w] = windowOutput2d(`${type} pool`, x, [ph, pw], [sh, sw], padding, [1, 1], REMEDY);
      return { out: [null, h, w, x[3] ?? null] };
    },
    countParams: () => NO_PARAMS,
    build({ params, name, inputs }) {
      const poolSize = pair(params.poolSize);
      const strides = params.strides.length > 0 ? pair(params.strides) : poolSize;
      const args = { poolSize, strides, padding: params.padding, name };
      const layer = reduction === 'max' ? tfl.layers.maxPooling2d(args) : tfl.layers.averagePooling2d(args);
      return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
    },
  });
}

export function defineGlobalPool(type: string, reduction: Reduction, rank: 1 | 2, backendExamples: readonly BackendExample[]): LayerDecl {
  const over = rank === 1 ? 'over time: [batch, steps, channels]' : 'over height and width: [batch, height, width, channels]';
  return defineLayer({
    type,
    kind: 'layer',
    category: 'Pooling',
    description: `${describe(reduction)} of each channel ${over} -> [batch, channels].`,
    params: {},
    inputs: IN_PORT,
    outputs: OUT_PORT,
    backendExamples,
    inferShapes(ctx) {
      const x = inputShape(ctx);
      if (rank === 1) requireSequence(x, type);
      else requireImage(x, type);
      return { out: [null, x[x.length - 1] ?? null] };
    },
    countParams: () => NO_PARAMS,
    build({ params, name, inputs }) {
      const factory =
        rank === 1
          ? reduction === 'max'
            ? tfl.layers.globalMaxPooling1d
            : tfl.layers.globalAveragePooling1d
          : reduction === 'max'
            ? tfl.layers.globalMaxPooling2d
            : tfl.layers.globalAveragePooling2d;
      return { out: factory({ name }).apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
    },
  });
}
