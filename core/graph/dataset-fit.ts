/**
 * Which bundled datasets an imported model (a graph with inputs and outputs but no dataset and no
 * loss) can be trained and inspected on, and binding one: each Input fed by a dataset feature
 * (through a Flatten when the model takes the image flattened) and a loss on its output against
 * the labels. The added nodes have no weights, so the imported weights still fit node by node.
 */
import { getDecl } from '../catalogue/registry';
import { datasetIds, getDatasetSpec, type FeatureSpec } from '../data';
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
}

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
  /** The output is raw scores (linear) rather than probabilities (softmax). */
  readonly fromLogits: boolean;
}

export interface UnfitDataset extends DatasetFitBase {
  readonly fits: false;
  /** Why the model can't take it ("its image is [28, 28, 1]; the model's input is [4]"). */
  readonly reason: string;
}

export type DatasetFit = FittingDataset | UnfitDataset;

const shapeText = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function isLoss(node: GraphNode): boolean {
  return getDecl(node.type)?.kind === 'loss';
}

/** The model's outputs: every output port of a non-loss node that no wire reads. */
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
  return out;
}

/** Whether an output gives probabilities (softmax), raw scores (linear), or something else (named). */
function outputKind(node: GraphNode): 'probabilities' | 'logits' | string {
  const activation = node.params.activation;
  if (node.type === 'Softmax' || activation === 'softmax') return 'probabilities';
  if (activation === undefined ? node.type === 'Dense' || node.type === 'Conv2D' : activation === 'linear') return 'logits';
  return typeof activation === 'string' ? `a ${activation} activation` : `a ${node.type} node`;
}

/** How a feature can feed an Input: as it is, flattened, or not at all. */
function feedKind(input: GraphNode, feature: FeatureSpec): 'same' | 'flatten' | null {
  const inputShape = (input.params.shape as number[] | undefined) ?? [];
  if ((input.params.dtype ?? 'float32') !== feature.dtype) return null;
  if (shapeText(inputShape) === shapeText(feature.shape)) return 'same';
  return inputShape.length === 1 && feature.shape.length > 1 && inputShape[0] === size(feature.shape) ? 'flatten' : null;
}

/**
 * The ways to feed every Input a different feature (at most two are looked for: one is a fit,
 * two are ambiguous). An Input named after a feature (its name or id) takes only that feature.
 */
function assignments(inputs: readonly GraphNode[], features: readonly FeatureSpec[]): InputBinding[][] {
  const found: InputBinding[][] = [];
  const options = inputs.map((input) => {
    const named = features.filter((f) => f.name === input.id || f.name === input.name || f.name === input.params.feature);
    return (named.length > 0 ? named : features).flatMap((feature) => {
      const kind = feedKind(input, feature);
      return kind ? [{ inputNode: input.id, feature, flatten: kind === 'flatten' }] : [];
    });
  });
  const walk = (k: number, chosen: InputBinding[]) => {
    if (found.length >= 2) return;
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
  return found;
}

/**
 * Every bundled dataset, each with whether the graph's inputs and one output fit its features
 * and its class labels, and why (or why not). Each Input takes a different feature (same shape
 * and dtype, or an image flattened); features no Input takes (a mask) stay unused. A graph that
 * already has a dataset or a loss, or has several outputs, fits none (the reason says which).
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
    const output = outputs[0] as (typeof outputs)[number];
    const labels = spec.labels.filter((f) => f.role === 'label' && f.classNames && f.shape.length === 0);
    if (labels.length !== 1) {
      return { ...base, fits: false, reason: `its samples are ${spec.features.map((f) => f.name).join(' + ')} -> ${spec.labels.map((f) => f.name).join(' + ')}, not inputs and a class label` };
    }
    const label = labels[0] as FeatureSpec;
    const found = assignments(inputs, spec.features);
    if (found.length === 0) {
      const one = inputs.length === 1 ? (inputs[0] as GraphNode) : null;
      const feature = spec.features.length === 1 ? (spec.features[0] as FeatureSpec) : null;
      if (one && feature) {
        const inputShape = (one.params.shape as number[] | undefined) ?? [];
        const shapeFits = feedKind({ ...one, params: { ...one.params, dtype: feature.dtype } }, feature) !== null;
        return {
          ...base,
          fits: false,
          reason: shapeFits ? `its ${feature.name} is ${feature.dtype}; the model's input is ${String(one.params.dtype ?? 'float32')}` : `its ${feature.name} is ${shapeText(feature.shape)}; the model's input is ${shapeText(inputShape)}`,
        };
      }
      const features = spec.features.map((f) => `${f.name} ${shapeText(f.shape)} ${f.dtype}`).join(', ');
      const wanted = inputs.map((n) => `'${nodeDisplayName(n)}' ${shapeText((n.params.shape as number[] | undefined) ?? [])} ${String(n.params.dtype ?? 'float32')}`).join(', ');
      return { ...base, fits: false, reason: `its features (${features}) can't feed the model's ${inputs.length === 1 ? 'input' : `${inputs.length} inputs`} (${wanted}) one each` };
    }
    if (found.length > 1) {
      const [a, b] = found as [InputBinding[], InputBinding[]];
      const differs = a.find((x, i) => x.feature.name !== b[i]?.feature.name) as InputBinding;
      const node = graph.nodes.find((n) => n.id === differs.inputNode) as GraphNode;
      return { ...base, fits: false, reason: `Input '${nodeDisplayName(node)}' could take its ${differs.feature.name} or another feature of the same shape; name each Input after the feature it takes` };
    }
    const bindings = found[0] as InputBinding[];
    const classes = (label.classNames as readonly string[]).length;
    const outShape = output.shape;
    if (outShape.length !== 2 || outShape[1] !== classes) {
      return { ...base, fits: false, reason: `it has ${classes} classes; the model's output is ${shapeText(outShape)}` };
    }
    const kind = outputKind(output.node);
    if (kind !== 'probabilities' && kind !== 'logits') {
      return { ...base, fits: false, reason: `it has ${classes} classes, but the model's output '${nodeDisplayName(output.node)}' ends in ${kind}, neither class scores nor softmax probabilities` };
    }
    const inputText = bindings
      .map((b) => {
        const node = graph.nodes.find((n) => n.id === b.inputNode) as GraphNode;
        const shape = shapeText((node.params.shape as number[] | undefined) ?? []);
        const what = inputs.length === 1 ? `input ${shape}` : `input '${nodeDisplayName(node)}' ${shape}`;
        return b.flatten ? `${what} = the ${b.feature.shape.join('x')} ${b.feature.name} flattened` : `${what} = its ${b.feature.name}`;
      })
      .join('; ');
    return {
      ...base,
      fits: true,
      reason: `${inputText}; ${classes} outputs (${kind === 'logits' ? 'scores' : 'softmax'}) = its ${classes} classes`,
      inputs: bindings,
      outputNode: output.node.id,
      outputPort: output.port,
      label,
      fromLogits: kind === 'logits',
    };
  });
}

/**
 * Binds a fitting dataset: the training setup's dataset, each Input fed by its feature (a Flatten
 * after it when the model takes it flattened), a label Input and a SparseCategoricalCrossentropy on
 * the output. New nodes are appended, so every weighted node keeps its compiled layer name.
 */
export function bindFittingDataset(graph: GraphDocument, fit: FittingDataset): GraphDocument {
  const output = graph.nodes.find((n) => n.id === fit.outputNode);
  if (!output) throw new Error(`the graph has no node '${fit.outputNode}' to bind`);
  let g = setTraining(graph, { dataset: { id: fit.datasetId, options: {} } });
  for (const binding of fit.inputs) {
    const input = g.nodes.find((n) => n.id === binding.inputNode);
    if (!input) throw new Error(`the graph has no node '${binding.inputNode}' to bind`);
    g = setParams(g, input.id, { feature: binding.feature.name, shape: [...binding.feature.shape], dtype: binding.feature.dtype });
    if (binding.flatten) {
      const added = addNode(g, 'Flatten', { x: input.position.x, y: input.position.y + 140 });
      g = added.graph;
      // The Input's wires now leave the Flatten.
      const flattenId = added.id;
      g = {
        ...g,
        edges: g.edges.map((e) => (e.source.node === input.id ? { ...e, source: { node: flattenId, port: 'out' } } : e)),
      };
      g = connect(g, { source: { node: input.id, port: 'out' }, target: { node: flattenId, port: 'in' } }).graph;
    }
  }
  const labelId = freshId(g, fit.label.name);
  g = {
    ...g,
    nodes: [
      ...g.nodes,
      {
        id: labelId,
        type: 'Input',
        name: labelId,
        params: { shape: [...fit.label.shape], dtype: fit.label.dtype, feature: fit.label.name },
        position: { x: output.position.x, y: output.position.y + 160 },
      },
    ],
  };
  const loss = addNode(g, 'SparseCategoricalCrossentropy', { x: output.position.x + 340, y: output.position.y + 80 }, { fromLogits: fit.fromLogits });
  g = loss.graph;
  g = connect(g, { source: { node: output.id, port: fit.outputPort }, target: { node: loss.id, port: 'prediction' } }).graph;
  g = connect(g, { source: { node: labelId, port: 'out' }, target: { node: loss.id, port: 'target' } }).graph;
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
