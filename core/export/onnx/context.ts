/** What a conversion rule receives and returns. */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { OnnxDataType } from './schema';
import type { GraphBuilder } from './builder';

/** A value of the ONNX graph standing for one tfjs tensor (layouts stay tfjs': channels last). */
export interface OnnxValue {
  name: string;
  /** tfjs shape, batch first, null = not fixed. */
  shape: (number | null)[];
  dtype: OnnxDataType;
  /** A Keras mask travelling with the value: bool [batch, time], true = a real step. */
  mask?: string;
}

/** One weight of a layer: float32 values in tfjs layout. */
export interface LayerWeight {
  values: Float32Array;
  shape: number[];
}

export interface RuleContext {
  b: GraphBuilder;
  layer: tfl.layers.Layer;
  config: Readonly<Record<string, unknown>>;
  inputs: readonly OnnxValue[];
  /** tfjs output shapes of this application of the layer. */
  outputShapes: readonly (number | null)[][];
  /** The layer's weight whose name ends with `/suffix` (throws when missing). */
  weight(suffix: string): LayerWeight;
  /** The same, or undefined. */
  maybeWeight(suffix: string): LayerWeight | undefined;
  /** The weight as an ONNX initializer (optionally transformed first). */
  init(suffix: string, transform?: (w: LayerWeight) => LayerWeight): string;
}

/** Converts one tfjs layer application; returns one ONNX value per tfjs output. */
export type LayerRule = (ctx: RuleContext) => OnnxValue[];

export class OnnxExportError extends Error {
  constructor(
    message: string,
    /** The graph node at fault, when known. */
    readonly nodeId?: string,
  ) {
    super(message);
    this.name = 'OnnxExportError';
  }
}
