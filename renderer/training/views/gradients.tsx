/** The Gradients tab: gradient norms and update ratios per layer, the gradient flow overlay, histograms per epoch. */
import { useEffect, useMemo, useState } from 'react';
import type { GraphDocument } from '../../../core/graph';
import { useEditor } from '../../state/editor';
import { drawOffsetHistograms, rampCss } from '../draw';
import { setEdgeOverlay, type EdgeOverlayStyle } from '../editor-link';
import { LineChart, type ChartSeries } from '../LineChart';
import { RUN_COLOURS, useTraining, type Run } from '../training-store';
import { latest, useInspection } from '../useInspection';
import { Drawing, Empty, nodeName } from './shared';
import type { DockTab } from './tab';

const VANISHING = 1e-7;
const EXPLODING = 1e3;

function overlayStyles(edges: { edgeId: string; norm: number | null }[]): Record<string, EdgeOverlayStyle> {
  const logs = edges.filter((e) => e.norm !== null && e.norm > 0).map((e) => Math.log10(e.norm as number));
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const out: Record<string, EdgeOverlayStyle> = {};
  for (const e of edges) {
    if (e.norm === null || !(e.norm > 0)) {
      out[e.edgeId] = { width: 1, color: '#6e7681', label: 'no gradient' };
      continue;
    }
    const t = hi > lo ? (Math.log10(e.norm) - lo) / (hi - lo) : 1;
    out[e.edgeId] = { width: 1.5 + 6.5 * t, color: rampCss(0.15 + 0.85 * t), label: `‖∂L/∂x‖ = ${e.norm.toPrecision(3)}` };
  }
  return out;
}

/** Weight and gradient histograms of one layer, one row per finished epoch. */
function HistogramsOverTime({ run, graph }: { run: Run; graph: GraphDocument }) {
  const selected = useEditor((s) => s.selection.nodes[0] ?? null);
  const [chosen, setChosen] = useState<string | null>(null);
  const snapshots = run.histograms;
  const layerIds = [...new Set(snapshots.flatMap((h) => h.layers.map((l) => l.nodeId)))];
  if (layerIds.length === 0) return <p className="muted">Weight and gradient histograms appear here at the end of each epoch.</p>;
  // The layer picked here, else the one selected on the canvas, else the first.
  const layer = [chosen, selected].find((id): id is string => id !== null && layerIds.includes(id)) ?? (layerIds[0] as string);
  const rows = snapshots.flatMap((h) => {
    const found = h.layers.find((l) => l.nodeId === layer);
    return found ? [{ epoch: h.epoch, ...found }] : [];
  });
  const labels = rows.map((r) => `epoch ${r.epoch}`);
  return (
    <div className="histograms-over-time">
      <h4>
        Histograms over epochs for{' '}
        <select data-testid="histogram-layer" aria-label="histogram layer" value={layer} onChange={(e) => setChosen(e.target.value)}>
          {layerIds.map((id) => (
            <option key={id} value={id}>
              {nodeName(graph, id)}
            </option>
          ))}
        </select>{' '}
        <span className="muted">(gradients of one batch of {'≤'} 64 training samples; each row scaled to its peak)</span>
      </h4>
      <div className="curves-charts">
        <div>
          <h4>Weights</h4>
          <Drawing draw={(cv) => drawOffsetHistograms(cv, rows.map((r) => r.weights), labels)} deps={[layer, rows.length, run.id]} testId="weight-histograms" data-rows={rows.length} data-layer={layer} />
        </div>
        <div>
          <h4>Gradients</h4>
          <Drawing draw={(cv) => drawOffsetHistograms(cv, rows.map((r) => r.gradients), labels)} deps={[layer, rows.length, run.id]} testId="gradient-histograms" data-rows={rows.length} data-layer={layer} />
        </div>
      </div>
    </div>
  );
}

function GradientsView({ run }: { run: Run | null }) {
  const graph = useEditor((s) => s.document);
  const version = useTraining((s) => s.version);
  const [overlay, setOverlay] = useState(false);
  const ready = run !== null && run.state !== 'loading' && run.state !== 'error';
  const flow = useInspection(ready && overlay ? { kind: 'gradient-flow', samples: 32 } : null);
  const flowResult = latest(flow);
  const range = useMemo(() => {
    const norms = flowResult?.edges.map((e) => e.norm).filter((n): n is number => n !== null && n > 0) ?? [];
    return norms.length ? [Math.min(...norms), Math.max(...norms)] : null;
  }, [flowResult]);
  useEffect(() => {
    if (overlay && flowResult) setEdgeOverlay(overlayStyles(flowResult.edges));
  }, [overlay, flowResult]);
  useEffect(() => () => setEdgeOverlay(null), []);
  if (!run) return <Empty>Train the model to see gradient norms per layer.</Empty>;
  const layers = Object.entries(run.layers);
  const gradSeries: ChartSeries[] = layers.map(([id, s], i) => ({ label: nodeName(graph, id), x: s.steps, y: s.gradNorm, color: RUN_COLOURS[i % RUN_COLOURS.length] as string }));
  const ratioSeries: ChartSeries[] = layers.map(([id, s], i) => ({ label: nodeName(graph, id), x: s.steps, y: s.updateRatio, color: RUN_COLOURS[i % RUN_COLOURS.length] as string }));
  return (
    <div className="gradients">
      <div className="view-tools">
        <label>
          <input
            type="checkbox"
            data-testid="edge-overlay-toggle"
            checked={overlay}
            disabled={!ready}
            onChange={(e) => {
              setOverlay(e.target.checked);
              if (!e.target.checked) setEdgeOverlay(null);
            }}
          />{' '}
          Show gradient flow on the canvas
        </label>
        {overlay && range ? (
          <span className="legend" data-testid="overlay-legend">
            <span className="legend-line thin" style={{ background: rampCss(0.15) }} /> {range[0]?.toExponential(1)}
            <span className="legend-gradient" />
            <span className="legend-line thick" style={{ background: rampCss(1) }} /> {range[1]?.toExponential(1)} ‖∂L/∂activation‖ per edge
          </span>
        ) : null}
        {overlay && flow.state === 'failed' ? <span className="bad">{flow.message}</span> : null}
      </div>
      {layers.length === 0 ? (
        <Empty>Waiting for the first training steps…</Empty>
      ) : (
        <>
          <table className="layer-table" data-testid="gradient-table">
            <thead>
              <tr>
                <th>layer</th>
                <th>‖grad‖</th>
                <th>update / weight</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {layers.map(([id, s]) => (
                <tr key={id} data-node-id={id}>
                  <td>{nodeName(graph, id)}</td>
                  <td data-testid="grad-norm">{s.last.gradNorm.toExponential(2)}</td>
                  <td>{s.last.updateRatio.toExponential(2)}</td>
                  <td>
                    {s.last.gradNorm < VANISHING ? <span className="badge warn">vanishing</span> : null}
                    {s.last.gradNorm > EXPLODING ? <span className="badge bad">exploding</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="curves-charts gradient-charts">
            <div>
              <h4>Gradient norm per layer (log)</h4>
              <LineChart series={gradSeries} log width={460} height={170} fill xLabel="step" version={version} testId="grad-chart" />
            </div>
            <div>
              <h4>Update / weight ratio (log; healthy ≈ 1e-3)</h4>
              <LineChart series={ratioSeries} log width={460} height={170} fill xLabel="step" version={version} testId="ratio-chart" />
            </div>
          </div>
          <HistogramsOverTime run={run} graph={graph} />
        </>
      )}
    </div>
  );
}

export const gradientsTab: DockTab = { id: 'gradients', label: 'Gradients', draws: ['gradient-flow', 'histograms'], Component: GradientsView };
