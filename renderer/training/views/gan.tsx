/**
 * The GAN tab: the game on the plane for 2-D data (D's verdict as the background, real points in
 * blue, generated in orange, arrows where the generator's next update pushes its points), the
 * samples of the run's fixed noise scrubbable per epoch, both losses with D(x) and D(G(z)) (and
 * WGAN-GP's gradient penalty) per step on one chart, the mode-collapse measure, and a walk between two noise vectors. Everything
 * is computed by core/inspect's GAN views in the worker; this file only draws.
 */
import { useEffect, useRef, useState } from 'react';
import { GAN_METRIC_NAMES } from '../../../core/engine/gan-metric-names';
import { planeTile, type PlaneLayer, type Tile } from '../../../core/inspect/picture';
import type { GanFieldResult, GanSamplesResult, GeneratedSamples } from '../../engine/engine-api';
import { useEditor } from '../../state/editor';
import { drawImageGrid } from '../draw';
import { LineChart, type ChartSeries } from '../LineChart';
import { useTraining, type Run } from '../training-store';
import { latest, useInspection } from '../useInspection';
import { EpochSlider, useEpochPick } from './shared';
import type { DockTab } from './tab';

const REAL = [0.35, 0.65, 1] as const;
const GENERATED = [1, 0.55, 0.2] as const;
const COLOURS: Record<string, string> = { [GAN_METRIC_NAMES.real]: '#58a6ff', [GAN_METRIC_NAMES.fake]: '#f0883e', [GAN_METRIC_NAMES.penalty]: '#f778ba' };
const LOSS_COLOURS = ['#3fb950', '#d2a8ff', '#ff7b72', '#e3b341'];

/** An RGB tile drawn at `scale` pixels per tile pixel. */
function TileCanvas({ tile, testId, scale = 1 }: { tile: Tile; testId: string; scale?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = tile.width * scale;
    canvas.height = tile.height * scale;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(tile.width, tile.height);
    for (let p = 0; p < tile.width * tile.height; p++) {
      for (let c = 0; c < 3; c++) image.data[p * 4 + c] = Math.round(255 * Math.min(1, Math.max(0, tile.values[p * tile.channels + (tile.channels === 3 ? c : 0)] as number)));
      image.data[p * 4 + 3] = 255;
    }
    const off = document.createElement('canvas');
    off.width = tile.width;
    off.height = tile.height;
    off.getContext('2d')?.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  }, [tile, scale]);
  return <canvas ref={ref} data-testid={testId} className="gan-canvas" />;
}

function pointsBounds(values: Float32Array): { xMin: number; xMax: number; yMin: number; yMax: number } {
  let xMin = Infinity, xMax = -Infinity, yMin = Infinity, yMax = -Infinity;
  for (let i = 0; i + 1 < values.length; i += 2) {
    xMin = Math.min(xMin, values[i] as number);
    xMax = Math.max(xMax, values[i] as number);
    yMin = Math.min(yMin, values[i + 1] as number);
    yMax = Math.max(yMax, values[i + 1] as number);
  }
  const half = (Math.max(xMax - xMin, yMax - yMin, 1e-3) / 2) * 1.15;
  return { xMin: (xMin + xMax) / 2 - half, xMax: (xMin + xMax) / 2 + half, yMin: (yMin + yMax) / 2 - half, yMax: (yMin + yMax) / 2 + half };
}

/** Samples as images in a grid, or 2-D points on a plane (fixed bounds if given). */
function Samples({ samples, testId, columns = 8, bounds }: { samples: GeneratedSamples; testId: string; columns?: number; bounds?: GanFieldResult['bounds'] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current && samples.images) drawImageGrid(ref.current, samples.images, columns, samples.images.width <= 8 ? 8 : 2);
  }, [samples, columns]);
  if (samples.images) return <canvas ref={ref} data-testid={testId} />;
  if (samples.shape.length === 1 && samples.shape[0] === 2) {
    return <TileCanvas tile={planeTile(220, bounds ?? pointsBounds(samples.values), null, [{ points: samples.values, n: samples.n, colour: GENERATED }])} testId={testId} />;
  }
  return <p className="muted">Samples of shape [{samples.shape.join(', ')}]: no picture.</p>;
}

function Plane({ field }: { field: GanFieldResult }) {
  const longest = Math.max(1e-12, ...Array.from({ length: field.generatedCount }, (_, i) => Math.hypot(field.pull[i * 2] as number, field.pull[i * 2 + 1] as number)));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of field.surface) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const surface = field.verdict === 'probability' ? field.surface : field.surface.map((v) => (v - lo) / (hi - lo || 1));
  const layers: PlaneLayer[] = [
    { points: field.real, n: field.realCount, colour: REAL },
    { points: field.generated, n: field.generatedCount, colour: GENERATED, pull: field.pull, pullScale: (field.bounds.xMax - field.bounds.xMin) / 16 / longest },
  ];
  return <TileCanvas tile={planeTile(320, field.bounds, { values: surface, grid: field.grid }, layers)} testId="gan-plane" />;
}

/**
 * The game chart's series: the losses by node name, D(x), D(G(z)) and, for WGAN-GP, the gradient
 * penalty term the critic's loss includes (GP), per step; each only at the steps that computed it.
 */
export function gameSeries(stepSeries: Readonly<Record<string, readonly number[]>>, steps: readonly number[], nodes: readonly { id: string; name?: string }[]): ChartSeries[] {
  const name = (id: string) => nodes.find((n) => n.id === id)?.name ?? id;
  const lossIds = Object.keys(stepSeries).filter((k) => nodes.some((n) => n.id === k));
  // With several WGAN-GP critics the penalty is named per loss ("d_loss.GP").
  const penalties = Object.keys(stepSeries).filter((k) => k === GAN_METRIC_NAMES.penalty || k.endsWith(`.${GAN_METRIC_NAMES.penalty}`));
  return [...lossIds, GAN_METRIC_NAMES.real, GAN_METRIC_NAMES.fake, ...penalties]
    .filter((key) => stepSeries[key] !== undefined)
    .map((key, i) => {
      const values = stepSeries[key] as readonly number[];
      const x: number[] = [];
      const y: number[] = [];
      values.forEach((v, k) => {
        if (Number.isFinite(v)) {
          x.push(steps[k] as number);
          y.push(v);
        }
      });
      const isLoss = lossIds.includes(key);
      return { label: isLoss ? name(key) : key, x, y, color: COLOURS[key] ?? (LOSS_COLOURS[i % LOSS_COLOURS.length] as string), ...(isLoss ? {} : { dash: [4, 2] }) };
    });
}

function GameChart({ run }: { run: Run }) {
  const version = useTraining((s) => s.version);
  const graph = useEditor((s) => s.document);
  const series = gameSeries(run.stepSeries, run.steps, graph.nodes);
  return <LineChart series={series} log={false} width={460} height={190} fill xLabel="step" version={version} testId="gan-game-chart" />;
}

function Interpolation() {
  const [from, setFrom] = useState(0);
  const [to, setTo] = useState(1);
  const walk = latest(useInspection({ kind: 'gan-interpolate', from, to, steps: 10 }));
  const row = (value: number, set: (v: number) => void, label: string) => (
    <label>
      {label}{' '}
      <input type="number" min={0} max={1023} value={value} aria-label={`interpolate ${label}`} onChange={(e) => set(Math.min(1023, Math.max(0, Number(e.target.value) | 0)))} />
    </label>
  );
  return (
    <div className="gan-interpolation">
      <h4>
        Latent interpolation: from noise vector {row(from, setFrom, 'from')} to {row(to, setTo, 'to')} <span className="muted">(rows of the run's fixed noise, 10 steps)</span>
      </h4>
      {walk ? <Samples samples={walk.samples} testId="gan-interpolation" columns={10} /> : <p className="muted">Generating…</p>}
    </div>
  );
}

function GanView({ run }: { run: Run }) {
  useTraining((s) => s.version);
  const twoD = run.capabilities?.gan?.sampleShape.length === 1 && run.capabilities.gan.sampleShape[0] === 2;
  const field = latest(useInspection(twoD ? { kind: 'gan-field', samples: 256, grid: 48 } : null));
  const live = latest(useInspection({ kind: 'gan-samples', samples: twoD ? 512 : 64 }));
  const game = latest(useInspection({ kind: 'gan-game', samples: 256 }));
  const history: { label: string; result: GanSamplesResult }[] = run.ganHistory.map((h) => ({ label: `epoch ${h.epoch}`, result: h.result }));
  if (live) history.push({ label: 'latest', result: live });
  const { position, shown, pick } = useEpochPick(history);
  return (
    <div className="gan">
      <div className="gan-row">
        {twoD ? (
          <div>
            <h4>
              Real <i className="gan-key real" /> and generated <i className="gan-key generated" /> points on D's verdict (green: real, purple: fake); lines: where the generator's next step pushes its points
            </h4>
            {field ? <Plane field={field} /> : <p className="muted">Computing…</p>}
          </div>
        ) : null}
        <div>
          <h4>Samples from a fixed noise batch (same noise every epoch)</h4>
          <EpochSlider labels={history.map((h) => h.label)} position={position} pick={pick} testId="gan-epoch" label="generated samples epoch" />
          {shown ? <Samples samples={shown.samples} testId="gan-samples" bounds={field?.bounds} /> : <p className="muted">Generating…</p>}
        </div>
        <div className="gan-game">
          <h4>
            The game: both losses and D(x), D(G(z)) per step
            {run.stepSeries[GAN_METRIC_NAMES.penalty] ? <span className="muted"> (GP: the gradient penalty, λ·E[(‖∇D‖ − 1)²], part of the critic's loss)</span> : null}
          </h4>
          <GameChart run={run} />
          {game ? (
            <p className={game.modeCollapse ? 'message warning' : 'muted'} data-testid="gan-diversity" data-collapse={String(game.modeCollapse)}>
              {game.modeCollapse ? 'Mode collapse: ' : 'Diversity: '}
              the generated samples are {(game.diversity.ratio * 100).toFixed(0)}% as spread out as real ones (mean pairwise distance {game.diversity.generated.toPrecision(3)} vs {game.diversity.real.toPrecision(3)})
              {game.modeCollapse ? '; the generator makes few distinct samples. Lower its learning rate or give the discriminator more steps.' : '.'}
            </p>
          ) : null}
        </div>
      </div>
      <Interpolation />
    </div>
  );
}

function GanTab({ run }: { run: Run | null }) {
  if (run === null || run.capabilities === null || run.state === 'error' || run.state === 'loading') return <p className="dock-empty">Train a GAN (a Noise node, a generator and the GAN losses) to watch the game.</p>;
  if (!run.capabilities.gan) return <p className="dock-empty">These views are for GANs (a Noise node, a generator, a discriminator and the GAN losses); this model is not one.</p>;
  return <GanView run={run} />;
}

export const ganTab: DockTab = { id: 'gan', label: 'GAN', draws: ['gan-samples', 'gan-field', 'gan-game', 'gan-interpolate'], Component: GanTab };
