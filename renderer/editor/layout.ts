/**
 * Auto-layout with ELK's layered algorithm, left to right, with each node's ports in their card
 * order (inputs on the left, outputs on the right) so wires cross as little as possible.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { GraphDocument } from '../../core/graph';
import type { Position } from '../../core/graph/edit';
import { analysisOf } from '../state/analysis';

export interface NodeSize {
  width: number;
  height: number;
}

const elk = new ELK();

export async function layoutPositions(
  graph: GraphDocument,
  sizes: ReadonlyMap<string, NodeSize>,
): Promise<Record<string, Position>> {
  const analysis = analysisOf(graph);
  const root: ElkNode = {
    id: '__root__',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.spacing.nodeNode': '36',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: graph.nodes.map((node) => {
      const size = sizes.get(node.id) ?? { width: 200, height: 110 };
      const result = analysis.nodes.get(node.id);
      const inputs = result?.inputPorts ?? [];
      const outputs = result?.outputPorts ?? [];
      return {
        id: node.id,
        width: size.width,
        height: size.height,
        layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' },
        ports: [
          ...inputs.map((p, i) => ({ id: `${node.id}::in::${p.name}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(inputs.length - i) } })),
          ...outputs.map((p, i) => ({ id: `${node.id}::out::${p.name}`, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
        ],
      };
    }),
    edges: graph.edges
      .filter((e) => sizes.has(e.source.node) || graph.nodes.some((n) => n.id === e.source.node))
      .map((e) => ({
        id: e.id,
        sources: [`${e.source.node}::out::${e.source.port}`],
        targets: [`${e.target.node}::in::${e.target.port}`],
      })),
  };
  // ELK refuses edges to ports that do not exist (e.g. a wire to a removed port); leave them out.
  const portIds = new Set(root.children?.flatMap((c) => c.ports?.map((p) => p.id) ?? []));
  root.edges = root.edges?.filter((e) => 'sources' in e && e.sources.every((s) => portIds.has(s)) && e.targets.every((t) => portIds.has(t)));
  const laid = await elk.layout(root);
  const out: Record<string, Position> = {};
  for (const child of laid.children ?? []) out[child.id] = { x: child.x ?? 0, y: child.y ?? 0 };
  return out;
}
