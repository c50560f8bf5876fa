/** The dock's views: curves, activations, attention, gradients, model-specific, runs. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { nodeDisplayName, type GraphDocument } from '../../core/graph';
import type { ActivationPort, AttentionResult, AttentionView as AttentionMatrix, ImageBatch } from '../engine/engine-api';
import { useEditor } from '../state/editor';
import { drawHeatmap, drawHistogram, drawImageGrid, drawOffsetHistograms, drawScatter, labelColour, rampCss, scatterToData, type ScatterFrame } from './draw';
import { setEdgeOverlay, type EdgeOverlayStyle } from './editor-link';
import { LineChart, type ChartSeries } from './LineChart';
import { RUN_COLOURS, runColour, trainingStore, useTraining, type Run } from './training-store';
import { latest, useInspection } from './useInspection';


function nodeName(graph: GraphDocument, id: string): string {
  const node = graph.nodes.find((n) => n.id === id);
  return node ? nodeDisplayName(node) : id;
}

/** A canvas redrawn by `draw` whenever `deps` change. */
type PointerHandler = (e: React.PointerEvent<HTMLCanvasElement>) => void;

function Drawing({
  draw,
  deps,
  testId,
  className,
  onPointerDown,
  onPointerMove,
  onPointerUp,
  ...rest
}: { draw: (c: HTMLCanvasElement) => void; deps: unknown[]; testId?: string; className?: string; onPointerDown?: PointerHandler; onPointerMove?: PointerHandler; onPointerUp?: PointerHandler } & Record<
  `data-${string}`,
  string | number
>) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) draw(ref.current);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return <canvas ref={ref} data-testid={testId} className={className} onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} {...rest} />;
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="dock-empty">{children}</p>;
}

// ---------------------------------------------------------------- curves

export function CurvesView({ run }: { run: Run | null }) {
  const runs = useTraining((s) => s.runs);
  const log = useTraining((s) => s.logScale);
  const version = useTraining((s) => s.version);
  const shown = runs.filter((r) => r.visible || r.id === run?.id);
  const lossSeries: ChartSeries[] = shown.flatMap((r) => {
    const c = runColour(r);
    const tag = shown.length > 1 ? `R${r.index} ` : '';
    const out: ChartSeries[] = [{ label: `${tag}train (batch)`, x: r.steps, y: r.losses, color: c }];
    if (r.epochSteps.length > 0) {
      out.push({ label: `${tag}train (epoch)`, x: r.epochSteps, y: r.epochLoss, color: c, points: true, dash: [6, 3] });
      if (r.validationLoss.some((v) => v !== null)) out.push({ label: `${tag}validation`, x: r.epochSteps, y: r.validationLoss, color: '#f778ba', points: true });
    }
    return out;
  });
  const metricSeries: ChartSeries[] = run
    ? Object.entries(run.epochMetrics).flatMap(([name, values], i) => [
        { label: `train ${name}`, x: run.epochSteps, y: values, color: RUN_COLOURS[(i + 2) % RUN_COLOURS.length] as string, points: true },
        { label: `val ${name}`, x: run.epochSteps, y: run.validationMetrics[name] ?? [], color: '#f778ba', points: true, dash: [4, 2] },
      ])
    : [];
  if (!run) return <Empty>Press Start to train the model on its dataset. Curves appear here as it learns.</Empty>;
  return (
    <div className="curves">
      <div className="curves-tools">
        <label>
          <input type="checkbox" checked={log} onChange={(e) => trainingStore.setState({ logScale: e.target.checked })} /> log scale
        </label>
      </div>
      <div className="curves-charts">
        <div>
          <h4>Loss</h4>
          <LineChart series={lossSeries} log={log} width={560} height={170} fill xLabel="step" version={version} testId="loss-chart" />
        </div>
        {metricSeries.length > 0 ? (
          <div>
            <h4>Metrics (per epoch)</h4>
            <LineChart series={metricSeries} log={false} width={420} height={170} fill xLabel="step" version={version} testId="metric-chart" />
          </div>
        ) : null}
      </div>
    </div>
  );
}

// ---------------------------------------------------------------- activations

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

export function ActivationsView({ run }: { run: Run | null }) {
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

// ---------------------------------------------------------------- attention

function rowSums(m: AttentionMatrix, head: number): number[] {
  const values = m.heads[head] as Float32Array;
  return Array.from({ length: m.rows }, (_, r) => values.subarray(r * m.cols, (r + 1) * m.cols).reduce((a, b) => a + b, 0));
}

function AttentionMap({ map, title }: { map: AttentionMatrix; title: string }) {
  const [head, setHead] = useState(0);
  const h = Math.min(head, map.heads.length - 1);
  const sums = rowSums(map, h);
  // Colour from 0 to the largest weight shown (printed below), so near-uniform maps stay readable.
  const top = Math.max(1e-6, ...(map.heads[h] as Float32Array));
  return (
    <div className="attention-map">
      <h4>
        {title}
        {map.heads.length > 1 ? (
          <span className="head-tabs">
            {map.heads.map((_, i) => (
              <button key={i} className={i === h ? 'active' : ''} onClick={() => setHead(i)}>
                head {i + 1}
              </button>
            ))}
          </span>
        ) : null}
      </h4>
      <Drawing
        draw={(cv) => drawHeatmap(cv, map.heads[h] as Float32Array, map.rows, map.cols, { rowLabels: map.rowLabels, colLabels: map.colLabels, range: [0, top] })}
        deps={[map, h, top]}
        testId="attention-heatmap"
        data-rows={map.rows}
        data-cols={map.cols}
        data-row-labels={JSON.stringify(map.rowLabels)}
        data-col-labels={JSON.stringify(map.colLabels)}
        data-row-sums={JSON.stringify(sums.map((s) => Number(s.toFixed(5))))}
        data-values={JSON.stringify(Array.from(map.heads[h] as Float32Array, (v) => Number(v.toFixed(5))))}
      />
      <p className="muted">
        rows: query steps (target tokens) · columns: attended tokens · each row sums to 1 · colour 0
        <span className="ramp" /> {top.toFixed(2)}
      </p>
    </div>
  );
}

export function AttentionView({ run }: { run: Run | null }) {
  const graph = useEditor((s) => s.document);
  const [sample, setSample] = useState(0);
  const [text, setText] = useState('');
  const [beam, setBeam] = useState(3);
  const [decodeAsk, setDecodeAsk] = useState<{ text: string; beamWidth: number } | null>(null);
  const ready = run !== null && run.capabilities !== null && run.state !== 'error';
  const has = (run?.capabilities?.attention.length ?? 0) > 0;
  const inspection = useInspection(ready && has ? { kind: 'attention', sample } : null);
  const decoded = useInspection(ready && decodeAsk && run?.capabilities?.seq2seq ? { kind: 'decode', ...decodeAsk } : null);
  const live = latest(inspection);
  const typed = latest(decoded);
  useTraining((s) => s.version);
  // null: follow the newest snapshot (the default while training).
  const [picked, setPicked] = useState<number | null>(null);
  const history: { label: string; result: AttentionResult }[] = (run?.attentionHistory ?? [])
    .filter((h) => h.result.sample === (live?.sample ?? sample))
    .map((h) => ({ label: `epoch ${h.epoch}`, result: h.result }));
  if (live) history.push({ label: 'latest', result: live });
  const position = picked === null ? history.length - 1 : Math.min(picked, history.length - 1);
  const result = history[position]?.result ?? null;
  if (!ready) return <Empty>Train a model with an attention node to see where it looks.</Empty>;
  if (!has) return <Empty>This model has no attention node.</Empty>;
  return (
    <div className="attention">
      <div className="view-tools">
        <label>
          Validation sample{' '}
          <input
            type="number"
            min={0}
            value={sample}
            onChange={(e) => {
              setSample(Math.max(0, Number(e.target.value) | 0));
              setPicked(null);
            }}
          />
        </label>
        {history.length > 1 ? (
          <label className="epoch-scrub">
            <input
              type="range"
              data-testid="attention-epoch-slider"
              aria-label="attention epoch"
              min={0}
              max={history.length - 1}
              step={1}
              value={position}
              onChange={(e) => {
                const k = Number(e.target.value);
                setPicked(k >= history.length - 1 ? null : k);
              }}
            />
            <span data-testid="attention-epoch-label">{history[position]?.label}</span>
          </label>
        ) : null}
      </div>
      {inspection.state === 'failed' ? <p className="bad">{inspection.message}</p> : null}
      {result ? (
        <>
          {result.source !== null ? (
            <table className="seq-table" data-testid="seq2seq-sample">
              <tbody>
                <tr>
                  <th>source</th>
                  <td>{result.source}</td>
                </tr>
                <tr>
                  <th>target</th>
                  <td>{result.target}</td>
                </tr>
                <tr>
                  <th>model (greedy)</th>
                  <td className={result.decoded === result.target ? 'good' : ''}>{result.decoded}</td>
                </tr>
              </tbody>
            </table>
          ) : null}
          <div className="attention-maps">
            {result.maps.map((m) => (
              <AttentionMap key={m.nodeId} map={m} title={nodeName(graph, m.nodeId)} />
            ))}
          </div>
        </>
      ) : (
        <p className="muted">Reading attention weights…</p>
      )}
      {run?.capabilities?.seq2seq ? (
        <form
          className="decode-form"
          onSubmit={(e) => {
            e.preventDefault();
            setDecodeAsk({ text, beamWidth: beam });
          }}
        >
          <h4>Try your own input</h4>
          <input aria-label="Source text" placeholder="type a source string" value={text} onChange={(e) => setText(e.target.value)} />
          <label>
            beam <input type="number" min={1} max={8} value={beam} onChange={(e) => setBeam(Math.max(1, Math.min(8, Number(e.target.value) | 0)))} />
          </label>
          <button type="submit">Decode</button>
          {decoded.state === 'failed' ? <p className="bad">{decoded.message}</p> : null}
          {typed ? (
            <div data-testid="decode-result">
              <p>
                → <strong>{typed.output}</strong>
              </p>
              {typed.hypotheses.length > 1 ? (
                <ol className="hypotheses">
                  {typed.hypotheses.map((h, i) => (
                    <li key={i}>
                      {h.text} <span className="muted">log p = {h.logProb.toFixed(2)}</span>
                    </li>
                  ))}
                </ol>
              ) : null}
              {typed.attention ? <AttentionMap map={typed.attention} title="attention of the decoded output" /> : null}
            </div>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------- gradients

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

export function GradientsView({ run }: { run: Run | null }) {
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

// ---------------------------------------------------------------- model-specific

function ConfusionView() {
  const inspection = useInspection({ kind: 'confusion', samples: 1000 });
  const result = latest(inspection);
  if (inspection.state === 'failed') return <p className="bad">{inspection.message}</p>;
  if (!result) return <p className="muted">Classifying validation samples…</p>;
  const k = result.classes.length;
  const correct = result.classes.map((_, i) => result.counts[i * k + i] as number);
  const totals = result.classes.map((_, i) => result.counts.subarray(i * k, (i + 1) * k).reduce((a, b) => a + b, 0));
  const accuracy = correct.reduce((a, b) => a + b, 0) / Math.max(1, result.samples);
  return (
    <div className="confusion">
      <div>
        <h4>Confusion matrix ({result.samples} validation samples; rows true, columns predicted)</h4>
        <Drawing
          draw={(cv) => drawHeatmap(cv, result.counts, k, k, { rowLabels: result.classes, colLabels: result.classes, annotate: true, cell: 30 })}
          deps={[result]}
          testId="confusion-matrix"
        />
      </div>
      <div>
        <h4>Per-class accuracy (overall {(accuracy * 100).toFixed(1)}%)</h4>
        <table className="layer-table">
          <tbody>
            {result.classes.map((c, i) => (
              <tr key={c}>
                <td>{c}</td>
                <td>{totals[i] ? (((correct[i] as number) / (totals[i] as number)) * 100).toFixed(1) : '–'}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function LatentExplorer({ latentDim, scatter, label }: { latentDim: number; scatter: { x: Float32Array; y: Float32Array; labels: Int32Array }; label: number | null }) {
  const [z, setZ] = useState<number[]>(() => new Array<number>(latentDim).fill(0));
  const frame = useRef<ScatterFrame | null>(null);
  const dragging = useRef(false);
  // A conditional VAE decodes z with the label chosen under "Generate digit".
  const decoded = useInspection(label === null ? { kind: 'decode-latent', z: [z] } : { kind: 'decode-latent', z: [z], label });
  const image = latest(decoded);
  const set = (i: number, v: number) => setZ((old) => old.map((x, j) => (j === i ? v : x)));
  const fromPointer = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!frame.current) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const [x, y] = scatterToData(frame.current, e.clientX - rect.left, e.clientY - rect.top);
    setZ((old) => old.map((v, j) => (j === 0 ? x : j === 1 ? y : v)));
  };
  return (
    <div className="latent">
      <div>
        <h4>Latent space: first two dims of μ, by label (drag to explore)</h4>
        <Drawing
          draw={(cv) => (frame.current = drawScatter(cv, scatter.x, scatter.y, scatter.labels, 260, [z[0] ?? 0, z[1] ?? 0]))}
          deps={[scatter, z[0], z[1]]}
          testId="latent-scatter"
          className="latent-scatter"
          onPointerDown={(e) => {
            dragging.current = true;
            e.currentTarget.setPointerCapture(e.pointerId);
            fromPointer(e);
          }}
          onPointerMove={(e) => dragging.current && fromPointer(e)}
          onPointerUp={() => (dragging.current = false)}
        />
        <div className="legend-labels">
          {Array.from({ length: 10 }, (_, i) => (
            <span key={i}>
              <i style={{ background: labelColour(i) }} />
              {i}
            </span>
          ))}
        </div>
      </div>
      <div>
        <h4>Decoded from z{label !== null ? ` (label ${label})` : ''}</h4>
        {image ? <Drawing draw={(cv) => drawImageGrid(cv, image.images, 1, 5)} deps={[image]} testId="latent-decoded" /> : <p className="muted">Decoding…</p>}
        <div className="sliders">
          {z.slice(0, 8).map((v, i) => (
            <label key={i}>
              z{i + 1}
              <input type="range" min={-3} max={3} step={0.05} value={v} aria-label={`latent ${i + 1}`} onChange={(e) => set(i, Number(e.target.value))} />
              <span>{v.toFixed(2)}</span>
            </label>
          ))}
          {latentDim > 8 ? <p className="muted">First 8 of {latentDim} dimensions; the others stay at 0.</p> : null}
        </div>
      </div>
    </div>
  );
}

/** A conditional VAE: the run's fixed z samples decoded with a chosen label. */
function GenerateDigit({ classNames, label, setLabel }: { classNames: string[]; label: number; setLabel: (label: number) => void }) {
  const generated = useInspection({ kind: 'generate', label });
  const result = latest(generated);
  return (
    <div className="generate-digit">
      <h4>
        <label>
          Generate digit{' '}
          <select data-testid="generate-label" aria-label="Generate digit" value={label} onChange={(e) => setLabel(Number(e.target.value))}>
            {classNames.map((name, i) => (
              <option key={i} value={i}>
                {name}
              </option>
            ))}
          </select>
        </label>{' '}
        <span className="muted">the run's fixed z samples, decoded with this label</span>
      </h4>
      {generated.state === 'failed' ? <p className="bad">{generated.message}</p> : null}
      {result ? (
        <Drawing draw={(cv) => drawImageGrid(cv, result.images, 8, 2)} deps={[result]} testId="generated-digits" data-label={result.label} />
      ) : (
        <p className="muted">Decoding…</p>
      )}
    </div>
  );
}

function VaeView({ conditional }: { conditional: { inputNodeId: string; classNames: string[] } | null }) {
  const inspection = useInspection({ kind: 'vae', samples: 8, scatter: 500 });
  const [label, setLabel] = useState(0);
  const result = latest(inspection);
  if (inspection.state === 'failed') return <p className="bad">{inspection.message}</p>;
  if (!result) return <p className="muted">Encoding validation samples…</p>;
  return (
    <div className="vae">
      <div className="vae-row">
        <div>
          <h4>Inputs</h4>
          <Drawing draw={(cv) => drawImageGrid(cv, result.inputs, 8, 2)} deps={[result]} testId="vae-inputs" />
          <h4>Reconstructions (decoded from μ)</h4>
          <Drawing draw={(cv) => drawImageGrid(cv, result.reconstructions, 8, 2)} deps={[result]} testId="vae-reconstructions" />
        </div>
        <div>
          <h4>Samples from a fixed z ~ N(0, I) (same z every epoch)</h4>
          <Drawing draw={(cv) => drawImageGrid(cv, result.prior, 8, 2)} deps={[result]} testId="vae-prior" />
        </div>
      </div>
      {conditional ? <GenerateDigit classNames={conditional.classNames} label={label} setLabel={setLabel} /> : null}
      <LatentExplorer latentDim={result.latentDim} scatter={result.scatter} label={conditional ? label : null} />
    </div>
  );
}

function modelReady(run: Run | null): run is Run {
  return run !== null && run.capabilities !== null && run.state !== 'error' && run.state !== 'loading';
}

export function ConfusionTab({ run }: { run: Run | null }) {
  if (!modelReady(run)) return <Empty>Train a classifier to see its confusion matrix on validation samples.</Empty>;
  if (!run.capabilities?.classification) return <Empty>The confusion matrix is for classifiers (a cross-entropy loss over classes); this model is not one.</Empty>;
  return <ConfusionView />;
}

export function VaeTab({ run }: { run: Run | null }) {
  if (!modelReady(run)) return <Empty>Train a VAE to see reconstructions, samples from the prior and the latent space.</Empty>;
  if (!run.capabilities?.vae) return <Empty>These views are for variational autoencoders (a Sampling node and a Gaussian KL loss); this model is not one.</Empty>;
  return <VaeView conditional={run.capabilities.conditionalLabel ?? null} />;
}

// ---------------------------------------------------------------- runs
