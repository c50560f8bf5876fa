/**
 * The parts of a model some views need: its softmax classifier head, its VAE Sampling node, a
 * conditional VAE's label Input. Found from the graph and the compiled losses.
 */
import type { Dataset, FeatureSpec } from '../data/types';
import type { CompiledGraph } from '../engine/compile';
import type { GraphDocument } from '../graph/document';
import type { InspectionCapabilities } from './types';

export interface ClassificationHead {
  /** Index in `compiled.outputs` of the logits. */
  output: number;
  /** Index in `compiled.feeds` of the class labels. */
  labelFeed: number;
  classes: number;
}

/** The softmax classification head: logits output and the label feature, if the graph has one. */
export function classificationHead(compiled: CompiledGraph): ClassificationHead | null {
  const loss = compiled.losses.find((l) => l.decl.type === 'SparseCategoricalCrossentropy');
  const prediction = loss?.sources.prediction;
  const target = loss?.sources.target;
  if (!loss || prediction?.kind !== 'output' || target?.kind !== 'feed') return null;
  const ref = compiled.outputs[prediction.output];
  const shape = ref ? compiled.nodeTensors.get(ref.nodeId)?.[ref.port]?.shape : undefined;
  const classes = shape?.[shape.length - 1];
  if (typeof classes !== 'number' || shape?.length !== 2) return null;
  return { output: prediction.output, labelFeed: target.feed, classes };
}

export function samplingNode(graph: GraphDocument): string | null {
  return graph.nodes.find((n) => n.type === 'Sampling')?.id ?? null;
}

export function classNamesOf(dataset: Dataset): string[] | null {
  const label = dataset.spec.labels.find((l) => l.classNames && l.classNames.length > 0);
  return label?.classNames ? [...label.classNames] : null;
}

function labelFeatureOf(dataset: Dataset): FeatureSpec | undefined {
  return dataset.spec.labels.find((f) => f.classNames !== undefined);
}

/** A conditional VAE: an int32 Input that feeds a OneHot node (the label the decoder reads too). */
export function conditionalLabel(graph: GraphDocument, dataset: Dataset): InspectionCapabilities['conditionalLabel'] {
  for (const onehot of graph.nodes.filter((n) => n.type === 'OneHot')) {
    const edge = graph.edges.find((e) => e.target.node === onehot.id);
    const input = edge ? graph.nodes.find((n) => n.id === edge.source.node && n.type === 'Input') : undefined;
    if (!input || input.params['dtype'] !== 'int32') continue;
    const feature = dataset.spec.labels.find((l) => l.name === input.params['feature']) ?? labelFeatureOf(dataset);
    const depth = Number(onehot.params['depth']);
    const names = feature?.classNames ? [...feature.classNames] : Array.from({ length: Number.isFinite(depth) ? depth : 0 }, (_, i) => String(i));
    if (names.length > 0) return { inputNodeId: input.id, classNames: names };
  }
  return null;
}
