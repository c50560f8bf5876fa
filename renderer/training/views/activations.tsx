/** The Activations tab: the selected node's output for one validation sample, with statistics. */
import { useState } from 'react';
import type { ActivationPort, ImageBatch } from '../../engine/engine-api';
import { useEditor } from '../../state/editor';
import { drawHeatmap, drawHistogram, drawImageGrid } from '../draw';
import type { Run } from '../training-store';
import { latest, useInspection } from '../useInspection';
import { Drawing, Empty, nodeName } from './shared';
import type { DockTab } from './tab';

function PortView({ port, population }: { port: ActivationPort; population: number }) {
  const dims = port.shape.slice(1);
  const { summary, populationSummary } = port;
  let picture: React.ReactNode;
  if (dims.length === 3 && (dims[2] as number) <= 4 && (dims[2] === 1 || dims[2] === 3) && (dims[0] as number) >= 8) {
    const [h, w, c] = dims as [number, number, number];
    const batch = normalise(port.values, 1, h, w, c);
    picture = <Drawing draw={(cv) => drawImageGrid(cv, batch, 1, Math.max(2, Math.floor(160 / w)))} deps={[port]} testId="activation-image" />;
  } else if (dims.length === 3) {
    // Feature maps [H, W, C]: one small map per channel.
    const [h, w, c] = dims as [number, number, number];
    const shown = Math.min(c, 32);
    const maps = new Float32Array(shown * h * w);
    for (let k = 0; k < shown; k++) for (let p = 0; p < h * w; p++) maps[k * h * w + p] = port.values[p * c + k] as number;
    const batch = normalise(maps, shown, h, w, 1);
    picture = (
      <>
        <Drawing draw={(cv) => drawImageGrid(cv, batch, 8, Math.max(1, Math.floor(72 / w)))} deps={[port]} testId="activation-maps" />
        {c > shown ? <p className="muted">First {shown} of {c} channels.</p> : null}
      </>
    );
  } else if (dims.length === 2) {
    // A sequence [T, D]: time steps as rows.
    const [rows, cols] = dims as [number, number];
    picture = <Drawing draw={(cv) => drawHeatmap(cv, port.values, rows, cols, { cell: Math.max(3, Math.min(14, Math.floor(640 / cols))) })} deps={[port]} testId="activation-heatmap" />;
  } else {
    // A vector [D]: laid out as a near-square grid of units, row by row.
    const d = port.values.length;
    const cols = Math.max(1, Math.ceil(Math.sqrt(d * 2)));
    const rows = Math.ceil(d / cols);
    const grid = new Float32Array(rows * cols).fill(Number.NaN);
    grid.set(port.values.subarray(0, d));
    picture = (
      <>
        <Drawing draw={(cv) => drawHeatmap(cv, grid, rows, cols, { cell: Math.max(4, Math.min(14, Math.floor(400 / cols))) })} deps={[port]} testId="activation-heatmap" />
        <p className="muted">{d} units, {cols} per row</p>
      </>
    );
  }
  return (
    <div className="port-view">
      <h4>
        {port.port} <span className="muted">[{port.shape.join(', ')}]</span>
      </h4>
      <div className="port-body">
        <div className="port-picture">{picture}</div>
        <div className="port-stats">
          <Drawing draw={(cv) => drawHistogram(cv, summary.histogram.counts, summary.histogram.min, summary.histogram.max)} deps={[port]} testId="activation-histogram" />
          <dl>
            <dt>mean ± std</dt>
            <dd>
              {summary.mean.toPrecision(3)} ± {summary.std.toPrecision(3)}
            </dd>
            <dt>zeros</dt>
            <dd>{(summary.zeroShare * 100).toFixed(1)}%</dd>
            {populationSummary.deadUnitShare !== null ? (
              <>
                <dt>dead ReLUs</dt>
                <dd data-testid="dead-share" title={`units that are 0 on all of ${population} validation samples`}>
                  {(populationSummary.deadUnitShare * 100).toFixed(1)}% of units (over {population} samples)
                </dd>
              </>
            ) : null}
            {populationSummary.saturatedShare !== null ? (
              <>
                <dt>saturated ({populationSummary.saturation})</dt>
                <dd>
                  {(populationSummary.saturatedShare * 100).toFixed(1)}% (over {population} samples)
                </dd>
              </>
            ) : null}
            {summary.nonFinite > 0 ? (
              <>
                <dt>NaN/Inf</dt>
                <dd className="bad">{summary.nonFinite}</dd>
              </>
            ) : null}
          </dl>
        </div>
      </div>
    </div>
  );
}

function normalise(values: Float32Array, n: number, h: number, w: number, c: number): ImageBatch {
  const out = new Float32Array(n * h * w * c);
  const per = h * w * c;
  for (let k = 0; k < n; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < per; i++) {
      lo = Math.min(lo, values[k * per + i] as number);
      hi = Math.max(hi, values[k * per + i] as number);
    }
    const span = hi - lo || 1;
    for (let i = 0; i < per; i++) out[k * per + i] = ((values[k * per + i] as number) - lo) / span;
  }
  return { values: out, n, height: h, width: w, channels: c };
}

function ActivationsView({ run }: { run: Run | null }) {
  const graph = useEditor((s) => s.document);
  const selected = useEditor((s) => s.selection.nodes[0] ?? null);
  const [sample, setSample] = useState(0);
  const ready = run !== null && run.state !== 'loading' && run.state !== 'error';
  const outputs = useInspection(ready && selected ? { kind: 'activations', nodeId: selected, sample } : null);
  const input = useInspection(ready ? { kind: 'sample', sample } : null);
  const result = latest(outputs);
  const shown = latest(input);
  if (!ready) return <Empty>Train the model first: activations are read from the current weights.</Empty>;
  return (
    <div className="activations">
      <div className="view-tools">
        <label>
          Validation sample <input type="number" min={0} value={sample} onChange={(e) => setSample(Math.max(0, Number(e.target.value) | 0))} />
        </label>
        {shown?.image ? <Drawing draw={(cv) => shown.image && drawImageGrid(cv, shown.image, 1, 2)} deps={[shown]} /> : null}
        {shown?.text ? <span className="sample-text">{shown.text}</span> : null}
        {shown?.label ? <span className="muted">label: {shown.label}</span> : null}
      </div>
      {!selected ? (
        <Empty>Select a node on the canvas to see its output for this sample.</Empty>
      ) : outputs.state === 'failed' ? (
        <p className="bad">{outputs.message}</p>
      ) : result && result.nodeId === selected ? (
        result.ports.length === 0 ? (
          <Empty>{nodeName(graph, selected)} has no output tensor to show (a loss node?).</Empty>
        ) : (
          <div data-testid="activations-view">
            <h3>{nodeName(graph, selected)}</h3>
            {result.ports.map((p) => (
              <PortView key={p.port} port={p} population={result.population} />
            ))}
          </div>
        )
      ) : (
        <p className="muted">Reading {nodeName(graph, selected)}…</p>
      )}
    </div>
  );
}

export const activationsTab: DockTab = { id: 'activations', label: 'Activations', draws: ['activations', 'sample'], Component: ActivationsView };
