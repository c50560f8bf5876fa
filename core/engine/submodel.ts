/**
 * A sub-model compiled on its own: the graph extracted by `core/graph/submodels.ts` (its cut
 * inputs become Input nodes), compiled with the sub-model's outputs, and given the weights of the
 * whole model node by node, so it computes exactly what that part computes inside the whole.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { analyzeGraph, type GraphAnalysis } from '../graph/analyze';
import type { GraphDocument } from '../graph/document';
import { extractSubmodel, type ExtractedSubmodel } from '../graph/submodels';
import { nodeDisplayName } from '../graph/summary';
import { nodeOfLayer, type CompiledGraph } from './compile';
import { compileSeeded } from './run';
import { WeightsError } from './weights';

export interface CompiledSubmodel {
  compiled: CompiledGraph;
  /** The sub-model as a graph of its own (what exports and inspection read). */
  extracted: ExtractedSubmodel;
}

/** Each node's variables in the model's weight order (nested shared models included). */
function variablesByNode(compiled: CompiledGraph): Map<string, tfl.LayerVariable[]> {
  const out = new Map<string, tfl.LayerVariable[]>();
  for (const layer of compiled.model.layers) {
    const nodeId = nodeOfLayer(compiled, layer.name);
    if (nodeId === null) continue;
    out.set(nodeId, [...(out.get(nodeId) ?? []), ...layer.weights]);
  }
  return out;
}

/**
 * Writes the weights of `whole` (compiled from `graph`) into the sub-model's variables, node by
 * node and in each node's order; a node whose weights differ in number or shape is named.
 */
export function copyWeightsByNode(whole: CompiledGraph, part: CompiledGraph, graph: GraphDocument): void {
  const from = variablesByNode(whole);
  const to = variablesByNode(part);
  const name = (id: string): string => {
    const node = graph.nodes.find((n) => n.id === id);
    return node ? nodeDisplayName(node) : id;
  };
  for (const [nodeId, targets] of to) {
    const sources = from.get(nodeId) ?? [];
    if (sources.length !== targets.length) {
      throw new WeightsError(`node "${name(nodeId)}" has ${sources.length} weights in the whole model but ${targets.length} in the sub-model`, nodeId);
    }
    targets.forEach((target, i) => {
      const source = sources[i] as tfl.LayerVariable;
      if (source.shape.join() !== target.shape.join()) {
        throw new WeightsError(`${target.originalName} of node "${name(nodeId)}" is [${target.shape.join(', ')}] in the sub-model but [${source.shape.join(', ')}] in the whole model`, nodeId);
      }
    });
  }
  tf.tidy(() => {
    for (const [nodeId, targets] of to) {
      const sources = from.get(nodeId) as tfl.LayerVariable[];
      targets.forEach((target, i) => target.write((sources[i] as tfl.LayerVariable).read().clone()));
    }
  });
}

/**
 * Compiles the named sub-model of `graph`. With `whole` (a model compiled from the same graph,
 * e.g. holding a kept run's weights) the sub-model takes its weights; without, it has the seeded
 * initial ones. Throws a SubmodelError (no such sub-model, problems) or a CompileError.
 */
export function compileSubmodel(graph: GraphDocument, name: string, whole?: CompiledGraph, analysis: GraphAnalysis = analyzeGraph(graph)): CompiledSubmodel {
  const extracted = extractSubmodel(graph, analysis, name);
  const compiled = compileSeeded(extracted.graph, { outputs: extracted.interface.outputs.map((o) => ({ nodeId: o.node, port: o.port })) });
  if (whole) {
    try {
      copyWeightsByNode(whole, compiled, graph);
    } catch (err) {
      compiled.model.dispose();
      throw err;
    }
  }
  return { compiled, extracted };
}

/** Values for one input of a sub-model: `rows` samples of the input's shape, flattened. */
export interface SubmodelFeed {
  values: Float32Array | Int32Array;
  rows: number;
}

export interface SubmodelOutputValues {
  node: string;
  port: string;
  /** With the batch axis. */
  shape: number[];
  values: Float32Array;
}

/**
 * Runs a compiled sub-model on the given values (one feed per input, in the interface's order),
 * in inference mode; every tensor is freed.
 */
export function runSubmodel(part: CompiledSubmodel, feeds: readonly SubmodelFeed[]): SubmodelOutputValues[] {
  const { compiled, extracted } = part;
  if (feeds.length !== compiled.modelInputs.length) throw new Error(`the sub-model takes ${compiled.modelInputs.length} inputs, ${feeds.length} were given`);
  return tf.tidy(() => {
    const inputs = compiled.modelInputs.map((feedIndex, i) => {
      const feed = compiled.feeds[feedIndex];
      const given = feeds[i] as SubmodelFeed;
      if (!feed) throw new Error(`the sub-model has no input ${i + 1}`);
      const shape = [given.rows, ...feed.shape.slice(1).map((d) => d ?? 1)];
      return tf.tensor(given.values, shape, feed.dtype);
    });
    const out = compiled.model.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    return extracted.interface.outputs.map((o, i) => {
      const index = compiled.outputs.findIndex((c) => c.nodeId === o.node && c.port === o.port);
      const t = list[index >= 0 ? index : i] as tf.Tensor;
      return { node: o.node, port: o.port, shape: t.shape, values: Float32Array.from(t.dataSync()) };
    });
  });
}
