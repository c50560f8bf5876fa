/**
 * Positions for an imported graph: ELK's layered layout, left to right, with each node's ports in
 * their card order (the editor's auto-layout does the same with measured card sizes).
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { analyzeGraph } from '../graph/analyze';
import type { GraphDocument } from '../graph/document';

/** A card's size before the editor has measured it. */
const CARD = { width: 220, height: 120 };

export async function layoutGraph(graph: GraphDocument): Promise<GraphDocument> {
  const analysis = analyzeGraph(graph);
  const children: ElkNode[] = graph.nodes.map((node) => {
    const result = analysis.nodes.get(node.id);
    const inputs = result?.inputPorts ?? [];
    const outputs = result?.outputPorts ?? [];
    return {
      id: node.id,
      ...CARD,
      layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
      ports: [
        ...inputs.map((p, i) => ({ id: `${node.id}::in::${p.name}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(inputs.length - i) } })),
        ...outputs.map((p, i) => ({ id: `${node.id}::out::${p.name}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
      ],
    };
  });
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
  const laid = await new ELK().layout(root);
  const at = new Map((laid.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
  return { ...graph, nodes: graph.nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position })) };
}
