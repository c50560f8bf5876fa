/**
 * What the inspection views read when a model has no dataset (an imported model): the samples of
 * a bundled dataset that fits it, bound on a copy of the graph (the document is not changed), or
 * one sample the user gives, a value for every element of each Input; without either, the error
 * names what is needed. Shared by the app's worker and `netwright inspect`.
 */
import { ColumnSplit, rowLength, type Column } from '../data/split';
import type { Dataset, FeatureSpec } from '../data/types';
import { bindFittingDataset, datasetsFitting, type FittingDataset } from '../graph/dataset-fit';
import type { GraphDocument } from '../graph/document';
import { nodeDisplayName } from '../graph/summary';
import { getDecl } from '../catalogue/registry';

/** An Input node, known by its declaration's kind (core/inspect asks declarations, not type names). */
const isInputNode = (node: GraphDocument['nodes'][number]): boolean => getDecl(node.type)?.kind === 'input';

/** One Input node of a model: what a given sample must hold for it. */
export interface ModelInput {
  nodeId: string;
  /** The node's display name. */
  name: string;
  /** Shape of one sample; null for an open (variable) length. */
  shape: (number | null)[];
  dtype: 'float32' | 'int32';
}

/** One sample the user gives: the values of each Input (by node id), row-major. */
export type GivenSample = Record<string, Float32Array | Int32Array>;

/** Where the views' samples come from. */
export type InspectionSource =
  | { kind: 'dataset'; datasetId: string }
  /** A bundled dataset that fits the model, bound on a copy of its graph (`others`: the other datasets that fit). */
  | { kind: 'fitting'; datasetId: string; title: string; reason: string; others: { datasetId: string; title: string }[] }
  /** One sample the user gave. */
  | { kind: 'given'; inputs: string[] };

/** The graph and samples to open for inspection, or why there are none. */
export type InspectionPlan =
  | { ok: true; source: Extract<InspectionSource, { kind: 'dataset' }>; graph: GraphDocument }
  | { ok: true; source: Extract<InspectionSource, { kind: 'fitting' }>; graph: GraphDocument; fit: FittingDataset }
  | { ok: true; source: Extract<InspectionSource, { kind: 'given' }>; graph: GraphDocument; dataset: Dataset }
  | { ok: false; message: string };

/** The id of the in-memory dataset of a given sample (DatasetInfo.id in the app). */
export const GIVEN_INPUT_DATASET = 'given-input';

const shapeText = (shape: readonly (number | null)[]) => `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;

/** The model's Input nodes, in document order. */
export function modelInputs(graph: GraphDocument): ModelInput[] {
  return graph.nodes
    .filter(isInputNode)
    .map((n) => ({
      nodeId: n.id,
      name: nodeDisplayName(n),
      shape: Array.isArray(n.params.shape) ? (n.params.shape as (number | null)[]) : [],
      dtype: n.params.dtype === 'int32' ? 'int32' : 'float32',
    }));
}

/** What one input takes, in words ("Input 'x' takes [28, 28, 1] float32: 784 numbers"). */
export function describeInput(input: ModelInput): string {
  const known = rowLength(input.shape.map((d) => d ?? 1));
  const open = input.shape.filter((d) => d === null).length;
  const count = open === 0 ? `${known} numbers` : `a multiple of ${known} numbers (the open length)`;
  return `Input '${input.name}' takes ${shapeText(input.shape)} ${input.dtype}: ${count}`;
}

/**
 * The shape of one sample of `input` holding `count` values (an open length is worked out from
 * the count), or why the count doesn't fit.
 */
export function givenShape(input: ModelInput, count: number): { ok: true; shape: number[] } | { ok: false; message: string } {
  const open = input.shape.filter((d) => d === null).length;
  const known = rowLength(input.shape.map((d) => d ?? 1));
  if (open > 1) return { ok: false, message: `Input '${input.name}' has ${open} open lengths ${shapeText(input.shape)}; only one can be worked out from the values` };
  if (open === 0 && count !== known) return { ok: false, message: `${describeInput(input)}; ${count} were given` };
  if (open === 1 && (count === 0 || count % known !== 0)) return { ok: false, message: `${describeInput(input)}; ${count} were given` };
  return { ok: true, shape: input.shape.map((d) => d ?? count / known) };
}

/**
 * The numbers in a text (JSON arrays, or numbers separated by spaces, commas or new lines), as
 * one sample of `input`, or what is wrong with them.
 */
export function parseGivenValues(input: ModelInput, text: string): { ok: true; values: Float32Array | Int32Array } | { ok: false; message: string } {
  const tokens = text.split(/[\s,[\]]+/).filter((t) => t.length > 0);
  const numbers = tokens.map(Number);
  const bad = tokens.findIndex((_, i) => !Number.isFinite(numbers[i]));
  if (bad >= 0) return { ok: false, message: `Input '${input.name}': "${(tokens[bad] as string).slice(0, 24)}" (value ${bad + 1}) is not a number` };
  const shape = givenShape(input, numbers.length);
  if (!shape.ok) return shape;
  if (input.dtype === 'int32') {
    const notWhole = numbers.findIndex((v) => !Number.isInteger(v));
    if (notWhole >= 0) return { ok: false, message: `Input '${input.name}' takes int32 ids; value ${notWhole + 1} (${numbers[notWhole]}) is not a whole number` };
    return { ok: true, values: Int32Array.from(numbers) };
  }
  return { ok: true, values: Float32Array.from(numbers) };
}

/**
 * A one-sample dataset of the given values and the graph reading it: each Input fed by a feature
 * named after its node (a copy; the weights still fit node by node). Every Input must be given.
 */
export function givenInputsDataset(graph: GraphDocument, sample: GivenSample): { ok: true; graph: GraphDocument; dataset: Dataset } | { ok: false; message: string } {
  const inputs = modelInputs(graph);
  const unknown = Object.keys(sample).filter((id) => !inputs.some((i) => i.nodeId === id));
  if (unknown.length > 0) return { ok: false, message: `the model has no Input '${unknown.join("', '")}'; its inputs: ${inputs.map((i) => i.nodeId).join(', ')}` };
  const columns: Column[] = [];
  const features: FeatureSpec[] = [];
  for (const input of inputs) {
    const values = sample[input.nodeId];
    if (!values) return { ok: false, message: `no values for ${describeInput(input)}` };
    const shape = givenShape(input, values.length);
    if (!shape.ok) return shape;
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    if (dtype !== input.dtype) return { ok: false, message: `Input '${input.name}' takes ${input.dtype}; ${dtype} values were given` };
    columns.push({ name: input.nodeId, values, shape: shape.shape, dtype });
    features.push({ name: input.nodeId, role: 'input', shape: shape.shape, dtype, description: `the values given for Input '${input.name}'` });
  }
  const split = (name: 'train' | 'validation' | 'test', rows: number[]) => new ColumnSplit(name, columns, Uint32Array.from(rows));
  const dataset: Dataset = {
    spec: {
      id: GIVEN_INPUT_DATASET,
      version: 1,
      title: 'Your input',
      description: 'One sample given for inspection (no labels)',
      task: 'given-input',
      features,
      labels: [],
      vocabularies: {},
      sizes: { train: 1, validation: 1, test: 0 },
      files: [],
      origin: { package: 'given', license: 'the user’s own' },
    },
    train: split('train', [0]),
    validation: split('validation', [0]),
    test: split('test', []),
    notes: [],
  };
  const fed: GraphDocument = {
    ...graph,
    nodes: graph.nodes.map((n) => (isInputNode(n) ? { ...n, params: { ...n.params, feature: n.id } } : n)),
  };
  return { ok: true, graph: fed, dataset };
}

/**
 * What to open for inspection: the graph's own dataset; else the given sample; else the bundled
 * dataset `preferred` when it fits, or the first that fits (bound on a copy); else the error names
 * what each Input takes.
 */
export function inspectionPlan(graph: GraphDocument, given: GivenSample | null, preferred: string | null = null): InspectionPlan {
  const own = graph.training.dataset;
  if (own) return { ok: true, source: { kind: 'dataset', datasetId: own.id }, graph };
  if (given) {
    const made = givenInputsDataset(graph, given);
    if (!made.ok) return made;
    return { ok: true, source: { kind: 'given', inputs: Object.keys(given) }, graph: made.graph, dataset: made.dataset };
  }
  const fits = datasetsFitting(graph);
  const fitting = fits.filter((f): f is FittingDataset => f.fits);
  const fit = fitting.find((f) => f.datasetId === preferred) ?? fitting[0];
  if (fit) {
    const others = fitting.filter((f) => f !== fit).map((f) => ({ datasetId: f.datasetId, title: f.title }));
    return { ok: true, source: { kind: 'fitting', datasetId: fit.datasetId, title: fit.title, reason: fit.reason, others }, graph: bindFittingDataset(graph, fit), fit };
  }
  const inputs = modelInputs(graph);
  const why = fits[0]?.reason.startsWith('the model has') || fits[0]?.reason.startsWith('the graph') ? ` (${fits[0].reason})` : '';
  return {
    ok: false,
    message: `the model has no dataset and no bundled dataset fits it${why}: give an input to inspect it on (${inputs.map(describeInput).join('; ') || 'it has no Input'})`,
  };
}
