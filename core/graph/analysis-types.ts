/**
 * What shape inference reports (analyze.ts computes it). Apart from analyze.ts so the modules it
 * calls (dataset binding, phases, sharing, sub-models) can name these types without importing it back.
 */
import type { NodeDecl, ParamCount, PortSpec } from '../catalogue/decl';
import type { Shape } from '../shapes/shape';
import type { GraphDocument, GraphNode } from './document';

export interface GraphIssue {
  severity: 'error' | 'warning';
  /** Complete on its own: names the node it is about. */
  message: string;
  /** The same without naming the node, for places that already show it (the node's card). */
  detail?: string;
  nodeId?: string;
  /** Input or output port on the node, when the issue is about one. */
  port?: string;
  edgeId?: string;
  /** JSON path of the setting it is about, for issues outside the nodes (e.g. dataset options). */
  path?: string;
}

export interface NodeAnalysis {
  node: GraphNode;
  decl: NodeDecl | undefined;
  inputPorts: readonly PortSpec[];
  outputPorts: readonly PortSpec[];
  /** Shapes arriving per input port, in wire order. */
  inputs: Readonly<Record<string, readonly Shape[]>>;
  /** Shapes per output port; empty when the node has an error. */
  outputs: Readonly<Record<string, Shape>>;
  params: ParamCount;
  flops: number;
  issues: readonly GraphIssue[];
  /** The node whose weights this node applies (`shares`, when valid); its own count is then 0. */
  sharedFrom?: string;
}

export interface GraphAnalysis {
  nodes: ReadonlyMap<string, NodeAnalysis>;
  /** The shape each edge carries; null when its source has no shape (error upstream, dangling). */
  edgeShapes: ReadonlyMap<string, Shape | null>;
  /** Node ids in topological order (nodes on cycles are left out). */
  order: readonly string[];
  issues: readonly GraphIssue[];
  totals: ParamCount & { flops: number };
}

/** The shape (with batch) a dataset gives an Input node's feature, or a reason it cannot. */
export type FeatureResolver = (
  dataset: NonNullable<GraphDocument['training']['dataset']>,
  feature: string,
) => { shape: Shape } | { error: string };
