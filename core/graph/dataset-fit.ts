/**
 * Which bundled datasets an imported model (a graph with inputs and outputs but no dataset and no
 * loss) can be trained and inspected on, and binding one: each Input fed by a dataset feature
 * (through a Flatten when the model takes the image flattened, a OneHot when it takes token ids
 * one-hot) and a loss on its output against the labels: class scores or probabilities
 * (SparseCategoricalCrossentropy), one sigmoid unit for two classes (BinaryCrossentropy on the
 * label reshaped to [1]), per-token scores of a seq2seq decoder (SequenceCrossentropy with the
 * target mask). The added nodes have no weights, so the imported weights still fit node by node.
 */
import { getDecl } from '../catalogue/registry';
import { datasetIds, getDatasetSpec, type DatasetSpec, type FeatureSpec } from '../data';
import { dimsCompatible, formatShape } from '../shapes/shape';
import { analyzeGraph, type GraphAnalysis } from './analyze';
import type { GraphDocument, GraphNode } from './document';
import { addNode, connect, freshId, setParams, setTraining } from './edit';
import { nodeDisplayName } from './summary';

export interface DatasetFitBase {
  readonly datasetId: string;
  readonly title: string;
}

/** How one model Input is fed: a dataset feature, through a Flatten when the model takes it flattened. */
export interface InputBinding {
  readonly inputNode: string;
  readonly feature: FeatureSpec;
  /** The model takes the feature flattened: a Flatten goes between the feature and the Input's layers. */
  readonly flatten: boolean;
  /** The model takes token ids one-hot ([time, depth], as keras-io's lstm_seq2seq): a OneHot of this depth goes after the Input. */
  readonly oneHot: number | null;
}

/**
 * The loss the binding adds: class scores against one class id (sparse-categorical), one sigmoid
 * unit against a 0/1 label reshaped to [1] (binary), per-token scores against the target ids and
 * their mask (sequence).
 */
export type FitLoss = 'sparse-categorical' | 'binary' | 'sequence';

/** A dataset the model fits, with how it is bound. */
export interface FittingDataset extends DatasetFitBase {
  readonly fits: true;
  /** Why it fits, in a sentence ("input [784] = the 28x28x1 image flattened; 10 outputs = 10 classes"). */
  readonly reason: string;
  /** Every model Input with the feature it takes (features the model doesn't take stay unused). */
  readonly inputs: readonly InputBinding[];
  readonly outputNode: string;
  readonly outputPort: string;
  readonly label: FeatureSpec;
  /** The output is raw scores (linear) rather than probabilities (softmax or sigmoid). */
  readonly fromLogits: boolean;
  readonly loss: FitLoss;
  /** For a sequence loss: the feature saying which target tokens count (padding doesn't). */
  readonly mask: FeatureSpec | null;
}

export interface UnfitDataset extends DatasetFitBase {
  readonly fits: false;
  /** Why the model can't take it ("its image is [28, 28, 1]; the model's input is [4]"). */
  readonly reason: string;
}

export type DatasetFit = FittingDataset | UnfitDataset;

const shapeText = (shape: readonly (number | null)[]) => `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function isLoss(node: GraphNode): boolean {
  return getDecl(node.type)?.kind === 'loss';
}

/** The model's outputs: the output ports of non-loss nodes that no wire reads (preferring nodes none of whose ports are read). */
function modelOutputs(graph: GraphDocument, analysis: GraphAnalysis): { node: GraphNode; port: string; shape: readonly (number | null)[] }[] {
  const read = new Set(graph.edges.map((e) => `${e.source.node}\u0000${e.source.port}`));
  const out: { node: GraphNode; port: string; shape: readonly (number | null)[] }[] = [];
  for (const node of graph.nodes) {
    if (node.type === 'Input' || isLoss(node)) continue;
    const result = analysis.nodes.get(node.id);
    for (const [port, shape] of Object.entries(result?.outputs ?? {})) {
      if (!read.has(`${node.id}\u0000${port}`)) out.push({ node, port, shape });
    }
  }
  // A node whose other outputs are read (an encoder LSTM's sequence beside the states it hands on) is not an output of the model.
  const reading = new Set(graph.edges.map((e) => e.source.node));
  const ends = out.filter((o) => !reading.has(o.node.id));
  return ends.length > 0 ? ends : out;
}

/** Whether an output gives probabilities (softmax), a probability (sigmoid), raw scores (linear), or something else (named). */
function outputKind(node: GraphNode): 'probabilities' | 'sigmoid' | 'logits' | string {
  const activation = node.params.activation;
  if (node.type === 'Softmax' || activation === 'softmax') return 'probabilities';
  if (activation === 'sigmoid') return 'sigmoid';
  if (activation === undefined ? node.type === 'Dense' || node.type === 'Conv2D' : activation === 'linear') return 'logits';
  return typeof activation === 'string' ? `a ${activation} activation` : `a ${node.type} node`;
}

const inputShapeOf = (input: GraphNode) => (input.params.shape as (number | null)[] | undefined) ?? [];
const sameShape = (model: readonly (number | null)[], data: readonly number[]) => model.length === data.length && model.every((d, i) => dimsCompatible(d, data[i] ?? null));

/** How a feature can feed an Input, or why it can't (`near`: the shape fits, the vocabulary doesn't). */
type Feed = { ok: true; binding: InputBinding } | { ok: false; reason: string; near: boolean; role: string };

/** The number of token ids a feature's vocabulary has, if it has one. */
function vocabularySize(spec: DatasetSpec, feature: FeatureSpec): number | null {
  return feature.vocabulary ? (spec.vocabularies[feature.vocabulary]?.tokens.length ?? null) : null;
}

function feed(graph: GraphDocument, spec: DatasetSpec, input: GraphNode, feature: FeatureSpec): Feed {
  const inputShape = inputShapeOf(input);
  const dtype = String(input.params.dtype ?? 'float32');
  const vocab = vocabularySize(spec, feature);
  const what = `Input '${nodeDisplayName(input)}' ${shapeText(inputShape)} ${dtype}`;
  const binding = (flatten: boolean, oneHot: number | null): Feed => ({ ok: true, binding: { inputNode: input.id, feature, flatten, oneHot } });
  if (dtype === feature.dtype && sameShape(inputShape, feature.shape)) {
    // Token ids must all have a row in every Embedding that looks them up.
    if (vocab !== null) {
      for (const e of graph.edges.filter((x) => x.source.node === input.id)) {
        const reader = graph.nodes.find((n) => n.id === e.target.node);
        const rows = reader?.type === 'Embedding' ? Number(reader.params.inputDim) : null;
        if (reader && rows !== null && rows < vocab) {
          return { ok: false, near: true, role: feature.role, reason: `${what} feeds Embedding '${nodeDisplayName(reader)}' with ${rows} rows (ids 0-${rows - 1}); its ${feature.name} has ${vocab} ${feature.vocabulary ?? ''} tokens (ids 0-${vocab - 1})` };
        }
      }
    }
    return binding(false, null);
  }
  // One-hot token vectors [time, depth]: the ids become one-hot rows of the model's depth.
  if (vocab !== null && dtype === 'float32' && feature.dtype === 'int32' && feature.shape.length === 1 && inputShape.length === 2 && dimsCompatible(inputShape[0] ?? null, feature.shape[0] ?? null)) {
    const depth = inputShape[1];
    if (typeof depth === 'number' && depth >= vocab) return binding(false, depth);
    return { ok: false, near: true, role: feature.role, reason: `${what} takes one-hot vectors of ${String(depth)}; its ${feature.name} has ${vocab} ${feature.vocabulary ?? ''} tokens` };
  }
  if (dtype === feature.dtype && inputShape.length === 1 && feature.shape.length > 1 && inputShape[0] === size(feature.shape)) return binding(true, null);
  return { ok: false, near: false, role: feature.role, reason: `${what} can't take its ${feature.name} ${shapeText(feature.shape)} ${feature.dtype}` };
}

/** Feature roles an Input's name points to ("encoder_input" -> the encoder's ids or mask). */
function hintedRoles(input: GraphNode): readonly string[] | null {
  const name = `${input.id} ${input.name ?? ''}`.toLowerCase();
  if (/encoder|source/.test(name)) return ['encoder-input', 'source-mask'];
  if (/decoder|target/.test(name)) return ['decoder-input'];
  return null;
}

/**
 * The ways to feed every Input a different feature (up to a few: one is a fit, more are ambiguous
 * unless the Inputs' names settle it), and for each Input no feature can feed, why not. An
 * Input named after a feature (its name or id) takes only that feature.
 */
function assignments(graph: GraphDocument, spec: DatasetSpec, inputs: readonly GraphNode[]): { found: InputBinding[][]; refusals: Feed[][] } {
  const found: InputBinding[][] = [];
  const refusals: Feed[][] = [];
  const options = inputs.map((input) => {
    const named = spec.features.filter((f) => f.name === input.id || f.name === input.name || f.name === input.params.feature);
    const feeds = (named.length > 0 ? named : spec.features).map((feature) => feed(graph, spec, input, feature));
    const taken = feeds.flatMap((f) => (f.ok ? [f.binding] : []));
    // Only an Input no feature can feed says why; its name narrows which refusals matter.
    const refused = taken.length > 0 ? [] : feeds.filter((f): f is Extract<Feed, { ok: false }> => !f.ok);
    const roles = hintedRoles(input);
    const hinted = roles ? refused.filter((f) => roles.includes(f.role)) : [];
    refusals.push(hinted.length > 0 ? hinted : refused);
    return taken;
  });
  const walk = (k: number, chosen: InputBinding[]) => {
    if (found.length >= 8) return;
    if (k === inputs.length) {
      found.push([...chosen]);
      return;
    }
    for (const option of options[k] ?? []) {
      if (chosen.some((c) => c.feature.name === option.feature.name)) continue;
      walk(k + 1, [...chosen, option]);
    }
  };
  walk(0, []);
  if (found.length > 1) {
    // Names like encoder_input / decoder_input settle which ids go where.
    const hinted = found.filter((a) => a.every((b) => {
      const roles = hintedRoles(graph.nodes.find((n) => n.id === b.inputNode) as GraphNode);
      return roles === null || roles.includes(b.feature.role);
    }));
    if (hinted.length === 1) return { found: hinted, refusals };
  }
  return { found, refusals };
}

/** Why no Input assignment was found: a vocabulary that doesn't fit, else which shapes don't meet. */
function unfedReason(graph: GraphDocument, spec: DatasetSpec, inputs: readonly GraphNode[], refusals: readonly Feed[][]): string {
  const near = refusals.flat().filter((f): f is Extract<Feed, { ok: false }> => !f.ok && f.near);
  if (near.length > 0) return near.map((f) => f.reason).join('; ');
  const one = inputs.length === 1 ? (inputs[0] as GraphNode) : null;
  const feature = spec.features.length === 1 ? (spec.features[0] as FeatureSpec) : null;
  if (one && feature) {
    const asFeature = feed(graph, spec, { ...one, params: { ...one.params, dtype: feature.dtype } }, feature);
    const shapeFits = asFeature.ok || asFeature.near;
    return shapeFits ? `its ${feature.name} is ${feature.dtype}; the model's input is ${String(one.params.dtype ?? 'float32')}` : `its ${feature.name} is ${shapeText(feature.shape)}; the model's input is ${shapeText(inputShapeOf(one))}`;
  }
  const features = spec.features.map((f) => `${f.name} ${shapeText(f.shape)} ${f.dtype}`).join(', ');
  const wanted = inputs.map((n) => `'${nodeDisplayName(n)}' ${shapeText(inputShapeOf(n))} ${String(n.params.dtype ?? 'float32')}`).join(', ');
  return `its features (${features}) can't feed the model's ${inputs.length === 1 ? 'input' : `${inputs.length} inputs`} (${wanted}) one each`;
}

/** How the bound Inputs are described in a fit's reason. */
function inputsText(graph: GraphDocument, inputs: readonly GraphNode[], bindings: readonly InputBinding[]): string {
  return bindings
    .map((b) => {
      const node = graph.nodes.find((n) => n.id === b.inputNode) as GraphNode;
      const shape = shapeText(inputShapeOf(node));
      const what = inputs.length === 1 ? `input ${shape}` : `input '${nodeDisplayName(node)}' ${shape}`;
      if (b.flatten) return `${what} = the ${b.feature.shape.join('x')} ${b.feature.name} flattened`;
      if (b.oneHot !== null) return `${what} = its ${b.feature.name} one-hot (${b.oneHot})`;
      return `${what} = its ${b.feature.name}`;
    })
    .join('; ');
}

type Output = ReturnType<typeof modelOutputs>[number];

/** A classification dataset (one class label per sample): class scores, softmax probabilities, or one sigmoid unit for two classes. */
function classificationFit(graph: GraphDocument, spec: DatasetSpec, inputs: readonly GraphNode[], output: Output, base: DatasetFitBase): DatasetFit {
  const labels = spec.labels.filter((f) => f.role === 'label' && f.classNames && f.shape.length === 0);
  if (labels.length !== 1) {
    return { ...base, fits: false, reason: `its samples are ${spec.features.map((f) => f.name).join(' + ')} -> ${spec.labels.map((f) => f.name).join(' + ')}, not inputs and a class label` };
  }
  const label = labels[0] as FeatureSpec;
  const { found, refusals } = assignments(graph, spec, inputs);
  if (found.length === 0) return { ...base, fits: false, reason: unfedReason(graph, spec, inputs, refusals) };
  if (found.length > 1) return ambiguous(graph, found, base);
  const bindings = found[0] as InputBinding[];
  const classes = (label.classNames as readonly string[]).length;
  const outShape = output.shape;
  const kind = outputKind(output.node);
  const binary = classes === 2 && outShape.length === 2 && outShape[1] === 1;
  if (!binary && (outShape.length !== 2 || outShape[1] !== classes)) {
    return { ...base, fits: false, reason: `it has ${classes} classes; the model's output is ${formatShape(outShape)}` };
  }
  const common = { ...base, fits: true as const, inputs: bindings, outputNode: output.node.id, outputPort: output.port, label, mask: null };
  if (binary) {
    if (kind !== 'sigmoid' && kind !== 'logits') {
      return { ...base, fits: false, reason: `it has 2 classes, but the model's one output '${nodeDisplayName(output.node)}' ends in ${kind === 'probabilities' ? 'a softmax over one unit (always 1)' : kind}, neither a sigmoid nor a score` };
    }
    const positive = (label.classNames as readonly string[])[1] ?? '1';
    return { ...common, reason: `${inputsText(graph, inputs, bindings)}; 1 output (${kind === 'sigmoid' ? 'sigmoid' : 'score'}) = the chance of its class '${positive}' (binary cross-entropy on the label reshaped to [1])`, fromLogits: kind === 'logits', loss: 'binary' };
  }
  if (kind !== 'probabilities' && kind !== 'logits') {
    return { ...base, fits: false, reason: `it has ${classes} classes, but the model's output '${nodeDisplayName(output.node)}' ends in ${kind === 'sigmoid' ? 'a sigmoid activation' : kind}, neither class scores nor softmax probabilities` };
  }
  return { ...common, reason: `${inputsText(graph, inputs, bindings)}; ${classes} outputs (${kind === 'logits' ? 'scores' : 'softmax'}) = its ${classes} classes`, fromLogits: kind === 'logits', loss: 'sparse-categorical' };
}

function ambiguous(graph: GraphDocument, found: readonly InputBinding[][], base: DatasetFitBase): UnfitDataset {
  const [a, b] = found as [InputBinding[], InputBinding[]];
  const differs = a.find((x, i) => x.feature.name !== b[i]?.feature.name) as InputBinding;
  const node = graph.nodes.find((n) => n.id === differs.inputNode) as GraphNode;
  return { ...base, fits: false, reason: `Input '${nodeDisplayName(node)}' could take its ${differs.feature.name} or another feature of the same shape; name each Input after the feature it takes` };
}

/**
 * A seq2seq dataset (source ids, target ids for teacher forcing, target ids + END to predict): the
 * encoder's ids feed an Input (as ids into an Embedding big enough for the source vocabulary, or
 * one-hot), the output gives one score or probability per target token at each target position.
 */
function seq2seqFit(graph: GraphDocument, spec: DatasetSpec, inputs: readonly GraphNode[], output: Output, base: DatasetFitBase): DatasetFit {
  const binding = spec.seq2seq;
  const byName = (name: string | undefined) => [...spec.features, ...spec.labels].find((f) => f.name === name);
  const target = byName(binding?.decoderTarget);
  const mask = byName(binding?.targetMask) ?? null;
  if (!binding || !target) return { ...base, fits: false, reason: 'it names no decoder target' };
  const { found, refusals } = assignments(graph, spec, inputs);
  if (found.length === 0) return { ...base, fits: false, reason: unfedReason(graph, spec, inputs, refusals) };
  if (found.length > 1) return ambiguous(graph, found, base);
  const bindings = found[0] as InputBinding[];
  if (!bindings.some((b) => b.feature.name === binding.encoderInput)) {
    return { ...base, fits: false, reason: `no Input of the model takes its ${binding.encoderInput} (the source ids); the model's inputs are ${inputs.map((n) => `'${nodeDisplayName(n)}' ${shapeText(inputShapeOf(n))}`).join(', ')}` };
  }
  const vocab = vocabularySize(spec, target) ?? spec.vocabularies[binding.targetVocabulary]?.tokens.length ?? 0;
  const steps = target.shape[0] as number;
  const outShape = output.shape;
  if (outShape.length !== 3 || !dimsCompatible(outShape[1] ?? null, steps) || outShape[2] !== vocab) {
    return { ...base, fits: false, reason: `its ${target.name} is ${steps} ids over ${vocab} target tokens, so the output must be [batch, ${steps}, ${vocab}]; the model's output '${nodeDisplayName(output.node)}' is ${formatShape(outShape)}` };
  }
  const kind = outputKind(output.node);
  if (kind !== 'probabilities' && kind !== 'logits') {
    return { ...base, fits: false, reason: `the model's output '${nodeDisplayName(output.node)}' ends in ${kind === 'sigmoid' ? 'a sigmoid activation' : kind}, neither token scores nor softmax probabilities` };
  }
  return {
    ...base,
    fits: true,
    reason: `${inputsText(graph, inputs, bindings)}; output [${steps}, ${vocab}] (${kind === 'logits' ? 'scores' : 'softmax'}) = its ${target.name} over ${vocab} target tokens, padding masked`,
    inputs: bindings,
    outputNode: output.node.id,
    outputPort: output.port,
    label: target,
    fromLogits: kind === 'logits',
    loss: 'sequence',
    mask,
  };
}

/**
 * Every bundled dataset, each with whether the graph's inputs and one output fit its features
 * and its labels, and why (or why not). Each Input takes a different feature (same shape and
 * dtype, an image flattened, token ids one-hot), token ids only into Embeddings with a row for
 * each; features no Input takes (a mask) stay unused. A graph that already has a dataset or a
 * loss, or has several outputs, fits none (the reason says which).
 */
export function datasetsFitting(graph: GraphDocument): DatasetFit[] {
  const analysis = analyzeGraph(graph);
  const inputs = graph.nodes.filter((n) => n.type === 'Input');
  const outputs = modelOutputs(graph, analysis);
  const whole: string | null = graph.nodes.some(isLoss)
    ? 'the graph already has a loss'
    : analysis.issues.some((i) => i.severity === 'error')
      ? 'the graph has errors'
      : inputs.length === 0
        ? 'the model has no Input'
        : outputs.length !== 1
          ? `the model has ${outputs.length} outputs; binding is offered for a model with one`
          : null;
  return datasetIds().map((id): DatasetFit => {
    const spec = getDatasetSpec(id);
    const base = { datasetId: id, title: spec.title };
    if (whole) return { ...base, fits: false, reason: whole };
    const output = outputs[0] as Output;
    return spec.seq2seq ? seq2seqFit(graph, spec, inputs, output, base) : classificationFit(graph, spec, inputs, output, base);
  });
}

/** Puts a weightless node of `type` between an Input and the layers that read it. */
function insertAfterInput(graph: GraphDocument, input: GraphNode, type: string, params: Record<string, number | number[]>): GraphDocument {
  const added = addNode(graph, type, { x: input.position.x, y: input.position.y + 140 }, params);
  const g = { ...added.graph, edges: added.graph.edges.map((e) => (e.source.node === input.id ? { ...e, source: { node: added.id, port: 'out' } } : e)) };
  return connect(g, { source: { node: input.id, port: 'out' }, target: { node: added.id, port: 'in' } }).graph;
}

/** Appends an Input bound to a dataset feature, below `near`. */
function addFeatureInput(graph: GraphDocument, feature: FeatureSpec, near: GraphNode, dy: number): { graph: GraphDocument; id: string } {
  const id = freshId(graph, feature.name);
  const node: GraphNode = { id, type: 'Input', name: id, params: { shape: [...feature.shape], dtype: feature.dtype, feature: feature.name }, position: { x: near.position.x, y: near.position.y + dy } };
  return { graph: { ...graph, nodes: [...graph.nodes, node] }, id };
}

/**
 * Binds a fitting dataset: the training setup's dataset, each Input fed by its feature (a Flatten
 * or OneHot after it when the model takes it flattened or one-hot), the labels as Inputs and the
 * fit's loss on the output: SparseCategoricalCrossentropy; BinaryCrossentropy with the label
 * through a Reshape to [1] (the one-unit output is [batch, 1]); SequenceCrossentropy with the
 * target mask. New nodes are appended, so every weighted node keeps its compiled layer name.
 */
export function bindFittingDataset(graph: GraphDocument, fit: FittingDataset): GraphDocument {
  const output = graph.nodes.find((n) => n.id === fit.outputNode);
  if (!output) throw new Error(`the graph has no node '${fit.outputNode}' to bind`);
  let g = setTraining(graph, { dataset: { id: fit.datasetId, options: {} } });
  for (const binding of fit.inputs) {
    const input = g.nodes.find((n) => n.id === binding.inputNode);
    if (!input) throw new Error(`the graph has no node '${binding.inputNode}' to bind`);
    g = setParams(g, input.id, { feature: binding.feature.name, shape: [...binding.feature.shape], dtype: binding.feature.dtype });
    if (binding.flatten) g = insertAfterInput(g, input, 'Flatten', {});
    if (binding.oneHot !== null) g = insertAfterInput(g, input, 'OneHot', { depth: binding.oneHot });
  }
  const label = addFeatureInput(g, fit.label, output, 180);
  g = label.graph;
  const at = { x: output.position.x + 340, y: output.position.y + 80 };
  let target = label.id;
  if (fit.loss === 'binary') {
    const labelNode = g.nodes.find((n) => n.id === label.id) as GraphNode;
    const reshape = addNode(g, 'Reshape', { x: labelNode.position.x + 260, y: labelNode.position.y }, { targetShape: [1] });
    g = connect(reshape.graph, { source: { node: label.id, port: 'out' }, target: { node: reshape.id, port: 'in' } }).graph;
    target = reshape.id;
  }
  const lossType = fit.loss === 'binary' ? 'BinaryCrossentropy' : fit.loss === 'sequence' ? 'SequenceCrossentropy' : 'SparseCategoricalCrossentropy';
  const loss = addNode(g, lossType, at, { fromLogits: fit.fromLogits });
  g = loss.graph;
  g = connect(g, { source: { node: output.id, port: fit.outputPort }, target: { node: loss.id, port: 'prediction' } }).graph;
  g = connect(g, { source: { node: target, port: 'out' }, target: { node: loss.id, port: 'target' } }).graph;
  if (fit.loss === 'sequence' && fit.mask) {
    const mask = addFeatureInput(g, fit.mask, output, 360);
    g = connect(mask.graph, { source: { node: mask.id, port: 'out' }, target: { node: loss.id, port: 'mask' } }).graph;
  }
  return g;
}

/**
 * Binds dataset `datasetId` to an imported document (see bindFittingDataset), or says why it
 * can't (naming the datasets that fit). Kept runs trained on no dataset (the imported weights)
 * on the document's graph as it is take the bound graph too, so they open for inspection on it: their weights are unchanged and
 * the added nodes have none.
 */
export function bindDatasetToDocument(graph: GraphDocument, datasetId: string): { ok: true; graph: GraphDocument; fit: FittingDataset } | { ok: false; message: string } {
  const fits = datasetsFitting(graph);
  const fit = fits.find((f) => f.datasetId === datasetId);
  const fitting = fits.filter((f): f is FittingDataset => f.fits);
  const others = fitting.length > 0 ? `; datasets that fit: ${fitting.map((f) => f.datasetId).join(', ')}` : '; no bundled dataset fits it';
  if (!fit) return { ok: false, message: `unknown dataset "${datasetId}" (known: ${datasetIds().join(', ')})` };
  if (!fit.fits) return { ok: false, message: `${fit.title} doesn't fit the model: ${fit.reason}${others}` };
  const bound = bindFittingDataset(graph, fit);
  const version = getDatasetSpec(fit.datasetId).version;
  const sameGraph = (run: GraphDocument['runs'][number]) =>
    JSON.stringify([run.graph.nodes, run.graph.edges]) === JSON.stringify([graph.nodes, graph.edges]);
  const runs = bound.runs.map((run) =>
    run.graph.training.dataset || !sameGraph(run)
      ? run
      : {
          ...run,
          graph: { nodes: structuredClone(bound.nodes), edges: structuredClone(bound.edges), training: structuredClone(bound.training) },
          manifest: { ...run.manifest, dataset: { id: fit.datasetId, version, options: {} }, training: structuredClone(bound.training) },
        },
  );
  return { ok: true, graph: { ...bound, runs }, fit };
}
