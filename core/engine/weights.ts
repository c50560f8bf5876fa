/**
 * Trained weights kept with the document: every weight of a compiled model (trainable or not,
 * e.g. batch-norm moving statistics) as float32 in one base64 string, named by layer and weight,
 * and written back into a model compiled from the same graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { fromByteArray, toByteArray } from 'base64-js';
import type { GraphDocument, SavedWeights, WeightSpec } from '../graph/document';
import { weightsChecksum } from '../graph/weights-checksum';
import { nodeDisplayName } from '../graph/summary';
import { nodeOfLayer, type CompiledGraph } from './compile';

export class WeightsError extends Error {
  constructor(
    message: string,
    /** The graph node the problem is about, when there is one. */
    readonly nodeId: string | null = null,
  ) {
    super(message);
    this.name = 'WeightsError';
  }
}

interface NamedVariable {
  layer: string;
  name: string;
  variable: tfl.LayerVariable;
}

function variablesOf(model: tfl.LayersModel): NamedVariable[] {
  return model.layers.flatMap((layer) => layer.weights.map((variable) => ({ layer: layer.name, name: variable.originalName, variable })));
}

/** A built weight's shape (weights have no unknown dimensions). */
function shapeOf(variable: tfl.LayerVariable): number[] {
  return variable.shape.map((d) => d ?? 0);
}

/** Copies all weights of `model` (reads them from the backend). */
export function captureWeights(model: tfl.LayersModel): SavedWeights {
  const variables = variablesOf(model);
  const specs: WeightSpec[] = [];
  let total = 0;
  for (const { layer, name, variable } of variables) {
    if (variable.dtype !== 'float32') throw new WeightsError(`weight ${name} of layer ${layer} is ${variable.dtype}; only float32 weights can be kept`);
    const shape = shapeOf(variable);
    specs.push({ layer, name, shape, dtype: 'float32' });
    total += shape.reduce((a, b) => a * b, 1);
  }
  const values = new Float32Array(total);
  let at = 0;
  for (const { variable } of variables) {
    const data = variable.read().dataSync() as Float32Array;
    values.set(data, at);
    at += data.length;
  }
  const bytes = littleEndianBytes(values);
  return { specs, data: fromByteArray(bytes), checksum: weightsChecksum(specs, bytes) };
}

function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return bytes;
}

function float32FromBytes(bytes: Uint8Array): Float32Array {
  const values = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/**
 * The values of each saved weight, by `layer/name`. Weights that carry a checksum are checked
 * against it (the parser did too; weights can also arrive from elsewhere, e.g. the app's store).
 */
export function decodeWeights(saved: SavedWeights): Map<string, { spec: WeightSpec; values: Float32Array }> {
  const bytes = toByteArray(saved.data);
  if (saved.checksum !== null && weightsChecksum(saved.specs, bytes) !== saved.checksum) {
    throw new WeightsError(`checksum mismatch: the saved weights or their specs were changed or damaged since they were saved`);
  }
  const all = float32FromBytes(bytes);
  const out = new Map<string, { spec: WeightSpec; values: Float32Array }>();
  let at = 0;
  for (const spec of saved.specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (at + size > all.length) throw new WeightsError(`the saved weights end before ${spec.name} of layer ${spec.layer}`);
    out.set(`${spec.layer}/${spec.name}`, { spec, values: all.subarray(at, at + size) });
    at += size;
  }
  if (at !== all.length) throw new WeightsError(`the saved weights hold ${all.length - at} values more than their specs describe`);
  return out;
}

/**
 * Writes saved weights into a model compiled from the graph they were trained on. Every weight of
 * the model must be in `saved` with the same shape; an error names the node that does not match.
 */
export function applyWeights(compiled: CompiledGraph, graph: GraphDocument, saved: SavedWeights): void {
  const values = decodeWeights(saved);
  const variables = variablesOf(compiled.model);
  const where = (layer: string): { nodeId: string | null; label: string } => {
    const nodeId = nodeOfLayer(compiled, layer);
    const node = nodeId ? graph.nodes.find((n) => n.id === nodeId) : undefined;
    return { nodeId, label: node ? `node "${nodeDisplayName(node)}"` : `layer ${layer}` };
  };
  for (const [index, { layer, name, variable }] of variables.entries()) {
    const found = values.get(`${layer}/${name}`);
    if (!found) {
      const at = where(layer);
      throw new WeightsError(`the saved weights have no ${name} for ${at.label}: they were trained on a different graph`, at.nodeId);
    }
    // The bytes were written in the model's weight order: a spec list in another order (entries
    // swapped or renamed, e.g. two same-shape kernels) would put each slice into the wrong weight.
    const spec = saved.specs[index];
    if (spec && (spec.layer !== layer || spec.name !== name)) {
      const at = where(layer);
      throw new WeightsError(
        `the saved weights are not laid out as ${at.label} expects: entry ${index + 1} of their specs is ${spec.name} of layer ${spec.layer}, where the model has ${name} of layer ${layer} (the specs were reordered or renamed)`,
        at.nodeId,
      );
    }
    if (found.spec.shape.length !== variable.shape.length || found.spec.shape.some((d, i) => d !== variable.shape[i])) {
      const at = where(layer);
      throw new WeightsError(
        `${name} of ${at.label} has shape [${variable.shape.join(', ')}] but the saved weight is [${found.spec.shape.join(', ')}]`,
        at.nodeId,
      );
    }
  }
  if (values.size !== variables.length) {
    const known = new Set(variables.map((v) => `${v.layer}/${v.name}`));
    const extra = [...values.keys()].find((k) => !known.has(k));
    throw new WeightsError(`the saved weights include ${extra ?? 'weights'} that this graph does not have: they were trained on a different graph`);
  }
  tf.tidy(() => {
    for (const { layer, name, variable } of variables) {
      const found = values.get(`${layer}/${name}`) as { values: Float32Array };
      variable.write(tf.tensor(found.values, shapeOf(variable), 'float32'));
    }
  });
}
