/**
 * The graph document: the one plain, serializable state users save, share and undo.
 * Everything derived from it (shapes, counts, errors) is computed, never stored.
 */
import { z } from 'zod';
import { defaultParams, paramsShape } from '../catalogue/params';
import { PHASE_PARAMS, TRAINING_PARAMS } from './training-params';
import { WEIGHTS_CHECKSUM_PATTERN, weightsChecksumOfBase64 } from './weights-checksum';

export { PHASE_PARAMS, TRAINING_PARAMS, type PhaseParamKey, type TrainingParamKey } from './training-params';

export const GRAPH_FORMAT = 'netwright.graph';
/**
 * Version 2 added `runs`: trained runs (curves, manifest, weights) kept with the graph. Version 3
 * added `runs[].weights.checksum`. Version 4 added `nodes[].shares` (shared weights) and
 * `training.phases` (alternating updates, e.g. a GAN's discriminator and generator), both optional.
 * Version 5 added `submodels` (named parts of the graph run, inspected and exported alone), optional.
 */
export const GRAPH_VERSION = 5;

/** Limits that keep a hostile or broken file from exhausting memory or time. */
export const LIMITS = {
  /** Kept runs carry their weights, so files are bigger than the graph alone. */
  fileBytes: 48 * 1024 * 1024,
  nodes: 5_000,
  edges: 20_000,
  depth: 24,
  stringLength: 4_096,
  coordinate: 1e7,
  /** Runs kept with one document. */
  runs: 32,
  /** Points per kept curve (batch losses are thinned to this many). */
  curvePoints: 2_000,
  /** Characters of one run's base64 weights (about 32 MB of float32). */
  weightChars: 44 * 1024 * 1024,
  weightTensors: 10_000,
  /**
   * JSON values (members, elements, containers) in one file. A document at the other limits in
   * practice (32 kept runs of 2,000-point curves, graphs of a few thousand nodes) holds well under
   * a million; JSON.parse of more costs seconds and hundreds of megabytes.
   */
  jsonValues: 1_000_000,
  /** Elements of one JSON array: the longest any valid document has (its edges). */
  arrayItems: 20_000,
  /** Keys of one JSON object: valid documents have tens (parameters, metrics, options). */
  objectKeys: 10_000,
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
  /**
   * This node applies the weights of that node (same type, parameters and input shapes) instead of
   * its own: a GAN's discriminator on real and generated samples, the twin of a siamese network.
   */
  shares: id.optional(),
  /** The version of the node type's parameters they were written in (absent: 1); see `LayerDecl.paramsVersion`. */
  paramsVersion: z.number().int().min(1).max(1_000_000).optional(),
});

export const edgeSchema = z.strictObject({
  id,
  source: portRefSchema,
  target: portRefSchema,
});

const scheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant') }),
  z.strictObject({
    type: z.literal('step'),
    everyEpochs: z.number().int().min(1).max(100_000),
    factor: z.number().gt(0).max(1),
  }),
  z.strictObject({ type: z.literal('cosine'), minLearningRate: z.number().min(0).max(10) }),
]);

/** Limits of the phases of one training setup. */
export const PHASE_LIMITS = { phases: 8, nameLength: 64, ids: 256 } as const;

/**
 * One phase of alternating training: it minimises the weighted sum of its loss nodes by updating
 * only the weights of the nodes it lists (the rest are held fixed), with its own optimizer state.
 */
export const phaseSchema = z.strictObject({
  name: z.string().min(1).max(PHASE_LIMITS.nameLength),
  /** Ids of the loss nodes this phase minimises. */
  losses: z.array(id).min(1).max(PHASE_LIMITS.ids),
  /** Ids of the nodes whose weights this phase updates. */
  updates: z.array(id).min(1).max(PHASE_LIMITS.ids),
  // Steps per cycle, optimizer, learning rate, momentum, weight clipping: from their declaration.
  ...paramsShape(PHASE_PARAMS),
  // Added after version 4 was introduced: a phase written without it keeps Keras' Adam.
  beta1: paramsShape({ beta1: PHASE_PARAMS.beta1 }).beta1.default(0.9),
});

export const trainingSchema = z.strictObject({
  dataset: z
    .strictObject({
      id: z.string().max(64),
      options: z.record(z.string().max(64), z.union([z.number(), z.string().max(256), z.boolean()])),
    })
    .nullable(),
  schedule: scheduleSchema,
  // Optimizer, learning rate, batch size, epochs, seed...: from their declaration.
  ...paramsShape(TRAINING_PARAMS),
  /**
   * Alternating phases, cycled batch by batch (each phase takes `steps` batches in turn). Absent:
   * one phase that minimises every loss with every weight, with the setup's own optimizer.
   */
  phases: z.array(phaseSchema).min(1).max(PHASE_LIMITS.phases).optional(),
});

export const metadataSchema = z.strictObject({
  name: z.string().max(200),
  description: z.string().max(LIMITS.stringLength),
});

export const RUN_STATUSES = ['completed', 'stopped', 'early-stopped', 'non-finite'] as const;

/** What a run was: enough to reproduce it (same graph + dataset + seed + backend = same curve). */
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');

/** Where an imported run's weights came from. */
export const importOriginSchema = z.strictObject({
  /** The model file as it was named: a model.json, or a .keras / .h5 file. */
  file: z.string().max(256),
  format: z.enum(['tfjs-layers', 'keras', 'keras-h5']),
  /** What wrote the file, as the file says (tfjs' generatedBy / convertedBy, the Keras version), or null. */
  producer: z.string().max(200).nullable(),
  /** SHA-256 of the model file's bytes. */
  sha256: sha256Hex,
  /** The weight files a model.json named, each with its SHA-256 (none for Keras files). */
  weightFiles: z.array(z.strictObject({ name: z.string().max(256), sha256: sha256Hex })).max(1000),
  /** The graph Netwright's export wrote into the file, or the layers mapped onto the catalogue. */
  graphFrom: z.enum(['netwright-metadata', 'layers']),
});
export type ImportOrigin = z.infer<typeof importOriginSchema>;

export const runManifestSchema = z.strictObject({
  /** SHA-256 of the canonical graph without its kept runs. */
  graphHash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex'),
  graphName: z.string().max(200),
  dataset: z.strictObject({
    id: z.string().max(64),
    version: z.number().int().min(0),
    options: z.record(z.string().max(64), z.union([z.number(), z.string().max(256), z.boolean()])),
  }),
  seed: z.number().int().min(0),
  backend: z.string().max(32),
  tfjsVersion: z.string().max(32),
  training: trainingSchema,
  limit: z.number().int().min(1).nullable(),
  startedAt: z.string().max(64),
  /** Weights that were imported, not trained here: the file they came from (startedAt: when). */
  origin: importOriginSchema.optional(),
});

/** A number of a curve; null where training produced NaN/Inf (JSON has no such numbers). */
const curveValue = z.number().nullable();
const curve = z.array(curveValue).max(LIMITS.curvePoints);
const metricCurves = z.record(z.string().max(64), curve);

export const weightSpecSchema = z.strictObject({
  /** The tfjs layer (named after its graph node by the compiler). */
  layer: z.string().max(128),
  /** The weight's name within the model, e.g. "dense_1/kernel". */
  name: z.string().max(256),
  shape: z.array(z.number().int().min(0).max(1e9)).max(8),
  dtype: z.literal('float32'),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** All weights of a trained model: float32 little-endian, concatenated in `specs` order, base64. */
export const savedWeightsSchema = z
  .strictObject({
    specs: z.array(weightSpecSchema).max(LIMITS.weightTensors),
    data: z.string().max(LIMITS.weightChars),
    /**
     * CRC-32 of the specs (in order) and the bytes (see weights-checksum.ts). null only for runs
     * kept by a version 2 file, which had none: for those only the layout is checked on loading.
     */
    checksum: z.string().regex(WEIGHTS_CHECKSUM_PATTERN, 'a checksum "crc32:" + 8 hex digits').nullable(),
  })
  .superRefine((weights, ctx) => {
    const bytes = weights.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const chars = Math.ceil(bytes / 3) * 4;
    if (weights.data.length !== chars) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: `expected ${chars} base64 characters for ${bytes} bytes of weights, found ${weights.data.length}` });
    } else if (!BASE64.test(weights.data)) {
      ctx.addIssue({ code: 'custom', path: ['data'], message: 'not base64 (A-Z, a-z, 0-9, "+", "/", "=" padding)' });
    } else if (weights.checksum !== null) {
      const computed = weightsChecksumOfBase64(weights.specs, weights.data);
      if (computed !== weights.checksum) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: `checksum mismatch: the file says ${weights.checksum} but its specs and data give ${computed ?? 'no checksum (not base64)'}; the weights or their specs (order, names, shapes) were changed or damaged since they were saved`,
        });
      }
    }
  });

/** A training run kept with the document: its graph as trained, manifest, curves and weights. */
export const savedRunSchema = z
  .strictObject({
    id,
    name: z.string().max(200),
    status: z.enum(RUN_STATUSES),
    savedAt: z.string().max(64),
    /** The graph as it was trained (it may have been edited since). */
    graph: z.strictObject({
      nodes: z.array(nodeSchema).max(LIMITS.nodes),
      edges: z.array(edgeSchema).max(LIMITS.edges),
      training: trainingSchema,
    }),
    manifest: runManifestSchema,
    curves: z.strictObject({
      /** Batch losses at these global steps (thinned to at most `LIMITS.curvePoints`). */
      steps: z.array(z.number().int().min(0)).max(LIMITS.curvePoints),
      losses: curve,
      /** Per epoch: the global step it ended on, its mean loss and metrics. */
      epochSteps: z.array(z.number().int().min(0)).max(LIMITS.curvePoints),
      epochLoss: curve,
      validationLoss: curve,
      metrics: metricCurves,
      validationMetrics: metricCurves,
    }),
    test: z.strictObject({ loss: curveValue, metrics: z.record(z.string().max(64), curveValue) }).nullable(),
    /** null: the run ended without usable weights. */
    weights: savedWeightsSchema.nullable(),
  })
  .superRefine((run, ctx) => {
    const c = run.curves;
    if (c.steps.length !== c.losses.length) ctx.addIssue({ code: 'custom', path: ['curves', 'losses'], message: `${c.losses.length} losses for ${c.steps.length} steps` });
    for (const key of ['epochLoss', 'validationLoss'] as const) {
      if (c[key].length !== c.epochSteps.length) ctx.addIssue({ code: 'custom', path: ['curves', key], message: `${c[key].length} values for ${c.epochSteps.length} epochs` });
    }
  });

/** Limits of the sub-models of one document. */
export const SUBMODEL_LIMITS = { submodels: 32, nameLength: 64 } as const;

/** A sub-model's name: used as a CLI argument and in file names, so letters, digits, "_" and "-". */
export const SUBMODEL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * A named part of the graph that runs, is inspected and exported on its own (a VAE's decoder, a
 * GAN's generator). Only its nodes are stored: its inputs are the wires entering the set and its
 * outputs the wires leaving it (and its nodes' unread outputs), derived by `core/graph/submodels.ts`.
 */
export const submodelSchema = z.strictObject({
  name: z.string().regex(SUBMODEL_NAME_PATTERN, 'a name of 1-64 letters, digits, "_" or "-", starting with a letter'),
  nodes: z.array(id).min(1).max(LIMITS.nodes),
});

export const graphSchema = z.strictObject({
  format: z.literal(GRAPH_FORMAT),
  version: z.literal(GRAPH_VERSION),
  metadata: metadataSchema,
  nodes: z.array(nodeSchema).max(LIMITS.nodes),
  edges: z.array(edgeSchema).max(LIMITS.edges),
  training: trainingSchema,
  /** Absent in documents without sub-models (so their files stay as they were). */
  submodels: z.array(submodelSchema).max(SUBMODEL_LIMITS.submodels).optional(),
  runs: z.array(savedRunSchema).max(LIMITS.runs),
});

export type GraphNode = z.infer<typeof nodeSchema>;
export type GraphEdge = z.infer<typeof edgeSchema>;
export type TrainingSetup = z.infer<typeof trainingSchema>;
export type TrainingPhase = z.infer<typeof phaseSchema>;
export type Submodel = z.infer<typeof submodelSchema>;
export type GraphDocument = z.infer<typeof graphSchema>;
export type RunManifest = z.infer<typeof runManifestSchema>;
export type WeightSpec = z.infer<typeof weightSpecSchema>;
export type SavedWeights = z.infer<typeof savedWeightsSchema>;
export type SavedRun = z.infer<typeof savedRunSchema>;
export type SavedRunStatus = SavedRun['status'];
export type ParamValueJson = GraphNode['params'][string];

/** Keras' defaults: Adam, learning rate 1e-3, batch 64. */
export const DEFAULT_TRAINING: TrainingSetup = {
  dataset: null,
  schedule: { type: 'constant' },
  ...defaultParams(TRAINING_PARAMS),
};

export function emptyGraph(name = 'Untitled graph'): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    metadata: { name, description: '' },
    nodes: [],
    edges: [],
    training: structuredClone(DEFAULT_TRAINING),
    runs: [],
  };
}
