/**
 * The shared layer test (after Keras' run_layer_test): for random valid configurations of one node
 * type, the declared shapes must equal those of a real tfjs forward pass and the declared parameter
 * count must equal tfjs' own count of the built weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { expect } from 'vitest';
import { portsOf, type LayerDecl, type NodeDecl, type SymbolicTensor } from '../../../core/catalogue/decl';
import { paramsObjectSchema, type ParamSpec } from '../../../core/catalogue/params';
import { ShapeError, type Dim, type Shape } from '../../../core/shapes/shape';

export interface InputSpec {
  /** Shape of one sample (no batch axis); null marks a symbolic axis (a variable length). */
  shape: Dim[];
  dtype?: 'float32' | 'int32';
  /** For int32 inputs: values are drawn from [0, intMax). */
  intMax?: number;
}

export interface LayerCase {
  params: Record<string, unknown>;
  inputs: Record<string, InputSpec[]>;
}

const BATCH = 2;
/** What a symbolic axis becomes in the forward pass. */
const SYMBOLIC_LENGTH = 5;
let uniqueId = 0;

function concrete(shape: Dim[]): number[] {
  return shape.map((d) => d ?? SYMBOLIC_LENGTH);
}

function randomInput(spec: InputSpec): tf.Tensor {
  const shape = [BATCH, ...concrete(spec.shape)];
  if (spec.dtype === 'int32') return tf.randomUniform(shape, 0, spec.intMax ?? 2, 'int32');
  return tf.randomNormal(shape);
}

function asLayer(decl: NodeDecl): LayerDecl {
  if (decl.kind === 'loss') throw new Error(`${decl.type} is a loss; use the loss tests`);
  return decl;
}

/** Runs one case; returns a description of the mismatch, or throws via expect. */
export function checkLayerCase(nodeDecl: NodeDecl, testCase: LayerCase): void {
  const decl = asLayer(nodeDecl);
  const params = paramsObjectSchema(decl.params).parse(testCase.params);
  const crossParamErrors = decl.validateParams?.(params) ?? [];
  expect(crossParamErrors, 'the generated case must be valid').toEqual([]);
  const shapeInputs: Record<string, Shape[]> = {};
  for (const [port, specs] of Object.entries(testCase.inputs)) {
    shapeInputs[port] = specs.map((s) => [null, ...s.shape]);
  }
  const ctx = { params, inputs: shapeInputs };
  const inferred = decl.inferShapes(ctx);
  const count = decl.countParams(ctx);

  const before = tf.memory().numTensors;
  const symbolicInputs: Record<string, SymbolicTensor[]> = {};
  const modelInputs: SymbolicTensor[] = [];
  const feeds: tf.Tensor[] = [];
  for (const [port, specs] of Object.entries(testCase.inputs)) {
    symbolicInputs[port] = specs.map((s) => {
      const t = tfl.input({ shape: s.shape, dtype: s.dtype ?? 'float32' });
      modelInputs.push(t);
      feeds.push(randomInput(s));
      return t;
    });
  }
  const name = `case${uniqueId++}`;
  const built = decl.build({ params, name, inputs: symbolicInputs });
  const ports = Object.keys(built).sort();
  expect(ports).toEqual(Object.keys(inferred).sort());
  const model = tfl.model({ inputs: modelInputs, outputs: ports.map((p) => built[p] as SymbolicTensor) });
  try {
    const size = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 0), 1);
    const trainable = model.trainableWeights.reduce((n, w) => n + size(w.shape), 0);
    const nonTrainable = model.nonTrainableWeights.reduce((n, w) => n + size(w.shape), 0);
    expect({ trainable, nonTrainable }, `parameter count of ${decl.type} ${JSON.stringify(params)}`).toEqual(count);
    expect(model.countParams()).toBe(count.trainable + count.nonTrainable);

    // apply, not predict: predict reshapes rank-1 inputs (one id per sample) to [batch, 1].
    const result = model.apply(feeds.length === 1 ? (feeds[0] as tf.Tensor) : feeds, { training: false }) as tf.Tensor | tf.Tensor[];
    const outputs = Array.isArray(result) ? result : [result];
    ports.forEach((port, i) => {
      const actual = (outputs[i] as tf.Tensor).shape;
      const expected = inferred[port] as Shape;
      const matches =
        actual.length === expected.length &&
        actual[0] === BATCH &&
        expected.every((d, j) => j === 0 || d === null || d === actual[j]);
      expect(matches, `${decl.type} port "${port}": inferred ${JSON.stringify(expected)}, tfjs gave ${JSON.stringify(actual)} for ${JSON.stringify(testCase)}`).toBe(true);
    });
    tf.dispose(outputs);
  } finally {
    tf.dispose(feeds);
    model.dispose();
  }
  expect(tf.memory().numTensors, 'tensors leaked by the forward pass').toBe(before);
}

/** The property: at least `numRuns` random valid configurations all agree with tfjs. */
export function checkLayerProperty(decl: NodeDecl, cases: fc.Arbitrary<LayerCase>, numRuns = 200): void {
  fc.assert(
    fc.property(cases, (c) => {
      checkLayerCase(decl, c);
    }),
    { numRuns, seed: 42 },
  );
}

export const smallDim = (max = 6) => fc.integer({ min: 1, max });

/**
 * Saves the built model in the tfjs layers format and loads it back: the outputs must be identical.
 * This is what lets a trained model with custom layers re-load with `tf.loadLayersModel`.
 */
export async function checkSerializationRoundTrip(nodeDecl: NodeDecl, testCase: LayerCase): Promise<void> {
  const decl = asLayer(nodeDecl);
  const params = paramsObjectSchema(decl.params).parse(testCase.params);
  const before = tf.memory().numTensors;
  const modelInputs: SymbolicTensor[] = [];
  const feeds: tf.Tensor[] = [];
  const symbolicInputs: Record<string, SymbolicTensor[]> = {};
  for (const [port, specs] of Object.entries(testCase.inputs)) {
    symbolicInputs[port] = specs.map((s) => {
      const t = tfl.input({ shape: s.shape, dtype: s.dtype ?? 'float32' });
      modelInputs.push(t);
      feeds.push(randomInput(s));
      return t;
    });
  }
  const built = decl.build({ params, name: `case${uniqueId++}`, inputs: symbolicInputs });
  const ports = Object.keys(built).sort();
  const model = tfl.model({ inputs: modelInputs, outputs: ports.map((p) => built[p] as SymbolicTensor) });
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('model.save produced no artifacts');
  // Through JSON text, as a file on disk would be.
  const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as object;
  const loaded = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topology, weightSpecs: saved.weightSpecs, weightData: saved.weightData }),
  );
  try {
    const input = feeds.length === 1 ? (feeds[0] as tf.Tensor) : feeds;
    const a = model.apply(input, { training: false }) as tf.Tensor | tf.Tensor[];
    const b = loaded.apply(input, { training: false }) as tf.Tensor | tf.Tensor[];
    const as = Array.isArray(a) ? a : [a];
    const bs = Array.isArray(b) ? b : [b];
    expect(bs.length).toBe(as.length);
    as.forEach((t, i) => {
      expect(Array.from((bs[i] as tf.Tensor).dataSync())).toEqual(Array.from(t.dataSync()));
    });
    tf.dispose([...as, ...bs]);
  } finally {
    tf.dispose(feeds);
    model.dispose();
    loaded.dispose();
  }
  expect(tf.memory().numTensors, 'tensors leaked by the round trip').toBe(before);
}

/** Any value a parameter spec admits (ranges capped so cases stay small). */
function paramArb(spec: ParamSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'int': {
      const min = spec.min ?? -8;
      return fc.integer({ min, max: Math.min(spec.max ?? 8, min + 8) });
    }
    case 'float':
      return fc.double({ min: spec.min ?? -10, max: spec.max ?? 10, minExcluded: spec.exclusiveMin ?? false, noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...spec.options);
    case 'ints': {
      const min = spec.min ?? -8;
      const item = fc.integer({ min, max: Math.min(spec.max ?? 8, min + 8) });
      return fc.array(spec.allowNull ? fc.option(item, { nil: null }) : item, { minLength: spec.minLength, maxLength: spec.maxLength });
    }
    case 'string':
      return fc.string({ maxLength: Math.min(spec.maxLength, 8) });
  }
}

const anyShape: fc.Arbitrary<Shape> = fc
  .array(fc.option(fc.integer({ min: 1, max: 8 }), { nil: null, freq: 4 }), { maxLength: 4 })
  .map((dims) => [null, ...dims]);

/**
 * Totality of the shape rule: for any valid parameters and any wiring of any shapes, inferShapes
 * returns well-formed shapes (known dims positive integers) with a finite count, or throws a
 * ShapeError; anything else would reach the user as an internal error.
 */
export function checkShapeRuleTotality(nodeDecl: NodeDecl, numRuns = 300): void {
  const decl = asLayer(nodeDecl);
  const schema = paramsObjectSchema(decl.params);
  const paramsArb = fc
    .record(Object.fromEntries(Object.entries(decl.params).map(([k, spec]) => [k, paramArb(spec)])))
    .map((raw) => schema.parse(raw))
    .filter((p) => (decl.validateParams?.(p) ?? []).length === 0);
  const cases = paramsArb.chain((params) =>
    fc
      .tuple(
        ...portsOf(decl.inputs, params).map((port) =>
          fc.array(anyShape, { minLength: 0, maxLength: port.multiple ? 3 : 1 }).map((shapes) => [port.name, shapes] as const),
        ),
      )
      .map((entries) => ({ params, inputs: Object.fromEntries(entries) as Record<string, Shape[]> })),
  );
  fc.assert(
    fc.property(cases, (ctx) => {
      let outputs: Record<string, Shape>;
      try {
        outputs = decl.inferShapes(ctx);
      } catch (e) {
        if (e instanceof ShapeError) return;
        throw e;
      }
      for (const [port, shape] of Object.entries(outputs)) {
        expect(shape[0], `${decl.type} port ${port}: the batch axis`).toBeNull();
        for (const d of shape.slice(1)) {
          if (d !== null) expect(Number.isInteger(d) && d > 0, `${decl.type} port ${port}: dims ${JSON.stringify(shape)}`).toBe(true);
        }
      }
      const count = decl.countParams(ctx);
      expect(Number.isInteger(count.trainable) && count.trainable >= 0 && Number.isInteger(count.nonTrainable) && count.nonTrainable >= 0).toBe(true);
      const flops = decl.flops?.({ ...ctx, outputs }) ?? 0;
      expect(Number.isFinite(flops) && flops >= 0).toBe(true);
    }),
    { numRuns, seed: 7 },
  );
}
