/** Graph reachability along the wires, the one walk the engine, the exports and the inspection share. */
import type { GraphDocument } from './document';

/**
 * The nodes reachable from `from` (themselves included): 'up' against the wires (every node they
 * read from, transitively), 'down' along them (every node that reads them).
 */
export function reachable(graph: Pick<GraphDocument, 'edges'>, from: Iterable<string>, direction: 'up' | 'down'): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) {
    const [at, to] = direction === 'up' ? [e.target.node, e.source.node] : [e.source.node, e.target.node];
    const list = next.get(at);
    if (list) list.push(to);
    else next.set(at, [to]);
  }
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return seen;
}
