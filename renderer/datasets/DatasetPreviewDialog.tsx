/**
 * The dataset preview: any bundled dataset's description, origin, split sizes, feature shapes,
 * class balance over the train split, and real samples loaded by the engine worker (image grid,
 * text pairs, 2-D scatter, table rows or time-series windows with their targets).
 */
import { useEffect, useRef, useState } from 'react';
import { getDatasetSpec, listDatasets, validateDatasetOptions } from '../../core/data';
import type { DatasetSpec, FeatureSpec } from '../../core/data/types';
import { getEngine } from '../engine/engine-client';
import { drawPlotGround } from '../training/draw';
import type { ClassCount, DatasetPreview, DatasetSamples } from '../../core/inspect/dataset-preview-types';
import { closeDatasetPreview, useDatasetPreview } from './preview-store';
import './dataset-preview.css';

const DATASETS = listDatasets();

/** Distinct hues for up to 10 classes (repeats beyond). */
export const CLASS_COLOURS = ['#7aa7ff', '#f0a35e', '#4cc38a', '#f07178', '#c084fc', '#e5b454', '#38bdf8', '#f472b6', '#94a3b8', '#2dd4bf'];
const colourOf = (c: number) => (c < 0 ? '#8a93a3' : (CLASS_COLOURS[c % CLASS_COLOURS.length] as string));

const fmt = (n: number) => n.toLocaleString('en-US');

type Loaded = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; preview: DatasetPreview };

export function DatasetPreviewDialog() {
  const open = useDatasetPreview((s) => s.open);
  if (!open) return null;
  return <PreviewModal key={open.id} initialId={open.id} graphOptions={open.options} />;
}

function PreviewModal({ initialId, graphOptions }: { initialId: string; graphOptions: Readonly<Record<string, number>> }) {
  const [id, setId] = useState(initialId);
  // The graph's generator options apply to the graph's dataset only.
  const asked = id === initialId ? graphOptions : {};
  // Options the dataset refuses are previewed with its defaults, and the refusal is shown.
  const checked = validateDatasetOptions(id, asked);
  const options: Readonly<Record<string, number>> = checked.ok ? asked : {};
  const refused = checked.ok ? null : checked.issues.map((issue) => issue.message).join('; ');
  const spec = getDatasetSpec(id, options);
  const optionsKey = JSON.stringify(options);
  const requestKey = `${id}:${optionsKey}`;
  // The answer for one request; anything else on screen is still loading.
  const [answer, setAnswer] = useState<{ key: string; loaded: Loaded } | null>(null);
  const loaded: Loaded = answer?.key === requestKey ? answer.loaded : { state: 'loading' };

  useEffect(() => {
    let live = true;
    const key = `${id}:${optionsKey}`;
    getEngine()
      .previewDataset({ id, options: JSON.parse(optionsKey) as Record<string, number> })
      .then(
        (preview) => live && setAnswer({ key, loaded: { state: 'ready', preview } }),
        (err: unknown) => live && setAnswer({ key, loaded: { state: 'error', message: err instanceof Error ? err.message : String(err) } }),
      );
    return () => {
      live = false;
    };
  }, [id, optionsKey]);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && closeDatasetPreview()}>
      <div
        className="modal wide dataset-preview"
        role="dialog"
        aria-modal="true"
        aria-label="Dataset preview"
        data-testid="dataset-preview"
        data-dataset-id={id}
        data-state={loaded.state}
        onKeyDown={(e) => e.key === 'Escape' && closeDatasetPreview()}
      >
        <header className="modal-header">
          <h2>Dataset preview</h2>
          <div className="dp-header-tools">
            <select aria-label="Dataset to preview" data-testid="dataset-preview-select" value={id} onChange={(e) => setId(e.target.value)}>
              {DATASETS.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.title}
                </option>
              ))}
            </select>
            <button type="button" className="icon-button" aria-label="Close" onClick={closeDatasetPreview} autoFocus>
              ✕
            </button>
          </div>
        </header>
        <div className="modal-body dp-body">
          {refused ? (
            <p className="dp-error" role="alert" data-testid="dataset-preview-refused-options">
              The graph's dataset options are refused ({refused}); this preview uses the dataset's defaults.
            </p>
          ) : null}
          <SpecSummary spec={spec} />
          <div className="dp-main">
            {loaded.state === 'loading' ? <p className="muted">Loading {spec.title}…</p> : null}
            {loaded.state === 'error' ? (
              <p className="dp-error" role="alert">
                {loaded.message}
              </p>
            ) : null}
            {loaded.state === 'ready' ? <PreviewBody preview={loaded.preview} /> : null}
          </div>
        </div>
      </div>
    </div>
  );
}

function shapeText(f: FeatureSpec): string {
  return `[${f.shape.join(', ')}] ${f.dtype}`;
}

function SpecSummary({ spec }: { spec: DatasetSpec }) {
  return (
    <section className="dp-spec" aria-label="Dataset description">
      <h3 data-testid="dataset-preview-title">{spec.title}</h3>
      <p className="dp-description">{spec.description}</p>
      <dl className="dp-facts">
        <dt>Source</dt>
        <dd className="mono">{spec.origin.package}</dd>
        <dt>License</dt>
        <dd>{spec.origin.license}</dd>
        {spec.origin.note ? (
          <>
            <dt>Note</dt>
            <dd>{spec.origin.note}</dd>
          </>
        ) : null}
        <dt>Splits</dt>
        <dd className="mono" data-testid="dataset-preview-sizes">
          {fmt(spec.sizes.train)} train · {fmt(spec.sizes.validation)} val · {fmt(spec.sizes.test)} test
        </dd>
      </dl>
      <h4>Features</h4>
      <ul className="dp-features">
        {spec.features.map((f) => (
          <li key={f.name} title={f.description}>
            <span className="mono">{f.name}</span> <span className="muted mono">{shapeText(f)}</span>
          </li>
        ))}
      </ul>
      <h4>Labels</h4>
      <ul className="dp-features">
        {spec.labels.map((f) => (
          <li key={f.name} title={f.description}>
            <span className="mono">{f.name}</span> <span className="muted mono">{shapeText(f)}</span>
            {f.classNames ? <span className="muted"> · {f.classNames.length} classes</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PreviewBody({ preview }: { preview: DatasetPreview }) {
  return (
    <>
      {preview.classBalance ? <ClassBalance counts={preview.classBalance} /> : null}
      <h4>
        Samples <span className="muted small">(train split)</span>
      </h4>
      <Samples samples={preview.samples} classNames={preview.classNames} />
      {preview.notes.length > 0 ? (
        <ul className="dp-notes muted small">
          {preview.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

/** Horizontal bars, one per class, scaled to the largest class. */
function ClassBalance({ counts }: { counts: ClassCount[] }) {
  const total = counts.reduce((a, c) => a + c.count, 0);
  const max = Math.max(1, ...counts.map((c) => c.count));
  const rowHeight = 16;
  const labelWidth = 96;
  const barWidth = 300;
  const height = counts.length * rowHeight;
  return (
    <section aria-label="Class balance" className="dp-balance">
      <h4>
        Class balance <span className="muted small">({fmt(total)} train samples)</span>
      </h4>
      <svg width={labelWidth + barWidth + 70} height={height} data-testid="dataset-preview-balance" data-total={total} data-classes={counts.length} role="img">
        {counts.map((c, i) => (
          <g key={c.name} transform={`translate(0, ${i * rowHeight})`} data-class={c.name} data-count={c.count}>
            <text x={labelWidth - 6} y={rowHeight / 2} dominantBaseline="middle" textAnchor="end" className="dp-bar-label">
              {c.name}
            </text>
            <rect x={labelWidth} y={2} width={Math.max(1, (c.count / max) * barWidth)} height={rowHeight - 4} rx={2} fill={colourOf(i)} opacity={0.85} />
            <text x={labelWidth + (c.count / max) * barWidth + 6} y={rowHeight / 2} dominantBaseline="middle" className="dp-bar-value">
              {fmt(c.count)}
            </text>
          </g>
        ))}
      </svg>
    </section>
  );
}

function Samples({ samples, classNames }: { samples: DatasetSamples; classNames: string[] | null }) {
  const name = (c: number) => (c >= 0 ? (classNames?.[c] ?? String(c)) : '?');
  switch (samples.kind) {
    case 'images':
      return <ImageGrid samples={samples} name={name} />;
    case 'points':
      return <Scatter samples={samples} classNames={classNames} />;
    case 'series':
      return <SeriesGrid samples={samples} />;
    case 'table':
      return (
        <>
        <p className="muted small dp-caption">Values as the model sees them (numeric columns standardised with train statistics).</p>
        <table className="dp-table" data-testid="dataset-preview-table">
          <thead>
            <tr>
              {samples.columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
              <th>label</th>
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: samples.rows }, (_, r) => (
              <tr key={r}>
                {samples.columns.map((c, j) => (
                  <td key={c} className="mono">
                    {cellText(samples.values[r * samples.columns.length + j] as number)}
                  </td>
                ))}
                <td style={{ color: colourOf(samples.labels[r] as number) }}>{name(samples.labels[r] as number)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </>
      );
    case 'text': {
      // Text classification: the target text is the class name, shown once as the label.
      const labelOnly = samples.pairs.every((p) => p.label !== null && p.target === p.label);
      const hasLabel = samples.pairs.some((p) => p.label !== null);
      return (
        <table className="dp-table dp-text" data-testid="dataset-preview-text">
          <thead>
            <tr>
              <th>source</th>
              {labelOnly ? null : (
                <>
                  <th />
                  <th>target</th>
                </>
              )}
              {hasLabel ? <th>label</th> : null}
            </tr>
          </thead>
          <tbody>
            {samples.pairs.map((p, i) => (
              <tr key={i} data-testid="dataset-preview-pair">
                <td className="mono">{p.source}</td>
                {labelOnly ? null : (
                  <>
                    <td className="muted">→</td>
                    <td className="mono">{p.target}</td>
                  </>
                )}
                {hasLabel ? <td style={{ color: colourOf(classNames?.indexOf(p.label ?? '') ?? -1) }}>{p.label ?? ''}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
  }
}

/** Two decimals, without a "-0.00". */
function cellText(v: number): string {
  const text = v.toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

const IMAGE_SCALE = 2;

function ImageTile({ samples, index }: { samples: Extract<DatasetSamples, { kind: 'images' }>; index: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const { height, width, channels, values } = samples;
    const image = ctx.createImageData(width, height);
    const offset = index * height * width * channels;
    for (let p = 0; p < height * width; p++) {
      for (let k = 0; k < 3; k++) {
        const v = values[offset + p * channels + (channels >= 3 ? k : 0)] as number;
        image.data[p * 4 + k] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
      image.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [samples, index]);
  return <canvas ref={ref} width={samples.width} height={samples.height} style={{ width: samples.width * IMAGE_SCALE, height: samples.height * IMAGE_SCALE }} />;
}

function ImageGrid({ samples, name }: { samples: Extract<DatasetSamples, { kind: 'images' }>; name(c: number): string }) {
  return (
    <ul className="dp-images" data-testid="dataset-preview-images">
      {Array.from({ length: samples.n }, (_, i) => (
        <li key={i} data-testid="dataset-preview-image">
          <ImageTile samples={samples} index={i} />
          <span className="dp-image-label">{name(samples.labels[i] as number)}</span>
        </li>
      ))}
    </ul>
  );
}

const SERIES_WIDTH = 150;
const SERIES_HEIGHT = 56;

/** Each window as a line and its target after it, all on one value scale so amplitudes compare. */
function SeriesGrid({ samples }: { samples: Extract<DatasetSamples, { kind: 'series' }> }) {
  const { values, next, n, steps, horizon } = samples;
  let extent = 1e-6;
  for (const v of values) extent = Math.max(extent, Math.abs(v));
  for (const v of next) extent = Math.max(extent, Math.abs(v));
  const x = (t: number) => (t / Math.max(1, steps + horizon - 1)) * (SERIES_WIDTH - 4) + 2;
  const y = (v: number) => SERIES_HEIGHT / 2 - (v / extent) * (SERIES_HEIGHT / 2 - 3);
  return (
    <>
      <p className="muted small dp-caption">
        <span className="dp-series-window">window</span> ({steps} values) → <span className="dp-series-next">next {horizon === 1 ? 'value' : `${horizon} values`}</span>
      </p>
      <ul className="dp-series" data-testid="dataset-preview-series" data-samples={n}>
        {Array.from({ length: n }, (_, i) => {
          const window = Array.from(values.subarray(i * steps, (i + 1) * steps), (v, t) => [x(t), y(v)] as const);
          const after = Array.from(next.subarray(i * horizon, (i + 1) * horizon), (v, k) => [x(steps + k), y(v)] as const);
          const line = (points: readonly (readonly [number, number])[]) => points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
          return (
            <li key={i}>
              <svg width={SERIES_WIDTH} height={SERIES_HEIGHT} role="img" aria-label={`window ${i + 1} and its next values`}>
                <line x1={0} x2={SERIES_WIDTH} y1={y(0)} y2={y(0)} className="dp-series-axis" />
                <polyline points={line(window)} className="dp-series-window" />
                <polyline points={line([...window.slice(-1), ...after])} className="dp-series-next" />
                {after.map(([cx, cy], k) => (
                  <circle key={k} cx={cx} cy={cy} r={2} className="dp-series-next" />
                ))}
              </svg>
            </li>
          );
        })}
      </ul>
    </>
  );
}

const SCATTER_SIZE = 360;

function Scatter({ samples, classNames }: { samples: Extract<DatasetSamples, { kind: 'points' }>; classNames: string[] | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const { x, y, labels } = samples;
    // Same scale on both axes, so shapes are not distorted.
    let extent = 1e-6;
    for (let i = 0; i < x.length; i++) extent = Math.max(extent, Math.abs(x[i] as number), Math.abs(y[i] as number));
    extent *= 1.08;
    const px = (v: number) => ((v + extent) / (2 * extent)) * SCATTER_SIZE;
    drawPlotGround(ctx, SCATTER_SIZE, px(0), px(0), '#12151b', '#262c37');
    for (let i = 0; i < x.length; i++) {
      ctx.fillStyle = colourOf(labels[i] as number);
      ctx.beginPath();
      ctx.arc(px(x[i] as number), SCATTER_SIZE - px(y[i] as number), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }, [samples]);
  return (
    <div className="dp-scatter">
      <canvas ref={ref} width={SCATTER_SIZE} height={SCATTER_SIZE} data-testid="dataset-preview-scatter" data-points={samples.x.length} />
      <ul className="dp-legend">
        {(classNames ?? []).map((c, i) => (
          <li key={c}>
            <span className="dp-swatch" style={{ background: colourOf(i) }} />
            {c}
          </li>
        ))}
        <li className="muted small">{fmt(samples.x.length)} train points</li>
      </ul>
    </div>
  );
}
