/**
 * Imports a TensorFlow.js layers-format model (model.json + weight shards) as an editable graph
 * whose weights are kept as a run, so every inspection view works on it and training continues
 * from them. A model exported by Netwright carries its graph (userDefinedMetadata.netwrightGraph)
 * and comes back as that graph; any other is mapped layer by layer (keras-layers.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getDecl } from '../catalogue/registry';
import { defaultParams } from '../catalogue/params';
import { analyzeGraph } from '../graph/analyze';
import { emptyGraph, LIMITS, type GraphDocument, type ImportOrigin, type GraphEdge, type GraphNode, type SavedRun } from '../graph/document';
import { parseGraph } from '../graph/parse';
import { toSavedRun } from '../graph/saved-runs';
import { compileSeeded, graphHash } from '../engine/run';
import { captureWeights } from '../engine/weights';
import { sha256Hex } from '../data/checksum';
import { describeValue, ImportError, layerLabel, LayerRefusal } from './errors';
import { mapInputLayer, mapKerasLayer } from './keras-layers';
import { layoutGraph } from './layout';
import { flattenTopology, type FlatLayer } from './topology';
import { readManifestWeights, type ManifestTensor } from './weights-manifest';

import { GRAPH_METADATA_KEY } from './graph-metadata';
import { MODEL_JSON_MAX_BYTES } from './model-json';

export { GRAPH_METADATA_KEY };

export interface ModelFiles {
  /** The text of model.json. */
  modelJson: string;
  /** The bytes of a weight shard named in the manifest (by its path there), or undefined if missing. */
  shard: (path: string) => Uint8Array | undefined;
}

export interface ImportOptions {
  /** The document's name (e.g. the file's folder). */
  name: string;
  /** Recorded in the kept run's manifest. */
  backend: string;
  /** Reports progress from 0 to 1 with what is being done. */
  onProgress?: (fraction: number, stage: string) => void;
  /** The model file's name as given, for the run's origin (default: model.json, model.keras, model.h5). */
  fileName?: string;
}

export interface ImportedModel {
  graph: GraphDocument;
  /** How the graph was obtained: from the metadata Netwright wrote, or mapped from the layers. */
  source: 'netwright-metadata' | 'layers';
  layers: number;
  parameters: number;
  /** What the import changed and why, one sentence each (e.g. an Input's dtype), for the CLI and the app to show. */
  notes: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A node id from a Keras layer name (ids are 1-64 letters, digits, "_", "." or "-"). */
function nodeId(name: string, taken: Set<string>): string {
  const stem = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 56) || 'layer';
  let id = stem;
  for (let i = 2; taken.has(id); i++) id = `${stem}_${i}`;
  taken.add(id);
  return id;
}

interface MappedGraph {
  graph: GraphDocument;
  /** Flat layer name -> node id. */
  nodeOf: Map<string, string>;
  /** Flat layer name -> the layer name its weights carry, when not its own (a wrapper's inner layer). */
  weightsOf: Map<string, string>;
  layers: FlatLayer[];
  notes: string[];
}

/**
 * Keras and tfjs declare an Input float32 unless told otherwise, so tfjs-examples' text models
 * (Input -> Embedding) save their token ids as float32; the Embedding casts them to int32 before
 * the lookup. An Input read only by Embeddings is imported as int32: the same ids reach the same
 * rows (integer-valued floats cast exactly), and the model then binds to datasets of token ids.
 */
function intInputsForEmbeddings(graph: GraphDocument): string[] {
  const notes: string[] = [];
  for (const node of graph.nodes) {
    if (node.type !== 'Input' || (node.params.dtype ?? 'float32') !== 'float32') continue;
    const readers = graph.edges.filter((e) => e.source.node === node.id).map((e) => graph.nodes.find((n) => n.id === e.target.node));
    if (readers.length === 0 || !readers.every((n) => n?.type === 'Embedding')) continue;
    node.params = { ...node.params, dtype: 'int32' };
    const names = [...new Set(readers.map((n) => `'${n?.id ?? ''}'`))].join(', ');
    notes.push(`Input '${node.id}' is float32 in the file and feeds only Embedding ${names}, which reads it as int32 token ids: imported as int32`);
  }
  return notes;
}

function mapLayers(topology: unknown, name: string): MappedGraph {
  const flat = flattenTopology(topology);
  const graph = emptyGraph(name);
  const taken = new Set<string>();
  const nodeOf = new Map<string, string>();
  const outputPortsOf = new Map<string, string[]>();
  const weightsOf = new Map<string, string>();
  let edgeCount = 0;
  for (const layer of flat.layers) {
    const label = layerLabel(layer);
    let type: string;
    let params: Record<string, unknown>;
    let inputPorts: string[] = [];
    try {
      if (layer.className === 'InputLayer') {
        type = 'Input';
        params = mapInputLayer(layer.config);
        outputPortsOf.set(layer.name, ['out']);
      } else {
        const mapped = mapKerasLayer(layer.className, layer.config);
        type = mapped.type;
        params = mapped.params;
        inputPorts = mapped.inputPorts(layer.inputs.length);
        outputPortsOf.set(layer.name, mapped.outputPorts);
        if (mapped.weightsOf) weightsOf.set(layer.name, mapped.weightsOf);
        if (inputPorts.length < layer.inputs.length) throw new LayerRefusal(`it reads ${layer.inputs.length} tensors, more than its node takes`);
      }
    } catch (err) {
      if (err instanceof LayerRefusal) throw new ImportError(`${label}: ${err.message}`);
      throw err;
    }
    const decl = getDecl(type);
    if (!decl) throw new ImportError(`${label}: node type ${type} is missing from the catalogue`);
    const id = nodeId(layer.name, taken);
    nodeOf.set(layer.name, id);
    const node: GraphNode = {
      id,
      type,
      name: id,
      params: { ...(defaultParams(decl.params) as GraphNode['params']), ...(params as GraphNode['params']) },
      position: { x: 0, y: 0 },
    };
    graph.nodes.push(node);
    layer.inputs.forEach((ref, i) => {
      const source = nodeOf.get(ref.layer);
      const port = outputPortsOf.get(ref.layer)?.[ref.index];
      if (!source || !port) throw new ImportError(`${label}: its input ${i + 1} is output ${ref.index} of '${ref.layer}', which has no such output`);
      const edge: GraphEdge = { id: `e${++edgeCount}`, source: { node: source, port }, target: { node: id, port: inputPorts[i] as string } };
      graph.edges.push(edge);
    });
  }
  if (graph.nodes.length > LIMITS.nodes) throw new ImportError(`the model has ${graph.nodes.length} layers, more than a graph holds (${LIMITS.nodes})`);
  const notes = intInputsForEmbeddings(graph);
  // Parameters are checked by each type's schema, as for a file.
  const parsed = parseGraph(graph);
  if (!parsed.ok) {
    const first = parsed.errors[0];
    const index = Number(/^\$\.nodes\[(\d+)\]/.exec(first?.path ?? '')?.[1]);
    const layer = Number.isInteger(index) ? flat.layers[index] : undefined;
    throw new ImportError(`${layer ? `${layerLabel(layer)}: ` : ''}${first?.path ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  return { graph: parsed.graph, nodeOf, weightsOf, layers: flat.layers, notes };
}

/** Shape inference refuses what the catalogue can't compute; name the layer. */
function checkAnalysis(graph: GraphDocument, layerOfNode: (nodeId: string) => FlatLayer | undefined): void {
  const analysis = analyzeGraph(graph);
  const error = analysis.issues.find((i) => i.severity === 'error');
  if (!error) return;
  const layer = error.nodeId ? layerOfNode(error.nodeId) : undefined;
  throw new ImportError(layer ? `${layerLabel(layer)}: ${error.detail ?? error.message}` : error.message);
}

/** The manifest's tensors of one layer, in order: "<layer>/..." or, in nested models, ".../<layer>/...". */
function tensorsOfLayer(all: readonly ManifestTensor[], names: readonly string[], used: Set<string>): ManifestTensor[] {
  for (const name of names) {
    const exact = all.filter((t) => !used.has(t.name) && t.name.startsWith(`${name}/`));
    if (exact.length > 0) return exact;
    const nested = all.filter((t) => !used.has(t.name) && t.name.includes(`/${name}/`));
    if (nested.length > 0) return nested;
  }
  return [];
}

const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

/** Writes the file's weights into the compiled model, layer by layer, refusing any that don't fit. */
function writeMappedWeights(model: tfl.LayersModel, mapped: MappedGraph, tensors: readonly ManifestTensor[], layerName: (nodeId: string) => string): void {
  const used = new Set<string>();
  const written = new Set<string>();
  tf.tidy(() => {
    for (const layer of mapped.layers) {
      const id = mapped.nodeOf.get(layer.name) as string;
      const target = model.layers.find((l) => l.name === layerName(id));
      const expected = target?.weights ?? [];
      const found = expected.length === 0 && layer.className === 'InputLayer' ? [] : tensorsOfLayer(tensors, [layer.fileName, ...(mapped.weightsOf.has(layer.name) ? [mapped.weightsOf.get(layer.name) as string] : [])], used);
      const describe = (list: readonly { name: string; shape: readonly (number | null)[] }[]) =>
        list.length === 0 ? 'none' : list.map((w) => `${w.name.split('/').pop()} ${shapeText(w.shape)}`).join(', ');
      if (found.length !== expected.length || found.some((t, i) => shapeText(t.shape) !== shapeText(expected[i]?.shape ?? []))) {
        throw new ImportError(
          `${layerLabel(layer)}: its weights in the file (${describe(found)}) don't fit the ${target ? 'mapped node' : 'node'}, which has ${describe(expected.map((v) => ({ name: v.originalName, shape: v.shape })))}`,
        );
      }
      found.forEach((t, i) => {
        const variable = expected[i] as tfl.LayerVariable;
        variable.write(tf.tensor(t.values, t.shape, 'float32'));
        used.add(t.name);
      });
      if (target) written.add(target.name);
    }
  });
  const unused = tensors.filter((t) => !used.has(t.name));
  if (unused.length > 0) throw new ImportError(`the weight file has weights no layer of the model uses: ${unused.slice(0, 3).map((t) => `'${t.name}'`).join(', ')}${unused.length > 3 ? ` and ${unused.length - 3} more` : ''}`);
  const missed = model.layers.find((l) => l.weights.length > 0 && !written.has(l.name));
  if (missed) throw new ImportError(`the compiled graph has weights in '${missed.name}' that the file does not give`);
}

/** A model exported by Netwright: the graph it wrote, if it is still a valid graph. */
function graphFromMetadata(metadata: unknown, name: string): GraphDocument | null {
  if (!isRecord(metadata) || !isRecord(metadata[GRAPH_METADATA_KEY])) return null;
  const saved = metadata[GRAPH_METADATA_KEY];
  const candidate = { ...emptyGraph(name), ...saved, runs: [] };
  const parsed = parseGraph(candidate);
  return parsed.ok ? parsed.graph : null;
}

/** Writes a Netwright export's weights back by their exact tfjs names (the compiler names layers after nodes). */
function writeNamedWeights(model: tfl.LayersModel, tensors: readonly ManifestTensor[]): boolean {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const variables = model.layers.flatMap((l) => l.weights);
  if (variables.length !== tensors.length) return false;
  for (const v of variables) {
    const t = byName.get(v.originalName);
    if (!t || shapeText(t.shape) !== shapeText(v.shape)) return false;
  }
  tf.tidy(() => {
    for (const v of variables) {
      const t = byName.get(v.originalName) as ManifestTensor;
      v.write(tf.tensor(t.values, t.shape, 'float32'));
    }
  });
  return true;
}

export { MODEL_JSON_MAX_BYTES };

export async function importLayersModel(files: ModelFiles, options: ImportOptions): Promise<ImportedModel> {
  const progress = options.onProgress ?? (() => undefined);
  if (files.modelJson.length > MODEL_JSON_MAX_BYTES) throw new ImportError(`model.json is ${files.modelJson.length} characters, more than ${MODEL_JSON_MAX_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(files.modelJson);
  } catch (err) {
    throw new ImportError(`model.json is not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(json)) throw new ImportError(`model.json: expected an object, found ${describeValue(json)}`);
  if (json.format === 'graph-model') {
    throw new ImportError('model.json is a TensorFlow.js graph model (a frozen TensorFlow graph): it has no layers to edit; convert the Keras model to the layers format (tensorflowjs_converter --output_format tfjs_layers_model)');
  }
  if (json.format !== undefined && json.format !== 'layers-model') throw new ImportError(`model.json: format ${describeValue(json.format)} is not a layers model`);
  if (!('modelTopology' in json)) throw new ImportError('model.json has no modelTopology');
  progress(0.05, 'reading weights');
  const read = new Map<string, Uint8Array>();
  const tensors = readManifestWeights(json.weightsManifest, (path) => {
    const bytes = files.shard(path);
    if (bytes) read.set(path, bytes);
    return bytes;
  });
  const producer = [json.generatedBy, json.convertedBy].filter((v): v is string => typeof v === 'string' && v.length > 0).join('; ');
  const origin: ModelOrigin = {
    file: options.fileName ?? 'model.json',
    format: 'tfjs-layers',
    producer: producer ? producer.slice(0, 200) : null,
    sha256: await sha256Hex(new TextEncoder().encode(files.modelJson)),
    weightFiles: await Promise.all([...read].map(async ([name, bytes]) => ({ name: name.slice(0, 256), sha256: await sha256Hex(bytes) }))),
  };
  return importTopology({ topology: json.modelTopology, tensors, metadata: json.userDefinedMetadata, origin }, options);
}

/** Where the parts were read from (the run's origin, less how the graph was obtained). */
export type ModelOrigin = Omit<ImportOrigin, 'graphFrom'>;

/** A model's topology (tfjs or Keras config) and its weights, read from whatever file held them. */
export interface ModelParts {
  topology: unknown;
  /** Named as in a tfjs manifest: "<layer>/<weight>" in each layer's order ("<model>/<layer>/..." when nested). */
  tensors: ManifestTensor[];
  /** tfjs' userDefinedMetadata (where Netwright's export keeps its graph), if any. */
  metadata?: unknown;
  /** The file the parts came from, kept in the run's manifest. */
  origin?: ModelOrigin;
}

/** Maps a topology onto the catalogue (or takes Netwright's own graph back) and keeps the weights as a run. */
export async function importTopology(parts: ModelParts, options: ImportOptions): Promise<ImportedModel> {
  const progress = options.onProgress ?? (() => undefined);
  const { tensors } = parts;
  progress(0.35, 'mapping layers');

  let graph: GraphDocument;
  let source: ImportedModel['source'] = 'layers';
  let mapped: MappedGraph | null = null;
  const fromMetadata = graphFromMetadata(parts.metadata, options.name);
  if (fromMetadata && analyzeGraph(fromMetadata).issues.every((i) => i.severity !== 'error')) {
    graph = fromMetadata;
    source = 'netwright-metadata';
  } else {
    mapped = mapLayers(parts.topology, options.name);
    const layerByNode = new Map([...mapped.nodeOf].map(([layer, id]) => [id, layer]));
    const flatByName = new Map(mapped.layers.map((l) => [l.name, l]));
    checkAnalysis(mapped.graph, (id) => flatByName.get(layerByNode.get(id) ?? ''));
    graph = mapped.graph;
  }
  progress(0.5, 'building the model');
  const compiled = compileSeeded(graph);
  try {
    if (source === 'netwright-metadata') {
      if (!writeNamedWeights(compiled.model, tensors)) {
        // The graph in the metadata does not match the weights (edited file): map the layers instead.
        compiled.model.dispose();
        return importTopology({ topology: parts.topology, tensors, ...(parts.origin ? { origin: parts.origin } : {}) }, options);
      }
    } else {
      writeMappedWeights(compiled.model, mapped as MappedGraph, tensors, (id) => compiled.layerNames.get(id) as string);
    }
    progress(0.8, 'keeping the weights');
    const weights = captureWeights(compiled.model);
    if (weights.data.length > LIMITS.weightChars) throw new ImportError(`the model's weights (${Math.round((weights.data.length * 3) / 4 / 1e6)} MB) are more than a document keeps (${Math.round((LIMITS.weightChars * 3) / 4 / 1e6)} MB)`);
    const laidOut = source === 'layers' ? await layoutGraph(graph) : graph;
    const run: SavedRun = toSavedRun({
      id: 'imported',
      name: `Imported weights (${options.name})`.slice(0, 200),
      status: 'completed',
      graph: laidOut,
      manifest: {
        graphHash: await graphHash(laidOut),
        graphName: laidOut.metadata.name,
        dataset: { id: laidOut.training.dataset?.id ?? '', version: 0, options: {} },
        seed: laidOut.training.seed,
        backend: options.backend,
        tfjsVersion: tf.version_core,
        training: structuredClone(laidOut.training),
        limit: null,
        startedAt: new Date().toISOString(),
        ...(parts.origin ? { origin: { ...parts.origin, graphFrom: source } } : {}),
      },
      curves: { steps: [], losses: [], epochSteps: [], epochLoss: [], validationLoss: [], metrics: {}, validationMetrics: {} },
      test: null,
      weights,
    });
    progress(1, 'done');
    return {
      graph: { ...laidOut, runs: [run] },
      source,
      layers: laidOut.nodes.length,
      parameters: compiled.model.countParams(),
      notes: mapped?.notes ?? [],
    };
  } finally {
    compiled.model.dispose();
  }
}
