/**
 * Learned position embedding (BERT / GPT-2 style): a trainable [maxLength, d] table whose first T
 * rows are added to the input [batch, T, d].
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { defineLayer, IN_PORT, inputShape, inputTensor, oneInput, OUT_PORT, type SymbolicTensor } from '../../decl';
import { param } from '../../params';
import { ShapeError } from '../../../shapes/shape';
import { configNumber, requireSequence, type BaseLayerArgs } from './common';

export interface PositionEmbeddingLayerArgs extends BaseLayerArgs {
  maxLength: number;
}

export class PositionEmbeddingLayer extends tfl.layers.Layer {
  static className = 'NetwrightPositionEmbedding';
  readonly maxLength: number;
  private table: tfl.LayerVariable | undefined;

  constructor(args: PositionEmbeddingLayerArgs) {
    super(args);
    this.maxLength = configNumber(args as unknown as Record<string, unknown>, 'maxLength', 1);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const depth = shape[2];
    if (typeof depth !== 'number') throw new Error('PositionEmbedding needs a known last dimension');
    this.table = this.addWeight('embeddings', [this.maxLength, depth], 'float32', tfl.initializers.glorotUniform({}));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!x || !this.table) throw new Error('PositionEmbedding: not built or no input');
      const [, length, depth] = x.shape as [number, number, number];
      if (length > this.maxLength) {
        throw new Error(`PositionEmbedding has positions for ${this.maxLength} steps but got a sequence of ${length}; increase maxLength`);
      }
      return tf.add(x, tf.slice(this.table.read(), [0, 0], [length, depth]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), maxLength: this.maxLength };
  }
}
tf.serialization.registerClass(PositionEmbeddingLayer);

export const positionEmbedding = defineLayer({
  type: 'PositionEmbedding',
  kind: 'layer',
  category: 'Attention',
  description: 'Adds a learned vector per position (BERT/GPT-2 style) to a sequence [batch, T, d]; T must be <= max length.',
  params: {
    maxLength: param.int({
      default: 128,
      min: 1,
      max: 100_000,
      label: 'Max length',
      help: 'Longest sequence this layer has positions for; it owns max length x d weights.',
      card: true,
    }),
  },
  inputs: IN_PORT,
  outputs: OUT_PORT,
  backendExamples: [{ params: { maxLength: 5 }, inputs: { in: oneInput([4, 3]) } }],
  inferShapes(ctx) {
    const x = inputShape(ctx);
    const { time } = requireSequence(x, 'PositionEmbedding', 'in');
    if (time !== null && time > ctx.params.maxLength) {
      throw new ShapeError(
        `PositionEmbedding has positions for ${ctx.params.maxLength} steps but the input has ${time}; increase max length to at least ${time}`,
        'in',
      );
    }
    return { out: x };
  },
  countParams(ctx) {
    const { features } = requireSequence(inputShape(ctx), 'PositionEmbedding', 'in');
    return { trainable: ctx.params.maxLength * features, nonTrainable: 0 };
  },
  flops(ctx) {
    const x = inputShape(ctx);
    return (x[1] ?? 1) * (x[2] ?? 1);
  },
  build({ params, name, inputs }) {
    const layer = new PositionEmbeddingLayer({ name, maxLength: params.maxLength });
    return { out: layer.apply(inputTensor({ params, name, inputs })) as SymbolicTensor };
  },
});
