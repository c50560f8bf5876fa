/** The editor's auto-layout: core's layered layout (core/import/layout.ts) with the cards' measured sizes. */
import type { GraphDocument } from '../../core/graph';
import type { Position } from '../../core/graph/edit';
import { layeredPositions } from '../../core/import/layout';
import { analysisOf } from '../state/analysis';

export interface NodeSize {
  width: number;
  height: number;
}

export async function layoutPositions(graph: GraphDocument, sizes: ReadonlyMap<string, NodeSize>): Promise<Record<string, Position>> {
  // A card not measured yet (not rendered) gets a typical size.
  const at = await layeredPositions(graph, analysisOf(graph), (id) => sizes.get(id) ?? { width: 200, height: 110 });
  return Object.fromEntries(at);
}
