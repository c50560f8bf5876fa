/**
 * The parts of a model some views need: its softmax classifier head, its VAE sampler, a
 * conditional VAE's label Input. Found by the ports' roles in the declarations
 * (`PortSpec.role`), never by type or port name.
 */
import type { Dataset, FeatureSpec } from '../data/types';
import type { CompiledGraph } from '../engine/compile';
import type { GraphDocument } from '../graph/document';
import type { GraphAnalysis } from '../graph/analyze';
import { portsWithRole } from '../graph/port-roles';
import type { InspectionCapabilities } from './types';

export interface ClassificationHead {
  /** Index in `compiled.outputs` of the logits. */
  output: number;
  /** Index in `compiled.feeds` of the class labels. */
  labelFeed: number;
  classes: number;
}

/**
 * The classification head: the output a loss reads at its 'classifier' port (class scores) and
 * the label feed at its `target`, if the graph has one.
 */
export function classificationHead(compiled: CompiledGraph): ClassificationHead | null {
  const classifier = portsWithRole(compiled.analysis, 'classifier', 'input').find((ref) => compiled.losses.some((l) => l.nodeId === ref.nodeId));
  const loss = classifier ? compiled.losses.find((l) => l.nodeId === classifier.nodeId) : undefined;
  const prediction = classifier ? loss?.sources[classifier.port] : undefined;
  const target = loss?.sources['target'];
  if (!loss || prediction?.kind !== 'output' || target?.kind !== 'feed') return null;
  const ref = compiled.outputs[prediction.output];
  const shape = ref ? compiled.nodeTensors.get(ref.nodeId)?.[ref.port]?.shape : undefined;
  const classes = shape?.[shape.length - 1];
  if (typeof classes !== 'number' || shape?.length !== 2) return null;
  return { output: prediction.output, labelFeed: target.feed, classes };
}

/** The node whose output samples a VAE's latent (role 'sampler'), if any. */
export function samplingNode(analysis: GraphAnalysis): string | null {
  return portsWithRole(analysis, 'sampler')[0]?.nodeId ?? null;
}

export function classNamesOf(dataset: Dataset): string[] | null {
  const label = dataset.spec.labels.find((l) => l.classNames && l.classNames.length > 0);
  return label?.classNames ? [...label.classNames] : null;
}

function labelFeatureOf(dataset: Dataset): FeatureSpec | undefined {
  return dataset.spec.labels.find((f) => f.classNames !== undefined);
}

/** A conditional VAE: an int32 Input wired to a port taking class indices (a OneHot: the label the decoder reads too). */
export function conditionalLabel(graph: GraphDocument, analysis: GraphAnalysis, dataset: Dataset): InspectionCapabilities['conditionalLabel'] {
  for (const ref of portsWithRole(analysis, 'class-index', 'input')) {
    const onehot = graph.nodes.find((n) => n.id === ref.nodeId);
    if (!onehot) continue;
    const edge = graph.edges.find((e) => e.target.node === onehot.id && e.target.port === ref.port);
    const input = edge && analysis.nodes.get(edge.source.node)?.decl?.kind === 'input' ? graph.nodes.find((n) => n.id === edge.source.node) : undefined;
    if (!input || input.params['dtype'] !== 'int32') continue;
    const feature = dataset.spec.labels.find((l) => l.name === input.params['feature']) ?? labelFeatureOf(dataset);
    // The encoding's width: its output's last axis.
    const encoded = Object.values(analysis.nodes.get(onehot.id)?.outputs ?? {})[0];
    const depth = encoded?.[encoded.length - 1] ?? null;
    const names = feature?.classNames ? [...feature.classNames] : Array.from({ length: typeof depth === 'number' ? depth : 0 }, (_, i) => String(i));
    if (names.length > 0) return { inputNodeId: input.id, classNames: names };
  }
  return null;
}
