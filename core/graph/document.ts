/**
 * The graph document: the one plain, serializable state users save, share and undo.
 * Everything derived from it (shapes, counts, errors) is computed, never stored.
 */
import { z } from 'zod';

export const GRAPH_FORMAT = 'netwright.graph';
export const GRAPH_VERSION = 1;

/** Limits that keep a hostile or broken file from exhausting memory or time. */
export const LIMITS = {
  fileBytes: 16 * 1024 * 1024,
  nodes: 5_000,
  edges: 20_000,
  depth: 24,
  stringLength: 4_096,
  coordinate: 1e7,
} as const;

const id = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an id of 1-64 letters, digits, "_", "." or "-"');

const finite = z.number().min(-LIMITS.coordinate).max(LIMITS.coordinate);

export const portRefSchema = z.strictObject({
  node: id,
  port: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'a port name'),
});

/** Parameter values are JSON; the node type's own schema checks them after this. */
const paramValue = z.union([
  z.number(),
  z.boolean(),
  z.string().max(LIMITS.stringLength),
  z.null(),
  z.array(z.union([z.number(), z.null()])).max(64),
]);

export const nodeSchema = z.strictObject({
  id,
  type: z.string().max(64),
  name: z.string().max(80).optional(),
  params: z.record(z.string().max(64), paramValue),
  position: z.strictObject({ x: finite, y: finite }),
});

export const edgeSchema = z.strictObject({
  id,
  source: portRefSchema,
  target: portRefSchema,
});

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'] as const;

const scheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant') }),
  z.strictObject({
    type: z.literal('step'),
    everyEpochs: z.number().int().min(1).max(100_000),
    factor: z.number().gt(0).max(1),
  }),
  z.strictObject({ type: z.literal('cosine'), minLearningRate: z.number().min(0).max(10) }),
]);

export const trainingSchema = z.strictObject({
  dataset: z
    .strictObject({
      id: z.string().max(64),
      options: z.record(z.string().max(64), z.union([z.number(), z.string().max(256), z.boolean()])),
    })
    .nullable(),
  optimizer: z.enum(OPTIMIZERS),
  learningRate: z.number().gt(0).max(100),
  /** Momentum of the 'momentum' optimizer; ignored by the others. */
  momentum: z.number().min(0).max(1),
  schedule: scheduleSchema,
  batchSize: z.number().int().min(1).max(65_536),
  epochs: z.number().int().min(1).max(100_000),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  validationSplit: z.number().min(0).max(0.9),
  /** Clip the global gradient norm to this value; null: no clipping. */
  gradientClipNorm: z.number().gt(0).max(1e6).nullable(),
  /** Stop after this many epochs without a better validation loss; null: never. */
  earlyStoppingPatience: z.number().int().min(1).max(10_000).nullable(),
  /** Probability of feeding the true previous token to a decoder (seq2seq). */
  teacherForcingRatio: z.number().min(0).max(1),
});

export const metadataSchema = z.strictObject({
  name: z.string().max(200),
  description: z.string().max(LIMITS.stringLength),
});

export const graphSchema = z.strictObject({
  format: z.literal(GRAPH_FORMAT),
  version: z.literal(GRAPH_VERSION),
  metadata: metadataSchema,
  nodes: z.array(nodeSchema).max(LIMITS.nodes),
  edges: z.array(edgeSchema).max(LIMITS.edges),
  training: trainingSchema,
});

export type PortRef = z.infer<typeof portRefSchema>;
export type GraphNode = z.infer<typeof nodeSchema>;
export type GraphEdge = z.infer<typeof edgeSchema>;
export type TrainingSetup = z.infer<typeof trainingSchema>;
export type GraphDocument = z.infer<typeof graphSchema>;
export type ParamValueJson = GraphNode['params'][string];

/** Keras' defaults: Adam, learning rate 1e-3, batch 64. */
export const DEFAULT_TRAINING: TrainingSetup = {
  dataset: null,
  optimizer: 'adam',
  learningRate: 1e-3,
  momentum: 0.9,
  schedule: { type: 'constant' },
  batchSize: 64,
  epochs: 10,
  seed: 1,
  validationSplit: 0.1,
  gradientClipNorm: null,
  earlyStoppingPatience: null,
  teacherForcingRatio: 1,
};

export function emptyGraph(name = 'Untitled'): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    metadata: { name, description: '' },
    nodes: [],
    edges: [],
    training: structuredClone(DEFAULT_TRAINING),
  };
}
