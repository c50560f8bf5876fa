/**
 * Building graph documents in code (templates, tests, scripts): nodes get readable ids and a
 * left-to-right layout by depth, and unspecified parameters take their declared defaults.
 */
import { defaultParams } from '../catalogue/params';
import { getDecl } from '../catalogue/registry';
import { emptyGraph, type GraphDocument, type GraphNode, type TrainingSetup } from './document';

export interface OutputRef {
  node: string;
  port: string;
}

export interface NodeHandle extends OutputRef {
  /** Another output port of the same node: `lstm.out('h')`. */
  out(port: string): OutputRef;
}

type Wiring = OutputRef | Record<string, OutputRef | OutputRef[]>;

/**
 * Grid of a built graph. A column holds cards up to ~260 units wide (the transformer block, a loss
 * with its weights): 340 leaves a gap of at least 80 between columns, where a wire's shape label
 * fits (at 260 such cards touched the next column and the label had nowhere to go).
 */
const COLUMN = 340;
const ROW = 140;

export class GraphBuilder {
  private readonly graph: GraphDocument;
  private readonly depth = new Map<string, number>();
  private readonly perColumn = new Map<number, number>();
  private edgeCount = 0;

  constructor(name: string, description = '') {
    this.graph = emptyGraph(name);
    this.graph.metadata.description = description;
  }

  /** Adds a node; `inputs` is one source for the port `in`, or sources per port name. */
  add(type: string, params: Record<string, unknown> = {}, inputs?: Wiring, name?: string): NodeHandle {
    const decl = getDecl(type);
    if (!decl) throw new Error(`GraphBuilder: unknown node type "${type}"`);
    const id = this.freshId(name ?? type.toLowerCase());
    const wiring: Record<string, OutputRef[]> = {};
    if (inputs && 'node' in inputs && typeof inputs.node === 'string') wiring.in = [inputs as OutputRef];
    else if (inputs) {
      for (const [port, src] of Object.entries(inputs as Record<string, OutputRef | OutputRef[]>)) {
        wiring[port] = Array.isArray(src) ? src : [src];
      }
    }
    const sources = Object.values(wiring).flat();
    const column = sources.length === 0 ? 0 : Math.max(...sources.map((s) => this.depth.get(s.node) ?? 0)) + 1;
    const row = this.perColumn.get(column) ?? 0;
    this.perColumn.set(column, row + 1);
    this.depth.set(id, column);
    const node: GraphNode = {
      id,
      type,
      ...(name ? { name } : {}),
      params: { ...(defaultParams(decl.params) as GraphNode['params']), ...(params as GraphNode['params']) },
      position: { x: column * COLUMN, y: row * ROW },
    };
    this.graph.nodes.push(node);
    for (const [port, list] of Object.entries(wiring)) {
      for (const src of list) this.connect(src, { node: id, port });
    }
    return { node: id, port: 'out', out: (port: string) => ({ node: id, port }) };
  }

  connect(source: OutputRef, target: OutputRef): void {
    this.graph.edges.push({
      id: `e${++this.edgeCount}`,
      source: { node: source.node, port: source.port },
      target: { node: target.node, port: target.port },
    });
  }

  /** `node` applies the weights of `owner` (same type, parameters and input shapes). */
  share(node: OutputRef, owner: OutputRef): this {
    const target = this.graph.nodes.find((n) => n.id === node.node);
    if (!target) throw new Error(`GraphBuilder: unknown node "${node.node}"`);
    target.shares = owner.node;
    return this;
  }

  /** Declares a named sub-model of these nodes (its inputs and outputs follow from the wires). */
  submodel(name: string, nodes: readonly OutputRef[]): this {
    this.graph.submodels = [...(this.graph.submodels ?? []), { name, nodes: nodes.map((n) => n.node) }];
    return this;
  }

  training(setup: Partial<TrainingSetup>): this {
    Object.assign(this.graph.training, setup);
    return this;
  }

  build(): GraphDocument {
    return structuredClone(this.graph);
  }

  private freshId(base: string): string {
    const stem = base.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40) || 'node';
    let id = stem;
    for (let i = 2; this.graph.nodes.some((n) => n.id === id); i++) id = `${stem}_${i}`;
    return id;
  }
}
