/**
 * Netwright graph -> ONNX model (opset 17, IR 8): the inference graph of a compiled model (its
 * outputs, not its losses) with the weights the model holds, named after the graph's nodes, with
 * a dynamic batch dimension. Pure: returns the file's bytes; the CLI and the app write them.
 *
 * The walk follows the compiled tfjs model layer by layer and converts each by its class
 * (rules.ts), so what is exported is exactly what tfjs runs. Node types without a rule are refused
 * before anything is built, with the node and the reason.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CompiledGraph } from '../../engine/compile';
import type { GraphDocument, GraphNode } from '../../graph/document';
import { nodeDisplayName } from '../../graph/summary';
import { GraphBuilder, type DeclaredDim } from './builder';
import { OnnxExportError, type OnnxValue, type RuleContext } from './context';
import { LAYER_RULES } from './rules';
import { encodeModel, type OnnxDataType } from './schema';
import { ONNX_SUPPORT } from './support';
import { layerWeight, maybeLayerWeight } from './weights';

export { OnnxExportError } from './context';
export { ONNX_SUPPORT } from './support';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export interface OnnxExportOptions {
  /** Also output the attention weights of Attention, MultiHeadAttention and Transformer blocks. */
  attentionWeights?: boolean;
  /** Stored in the model's doc string (e.g. which run's weights). */
  description?: string;
}

export interface OnnxPort {
  name: string;
  dtype: OnnxDataType;
  dims: DeclaredDim[];
  /** The graph node and port it stands for. */
  nodeId: string;
  port: string;
}

export interface OnnxExport {
  bytes: Uint8Array;
  inputs: OnnxPort[];
  outputs: OnnxPort[];
  /** Elements in the weight initializers (the model's parameters; constants not counted). */
  parameterCount: number;
  opset: number;
}

/** A node type the export refuses, with the node named. */
export interface OnnxRefusal {
  nodeId: string;
  nodeName: string;
  type: string;
  reason: string;
}

/** Nodes of the graph whose types the ONNX export does not take (losses are not refusals). */
export function onnxRefusals(graph: GraphDocument): OnnxRefusal[] {
  const out: OnnxRefusal[] = [];
  for (const node of graph.nodes) {
    const support = ONNX_SUPPORT[node.type];
    if (support?.export) continue;
    if (support && support.reason.startsWith('a loss')) continue;
    out.push({ nodeId: node.id, nodeName: nodeDisplayName(node), type: node.type, reason: support ? support.reason : `the ONNX export has no rule for ${node.type} nodes yet` });
  }
  for (const node of graph.nodes) {
    if (node.shares === undefined || !ONNX_SUPPORT[node.type]?.export) continue;
    // The compiler applies the owner as a nested tfjs model, which the export's per-layer rules do not walk yet.
    out.push({ nodeId: node.id, nodeName: nodeDisplayName(node), type: node.type, reason: `shares the weights of "${node.shares}": the ONNX export does not take shared weights yet` });
  }
  return out;
}

interface TfjsNode {
  inputTensors: tfl.SymbolicTensor[];
  outputTensors: tfl.SymbolicTensor[];
}

function declaredDims(shape: readonly (number | null)[], base: string): DeclaredDim[] {
  return shape.map((d, i) => (d !== null ? d : i === 0 ? 'batch' : `${base}_dim${i}`));
}

/** The graph node a tfjs layer belongs to: its name is the node's layer name or starts with it and '_'. */
function nodeOfLayer(compiled: CompiledGraph, byId: ReadonlyMap<string, GraphNode>, layerName: string): GraphNode | undefined {
  let best: { id: string; length: number } | undefined;
  for (const [id, base] of compiled.layerNames) {
    if ((layerName === base || layerName.startsWith(`${base}_`)) && (!best || base.length > best.length)) best = { id, length: base.length };
  }
  return best ? byId.get(best.id) : undefined;
}

export function exportOnnx(compiled: CompiledGraph, graph: GraphDocument, options: OnnxExportOptions = {}): OnnxExport {
  const refusals = onnxRefusals(graph).filter((r) => compiled.layerNames.has(r.nodeId));
  if (refusals.length > 0) {
    const first = refusals[0] as OnnxRefusal;
    throw new OnnxExportError(
      refusals.map((r) => `node "${r.nodeName}" (${r.type}) cannot be exported to ONNX: ${r.reason}`).join('; '),
      first.nodeId,
    );
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const modelName = (graph.metadata.name || 'model').replace(/[^A-Za-z0-9_]/g, '_');
  const b = new GraphBuilder(modelName);
  const values = new Map<number, OnnxValue>();
  const inputs: OnnxPort[] = [];

  for (const feedIndex of compiled.modelInputs) {
    const feed = compiled.feeds[feedIndex];
    const tensor = feed ? compiled.nodeTensors.get(feed.nodeId)?.['out'] : undefined;
    if (!feed || !tensor) continue;
    const base = compiled.layerNames.get(feed.nodeId) ?? feed.nodeId;
    const dtype: OnnxDataType = feed.dtype === 'int32' ? 'int32' : 'float';
    const dims = declaredDims(feed.shape, base);
    const name = b.addInput(base, dtype, dims, feed.feature ? `dataset feature "${feed.feature}"` : undefined);
    values.set(tensor.id, { name, shape: [...feed.shape], dtype });
    inputs.push({ name, dtype, dims, nodeId: feed.nodeId, port: 'out' });
  }

  let parameterCount = 0;
  for (const layer of compiled.model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const rule = LAYER_RULES[layer.getClassName()];
    const node = nodeOfLayer(compiled, byId, layer.name);
    const where = node ? `node "${nodeDisplayName(node)}" (${node.type})` : `layer ${layer.name}`;
    if (!rule) throw new OnnxExportError(`${where} cannot be exported to ONNX: its tfjs layer ${layer.getClassName()} has no rule`, node?.id);
    for (const inbound of layer.inboundNodes as unknown as TfjsNode[]) {
      const ins = inbound.inputTensors.map((t) => values.get(t.id));
      if (ins.some((v) => v === undefined)) continue; // an application outside this model
      if (inbound.outputTensors.every((t) => values.has(t.id))) continue;
      b.scope = layer.name;
      const config = layer.getConfig() as Record<string, unknown>;
      const ctx: RuleContext = {
        b,
        layer,
        config,
        inputs: ins as OnnxValue[],
        outputShapes: inbound.outputTensors.map((t) => [...t.shape]),
        weight: (suffix) => layerWeight(layer, suffix),
        maybeWeight: (suffix) => maybeLayerWeight(layer, suffix),
        init: (suffix, transform) => {
          const w = layerWeight(layer, suffix);
          const t = transform ? transform(w) : w;
          return b.initializer(suffix.replace(/\//g, '_'), t.values, t.shape);
        },
      };
      let outs: OnnxValue[];
      try {
        outs = rule(ctx);
      } catch (err) {
        if (err instanceof OnnxExportError) throw new OnnxExportError(`${where} cannot be exported to ONNX: ${err.message}`, node?.id);
        throw err;
      }
      if (outs.length !== inbound.outputTensors.length) {
        throw new OnnxExportError(`${where}: the ONNX rule gave ${outs.length} outputs for ${inbound.outputTensors.length}`, node?.id);
      }
      inbound.outputTensors.forEach((t, i) => values.set(t.id, outs[i] as OnnxValue));
    }
    parameterCount += layer.countParams();
  }
  b.scope = '';

  const outputs: OnnxPort[] = [];
  const declare = (nodeId: string, port: string, tensor: tfl.SymbolicTensor) => {
    const value = values.get(tensor.id);
    if (!value) throw new OnnxExportError(`output ${nodeId}.${port} was not computed by the export`, nodeId);
    const base = compiled.layerNames.get(nodeId) ?? nodeId;
    const ports = Object.keys(compiled.nodeTensors.get(nodeId) ?? {});
    const as = ports.length > 1 ? `${base}_${port}` : base;
    const dims = declaredDims(value.shape, as);
    const name = b.addOutput(value.name, as, value.dtype, dims);
    outputs.push({ name, dtype: value.dtype, dims, nodeId, port });
  };
  compiled.outputs.forEach((o, i) => {
    const tensor = compiled.model.outputs[i];
    if (tensor) declare(o.nodeId, o.port, tensor);
  });
  if (options.attentionWeights) {
    for (const node of graph.nodes) {
      const tensor = compiled.nodeTensors.get(node.id)?.['weights'];
      if (!tensor || !['Attention', 'MultiHeadAttention', 'TransformerEncoderBlock'].includes(node.type)) continue;
      if (!values.has(tensor.id) || outputs.some((o) => o.nodeId === node.id && o.port === 'weights')) continue;
      declare(node.id, 'weights', tensor);
    }
  }

  const bytes = encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'Netwright',
    producerVersion: `TensorFlow.js ${tf.version_core}`,
    ...(options.description ? { docString: options.description } : {}),
    graph: b.graph(graph.metadata.name || undefined),
    metadataProps: [{ key: 'layout', value: 'channels-last (NHWC / NWC), as in Netwright and TensorFlow.js' }],
  });
  return { bytes, inputs, outputs, parameterCount, opset: ONNX_OPSET };
}
