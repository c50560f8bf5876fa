/**
 * Split: cuts the last axis into parts, one output port each (e.g. an encoder output into mu and
 * log-variance). tfjs has no such layer, so a registered custom layer does it and saves its config.
 */
import { serialization, split as splitTensor, tidy, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, NO_PARAMS, oneInput, type PortSpec, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { formatShape, lastDim, requireRank, ShapeError } from '../../../shapes/shape';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type TfjsShape = (number | null)[];

export interface SplitLastAxisArgs extends LayerArgs {
  /** Number of equal parts, used when `sizes` is empty. */
  parts: number;
  /** Explicit part sizes along the last axis; empty for equal parts. */
  sizes?: number[];
}

/** Sizes of the parts of an axis of length `length` (already checked to divide evenly). */
function partSizes(length: number, parts: number, sizes: readonly number[]): number[] {
  return sizes.length > 0 ? [...sizes] : Array.from({ length: parts }, () => length / parts);
}

export class SplitLastAxis extends tfl.layers.Layer {
  static readonly className = 'NetwrightSplit';
  readonly parts: number;
  readonly sizes: number[];

  constructor(args: SplitLastAxisArgs) {
    super(args);
    this.parts = args.parts;
    this.sizes = args.sizes ? [...args.sizes] : [];
  }

  override computeOutputShape(inputShape: TfjsShape | TfjsShape[]): TfjsShape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as TfjsShape;
    const last = shape[shape.length - 1];
    if (last === null || last === undefined) throw new Error('Split needs a known last dimension');
    return partSizes(last, this.parts, this.sizes).map((size) => [...shape.slice(0, -1), size]);
  }

  override call(inputs: Tensor | Tensor[]): Tensor[] {
    return tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs;
      return splitTensor(x, this.sizes.length > 0 ? this.sizes : this.parts, -1);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), parts: this.parts, sizes: [...this.sizes] };
  }
}
serialization.registerClass(SplitLastAxis, 'Netwright');

function splitPorts(params: { parts: number }): readonly PortSpec[] {
  return Array.from({ length: params.parts }, (_, i) => ({ name: `out${i + 1}`, help: `Part ${i + 1} of the last axis.` }));
}

export const split = defineLayer({
  type: 'Split',
  kind: 'layer',
  category: 'Core',
  description: 'Cuts the last axis into N parts, one output each: e.g. [batch, 2k] -> mu [batch, k] and log-variance [batch, k].',
  params: {
    parts: param.int({ default: 2, min: 2, max: 16, label: 'Parts', help: 'Number of outputs, out1..outN in order along the last axis.', card: true }),
    sizes: param.ints({
      default: [],
      minLength: 0,
      maxLength: 16,
      min: 1,
      max: 1_000_000,
      label: 'Sizes',
      help: 'Size of each part along the last axis, one per output. Empty: equal parts.',
    }),
  },
  inputs: IN_PORT,
  outputs: splitPorts,
  validateParams: (p) =>
    p.sizes.length > 0 && p.sizes.length !== p.parts
      ? [`sizes lists ${p.sizes.length} parts but parts is ${p.parts}; give one size per part or leave sizes empty for equal parts`]
      : [],
  backendExamples: [
    { params: { parts: 2 }, inputs: { in: oneInput([6]) } },
    { params: { sizes: [1, 3] }, inputs: { in: oneInput([2, 4]) } },
  ],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    requireRank(x, { min: 2 }, 'Split', '', 'in');
    const last = lastDim(x, 'Split', 'in');
    const { parts, sizes } = ctx.params;
    if (sizes.length > 0) {
      const sum = sizes.reduce((a, b) => a + b, 0);
      if (sum !== last) {
        throw new ShapeError(
          `Split sizes [${sizes.join(', ')}] add up to ${sum} but the last axis of ${formatShape(x)} is ${last}; make them add up to ${last}`,
          'in',
        );
      }
    } else if (last % parts !== 0) {
      throw new ShapeError(
        `Split cannot cut the last axis of ${formatShape(x)} (${last}) into ${parts} equal parts; set sizes (e.g. [${Math.ceil(last / parts)}, ...]) or change the input to a multiple of ${parts}`,
        'in',
      );
    }
    const out: Record<string, (number | null)[]> = {};
    partSizes(last, parts, sizes).forEach((size, i) => {
      out[`out${i + 1}`] = [...x.slice(0, -1), size];
    });
    return out;
  },
  countParams: () => NO_PARAMS,
  build({ params, name, inputs }) {
    const layer = new SplitLastAxis({ parts: params.parts, sizes: params.sizes, name });
    const parts = layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor[];
    const out: Record<string, SymbolicTensor> = {};
    parts.forEach((t, i) => {
      out[`out${i + 1}`] = t;
    });
    return out;
  },
});
