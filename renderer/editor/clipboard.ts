/**
 * The editor's clipboard format: a selection's nodes and the wires between them as JSON, so a
 * copy in one tab (or window) pastes in another. Decoding checks everything a file open checks.
 */
import { z } from 'zod';
import { paramsObjectSchema } from '../../core/catalogue/params';
import { getDecl } from '../../core/catalogue/registry';
import { edgeSchema, nodeSchema, type GraphEdge, type GraphNode } from '../../core/graph/document';

export const CLIPBOARD_FORMAT = 'netwright.clipboard';

export interface Subgraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const clipboardSchema = z.strictObject({
  format: z.literal(CLIPBOARD_FORMAT),
  version: z.literal(1),
  nodes: z.array(nodeSchema).min(1).max(5_000),
  edges: z.array(edgeSchema).max(20_000),
});

export function encodeClipboard(sub: Subgraph): string {
  return JSON.stringify({ format: CLIPBOARD_FORMAT, version: 1, nodes: sub.nodes, edges: sub.edges });
}

/** The sub-graph in clipboard text, or null when the text is not (valid) Netwright clipboard data. */
export function decodeClipboard(text: string): Subgraph | null {
  if (text.length > 16 * 1024 * 1024) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = clipboardSchema.safeParse(value);
  if (!parsed.success) return null;
  const ids = new Set<string>();
  const nodes: GraphNode[] = [];
  for (const node of parsed.data.nodes) {
    const decl = getDecl(node.type);
    if (!decl || ids.has(node.id)) return null;
    ids.add(node.id);
    const params = paramsObjectSchema(decl.params).safeParse(node.params);
    if (!params.success) return null;
    nodes.push({ ...node, params: params.data as GraphNode['params'] });
  }
  // Wires to nodes outside the copied set cannot be pasted; drop them rather than refuse it all.
  const edges = parsed.data.edges.filter((e) => ids.has(e.source.node) && ids.has(e.target.node));
  return { nodes, edges };
}
