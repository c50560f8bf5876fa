/** The model summary (Keras' `model.summary()`), live: click a row to select its node. */
import { useMemo } from 'react';
import { formatCount, formatFlops, summarize } from '../../core/graph/summary';
import { useAnalysis } from '../state/analysis';
import { editorStore, useEditor } from '../state/editor';

export function SummaryPanel() {
  const graph = useEditor((s) => s.document);
  const selection = useEditor((s) => s.selection);
  const open = useEditor((s) => s.panels.summary);
  const analysis = useAnalysis();
  const summary = useMemo(() => summarize(graph, analysis), [graph, analysis]);
  const selected = new Set(selection.nodes);
  const select = (id: string) => editorStore.getState().select({ nodes: [id], edges: [] });
  return (
    <section className={`summary-panel${open ? '' : ' collapsed'}`} aria-label="Model summary" data-testid="summary">
      <header className="summary-header">
        <button type="button" className="summary-toggle" aria-expanded={open} onClick={() => editorStore.getState().setPanel('summary', !open)}>
          <span className="chevron" aria-hidden="true">{open ? '▾' : '▸'}</span> Model summary
        </button>
        <span className="summary-totals">
          <span>
            Total params <strong data-testid="summary-total">{formatCount(summary.totals.total)}</strong>
          </span>
          <span>Trainable {formatCount(summary.totals.trainable)}</span>
          <span>Non-trainable {formatCount(summary.totals.nonTrainable)}</span>
          <span>{formatFlops(summary.totals.flops)} / sample</span>
          <span className={summary.errors.length > 0 ? 'error-count' : 'ok-count'} data-testid="summary-errors">
            {summary.errors.length === 0 ? 'No errors' : `${summary.errors.length} error${summary.errors.length === 1 ? '' : 's'}`}
          </span>
        </span>
      </header>
      {open ? (
        <div className="summary-table-wrap">
          <table className="summary-table">
            <thead>
              <tr>
                <th>Layer</th>
                <th>Type</th>
                <th>Output shape</th>
                <th className="num">Params</th>
                <th>Connected to</th>
              </tr>
            </thead>
            <tbody>
              {summary.rows.map((row) => (
                <tr key={row.nodeId} className={selected.has(row.nodeId) ? 'selected' : undefined} onClick={() => select(row.nodeId)} data-node-id={row.nodeId}>
                  <td>{row.name}</td>
                  <td className="muted">{row.type}</td>
                  <td className="mono">{row.outputShapes.join(', ')}</td>
                  <td className="num mono">{formatCount(row.trainable + row.nonTrainable)}</td>
                  <td className="muted">{row.inputsFrom.join(', ')}</td>
                </tr>
              ))}
              {summary.losses.map((loss) => (
                <tr key={loss.nodeId} className={`loss-row${selected.has(loss.nodeId) ? ' selected' : ''}`} onClick={() => select(loss.nodeId)} data-node-id={loss.nodeId}>
                  <td>{loss.name}</td>
                  <td className="muted">{loss.type}</td>
                  <td className="mono">loss × {loss.weight}</td>
                  <td className="num mono">—</td>
                  <td className="muted">{loss.inputsFrom.join(', ')}</td>
                </tr>
              ))}
              {summary.rows.length + summary.losses.length === 0 ? (
                <tr>
                  <td colSpan={5} className="muted">
                    No layers yet
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
