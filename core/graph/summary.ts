/** `model.summary()` for a graph: a Keras-like table of layers, shapes and parameter counts. */
import { formatShape } from '../shapes/shape';
import type { GraphAnalysis, GraphIssue } from './analyze';
import type { GraphDocument, GraphNode } from './document';

export interface SummaryRow {
  nodeId: string;
  name: string;
  type: string;
  /** One entry per output port: `[batch, 128]`, or `h: [batch, 64]` when the node has several. */
  outputShapes: string[];
  trainable: number;
  nonTrainable: number;
  flops: number;
  /** Names of the nodes feeding this one. */
  inputsFrom: string[];
}

export interface LossRow {
  nodeId: string;
  name: string;
  type: string;
  weight: number;
  inputsFrom: string[];
}

export interface GraphSummary {
  name: string;
  rows: SummaryRow[];
  losses: LossRow[];
  totals: { trainable: number; nonTrainable: number; total: number; flops: number };
  errors: GraphIssue[];
  warnings: GraphIssue[];
}

export function nodeDisplayName(node: GraphNode): string {
  return node.name && node.name.length > 0 ? node.name : node.id;
}

export function summarize(graph: GraphDocument, analysis: GraphAnalysis): GraphSummary {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const feeders = (id: string) =>
    graph.edges.filter((e) => e.target.node === id).map((e) => {
      const src = byId.get(e.source.node);
      return src ? nodeDisplayName(src) : e.source.node;
    });
  const rows: SummaryRow[] = [];
  const losses: LossRow[] = [];
  // Topological order first, then whatever is left (nodes on cycles), in document order.
  const ids = [...analysis.order, ...graph.nodes.map((n) => n.id).filter((id) => !analysis.order.includes(id))];
  for (const id of ids) {
    const result = analysis.nodes.get(id);
    const node = byId.get(id);
    if (!result || !node) continue;
    if (result.decl?.kind === 'loss') {
      losses.push({ nodeId: id, name: nodeDisplayName(node), type: node.type, weight: Number(node.params.weight ?? 1), inputsFrom: feeders(id) });
      continue;
    }
    const ports = Object.keys(result.outputs);
    const outputShapes =
      ports.length === 0
        ? ['?']
        : ports.length === 1
          ? [formatShape(result.outputs[ports[0] as string] ?? [])]
          : ports.map((p) => `${p}: ${formatShape(result.outputs[p] ?? [])}`);
    rows.push({
      nodeId: id,
      name: nodeDisplayName(node),
      type: node.type,
      outputShapes,
      trainable: result.params.trainable,
      nonTrainable: result.params.nonTrainable,
      flops: result.flops,
      inputsFrom: feeders(id),
    });
  }
  const { trainable, nonTrainable, flops } = analysis.totals;
  return {
    name: graph.metadata.name,
    rows,
    losses,
    totals: { trainable, nonTrainable, total: trainable + nonTrainable, flops },
    errors: analysis.issues.filter((i) => i.severity === 'error'),
    warnings: analysis.issues.filter((i) => i.severity === 'warning'),
  };
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Short human form of a FLOP count: 1.2 MFLOPs. */
export function formatFlops(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(2)} ${units[unit]}FLOPs`;
}

/** The table as plain text, laid out like Keras' `model.summary()`. */
export function formatSummary(summary: GraphSummary): string {
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const table: string[][] = summary.rows.map((r) => [
    `${r.name} (${r.type})`,
    r.outputShapes.join(', '),
    formatCount(r.trainable + r.nonTrainable),
    r.inputsFrom.join(', '),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd();
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const out: string[] = [`Model: "${summary.name}"`, rule('━'), line(header), rule('━')];
  for (const row of table) out.push(line(row));
  out.push(rule('━'));
  out.push(` Total params: ${formatCount(summary.totals.total)}`);
  out.push(` Trainable params: ${formatCount(summary.totals.trainable)}`);
  out.push(` Non-trainable params: ${formatCount(summary.totals.nonTrainable)}`);
  out.push(` Forward pass: ${formatFlops(summary.totals.flops)} per sample (estimate)`);
  if (summary.losses.length > 0) {
    out.push(` Losses: ${summary.losses.map((l) => `${l.name} (${l.type}) x ${l.weight}`).join(' + ')}`);
  }
  for (const w of summary.warnings) out.push(`warning: ${w.message}`);
  for (const e of summary.errors) out.push(`error: ${e.message}`);
  return out.join('\n');
}
