/**
 * ELK's layered layout, left to right, with each node's ports in their card order (inputs on the
 * left, outputs on the right) so wires cross as little as possible: for an imported graph here, and
 * for the editor's auto-layout (renderer/editor/layout.ts) with the cards' measured sizes.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { analyzeGraph, type GraphAnalysis } from '../graph/analyze';
import type { GraphDocument } from '../graph/document';
import type { Position } from '../graph/edit';

/** A card's size before the editor has measured it. */
const CARD = { width: 220, height: 120 };

const elk = new ELK();

/** Each node's top-left corner, for cards of the sizes `sizeOf` gives. */
export async function layeredPositions(graph: GraphDocument, analysis: GraphAnalysis, sizeOf: (nodeId: string) => { width: number; height: number }): Promise<Map<string, Position>> {
  const children: ElkNode[] = graph.nodes.map((node) => {
    const result = analysis.nodes.get(node.id);
    const inputs = result?.inputPorts ?? [];
    const outputs = result?.outputPorts ?? [];
    return {
      id: node.id,
      ...sizeOf(node.id),
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        ...inputs.map((p, i) => ({ id: `${node.id}::in::${p.name}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(inputs.length - i) } })),
        ...outputs.map((p, i) => ({ id: `${node.id}::out::${p.name}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
      ],
    };
  });
  // ELK refuses edges to ports that do not exist (e.g. a wire to a removed port); leave them out.
  const portIds = new Set(children.flatMap((c) => c.ports?.map((p) => p.id) ?? []));
  const root: ElkNode = {
    id: '__root__',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.spacing.nodeNode': '36',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children,
    edges: graph.edges
      .map((e) => ({ id: e.id, sources: [`${e.source.node}::out::${e.source.port}`], targets: [`${e.target.node}::in::${e.target.port}`] }))
      .filter((e) => portIds.has(e.sources[0] as string) && portIds.has(e.targets[0] as string)),
  };
  const laid = await elk.layout(root);
  return new Map((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

/** An imported graph with every node placed (whole pixels). */
export async function layoutGraph(graph: GraphDocument): Promise<GraphDocument> {
  const at = await layeredPositions(graph, analyzeGraph(graph), () => CARD);
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const p = at.get(n.id);
      return { ...n, position: p ? { x: Math.round(p.x), y: Math.round(p.y) } : n.position };
    }),
  };
}
