/**
 * Runs a graph in tfjs and its ONNX export in ONNX Runtime on the same inputs and weights, and
 * reports the largest relative difference per output (max |ort - tfjs| / max(|tfjs|, 1e-3 scale)).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs/minimal.js';
import type { GraphDocument } from '../../../core/graph';
import type { CompiledGraph } from '../../../core/engine/compile';
import { compileSeeded } from '../../../core/engine/run';
import { exportOnnx, type OnnxExport, type OnnxExportOptions } from '../../../core/export/onnx';

/** A small seeded generator (mulberry32), so inputs and weights repeat. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Moves every weight away from its initial value (zero-initialised parts would test nothing). */
export function perturbWeights(compiled: CompiledGraph, seed: number): void {
  const random = seeded(seed);
  for (const v of compiled.model.weights) {
    const t = v.read();
    const data = Float32Array.from(t.dataSync());
    const variance = /moving_variance/.test(v.originalName);
    for (let i = 0; i < data.length; i++) {
      const noise = (random() - 0.5) * 0.4;
      data[i] = variance ? 0.5 + random() : (data[i] as number) + noise;
    }
    const updated = tf.tensor(data, t.shape);
    v.write(updated);
    updated.dispose();
  }
}

/** Upper bound (exclusive) of the integer ids an Input may carry: the smallest table it indexes. */
function idBound(graph: GraphDocument, inputId: string): number {
  let bound = 10;
  const seen = new Set<string>([inputId]);
  const consumers = graph.edges.filter((e) => seen.has(e.source.node)).map((e) => e.target.node);
  for (const id of consumers) {
    const node = graph.nodes.find((n) => n.id === id);
    const p = node?.params as Record<string, unknown> | undefined;
    if (node?.type === 'Embedding') bound = Math.min(bound === 10 ? Infinity : bound, Number(p?.['inputDim']));
    if (node?.type === 'OneHot') bound = Math.min(bound === 10 ? Infinity : bound, Number(p?.['depth']));
  }
  return Number.isFinite(bound) ? bound : 10;
}

export interface Comparison {
  exported: OnnxExport;
  /** Per output name: max |ort - tfjs| / max |tfjs|. */
  relative: Record<string, number>;
  tfjsParams: number;
  /** ONNX Runtime's outputs by name. */
  ortOutputs: Record<string, Float32Array>;
  numTensorsBefore: number;
  numTensorsAfter: number;
}

export async function compareWithOrt(
  graph: GraphDocument,
  opts: { seed?: number; batch?: number; options?: OnnxExportOptions; skipOutputs?: (nodeId: string) => boolean } = {},
): Promise<Comparison> {
  const seed = opts.seed ?? 7;
  const batch = opts.batch ?? 3;
  const before = tf.memory().numTensors;
  const compiled = compileSeeded(graph);
  try {
    perturbWeights(compiled, seed);
    const exported = exportOnnx(compiled, graph, opts.options);
    const random = seeded(seed + 1);
    const feeds: Record<string, ort.Tensor> = {};
    const tfInputs: tf.Tensor[] = [];
    compiled.modelInputs.forEach((feedIndex, i) => {
      const feed = compiled.feeds[feedIndex];
      const port = exported.inputs[i];
      if (!feed || !port) throw new Error('input mismatch');
      const shape = [batch, ...feed.shape.slice(1).map((d) => d ?? 5)];
      const size = shape.reduce((a, d) => a * d, 1);
      if (feed.dtype === 'int32') {
        const bound = idBound(graph, feed.nodeId);
        const ids = Int32Array.from({ length: size }, () => Math.floor(random() * bound));
        feeds[port.name] = new ort.Tensor('int32', ids, shape);
        tfInputs.push(tf.tensor(ids, shape, 'int32'));
      } else {
        const xs = Float32Array.from({ length: size }, () => random() * 2 - 1);
        feeds[port.name] = new ort.Tensor('float32', xs, shape);
        tfInputs.push(tf.tensor(xs, shape, 'float32'));
      }
    });
    // apply, not predict: predict expands rank-1 inputs (class ids) to [N, 1].
    const predicted = compiled.model.apply(tfInputs, { training: false }) as tf.Tensor | tf.Tensor[];
    const tfOutputs = (Array.isArray(predicted) ? predicted : [predicted]).map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(predicted);
    tf.dispose(tfInputs);
    const session = await ort.InferenceSession.create(exported.bytes);
    const results = await session.run(feeds);
    await session.release();
    const relative: Record<string, number> = {};
    exported.outputs.forEach((port, i) => {
      if (i >= tfOutputs.length || opts.skipOutputs?.(port.nodeId)) return;
      const expected = tfOutputs[i] as Float32Array;
      const got = results[port.name]?.data as Float32Array | undefined;
      if (!got || got.length !== expected.length) throw new Error(`output ${port.name}: ${got?.length} values, tfjs ${expected.length}`);
      let diff = 0;
      let scale = 0;
      for (let k = 0; k < expected.length; k++) {
        diff = Math.max(diff, Math.abs((got[k] as number) - (expected[k] as number)));
        scale = Math.max(scale, Math.abs(expected[k] as number));
      }
      relative[port.name] = diff / Math.max(scale, 1e-6);
    });
    const tfjsParams = compiled.model.countParams();
    compiled.model.dispose();
    const ortOutputs = Object.fromEntries(exported.outputs.map((p) => [p.name, results[p.name]?.data as Float32Array]));
    return { exported, relative, tfjsParams, ortOutputs, numTensorsBefore: before, numTensorsAfter: tf.memory().numTensors };
  } catch (err) {
    compiled.model.dispose();
    throw err;
  }
}

/** The graph with every Sampling node set to output mu at inference (deterministic outputs). */
export function meanSampling(graph: GraphDocument): GraphDocument {
  return { ...graph, nodes: graph.nodes.map((n) => (n.type === 'Sampling' ? { ...n, params: { ...n.params, deterministic: true } } : n)) };
}

/**
 * The values a model file's weight initializers hold, read back from its bytes (onnx.proto:
 * ModelProto.graph 7; GraphProto.node 1, initializer 5; NodeProto.attribute 5; AttributeProto.g 6,
 * graphs 11; TensorProto.dims 1, name 8), in every graph including Scan bodies. What is computed
 * rather than learned is left out: the shared constants (shapes, axes, scalars: const_*), the
 * sinusoidal positional-encoding table and the causal mask's penalty.
 */
export function onnxInitializerValues(bytes: Uint8Array): number {
  const reader = (end: number, r: protobuf.Reader, visit: (field: number, wire: number) => boolean): void => {
    while (r.pos < end) {
      const tag = r.uint32();
      if (!visit(tag >>> 3, tag & 7)) r.skipType(tag & 7);
    }
  };
  const tensor = (r: protobuf.Reader, end: number): number => {
    let name = '';
    let count = 1;
    reader(end, r, (field, wire) => {
      if (field === 1 && wire === 2) {
        const stop = r.uint32() + r.pos;
        while (r.pos < stop) count *= Number(r.int64());
      } else if (field === 1) count *= Number(r.int64());
      else if (field === 8) name = r.string();
      else return false;
      return true;
    });
    return name.startsWith('const_') || /(^|\/)(positional_encoding|causal_penalty)(_\d+)?$/.test(name) ? 0 : count;
  };
  let total = 0;
  const graph = (r: protobuf.Reader, end: number): void =>
    reader(end, r, (field, wire) => {
      if (wire !== 2 || (field !== 1 && field !== 5)) return false;
      const stop = r.uint32() + r.pos;
      if (field === 5) total += tensor(r, stop);
      else node(r, stop);
      return true;
    });
  const node = (r: protobuf.Reader, end: number): void =>
    reader(end, r, (field, wire) => {
      if (field !== 5 || wire !== 2) return false;
      const stop = r.uint32() + r.pos;
      reader(stop, r, (f, w) => {
        if ((f !== 6 && f !== 11) || w !== 2) return false;
        graph(r, r.uint32() + r.pos);
        return true;
      });
      return true;
    });
  const r = protobuf.Reader.create(bytes);
  reader(bytes.byteLength, r, (field, wire) => {
    if (field !== 7 || wire !== 2) return false;
    graph(r, r.uint32() + r.pos);
    return true;
  });
  return total;
}
