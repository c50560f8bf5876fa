/** A uPlot line chart whose series may have different x values (joined on x). */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isCanvasMoving, onCanvasSettled } from '../editor/interaction';

export interface ChartSeries {
  label: string;
  x: readonly number[];
  y: readonly (number | null)[];
  color: string;
  /** Per-epoch series: points and thicker line. */
  points?: boolean;
  dash?: number[];
}

export interface LineChartProps {
  series: readonly ChartSeries[];
  log: boolean;
  /** Initial size; with `fill`, the chart then follows its box (the dock can be resized). */
  width: number;
  height: number;
  /** Fill the chart's box: its size comes from the layout, the plot (and legend) fit in it. */
  fill?: boolean;
  xLabel: string;
  /** Bumped when the arrays changed in place. */
  version: number;
  testId?: string;
}

function aligned(series: readonly ChartSeries[], log: boolean): uPlot.AlignedData {
  const clean = (v: number | null) => (v === null || !Number.isFinite(v) || (log && v <= 0) ? null : v);
  const tables = series.map((s): uPlot.AlignedData => [Float64Array.from(s.x), s.y.map(clean) as (number | null)[]]);
  if (tables.length === 0) return [[]];
  if (tables.length === 1) return tables[0] as uPlot.AlignedData;
  return uPlot.join(tables);
}

export function LineChart({ series, log, width, height, fill = false, xLabel, version, testId }: LineChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${series.map((s) => s.label).join('|')}:${log}:${width}:${height}`;

  useEffect(() => {
    if (!host.current) return;
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: log ? { distr: 3 } : { auto: true } },
      axes: [
        { stroke: '#8b949e', grid: { stroke: '#21262d' }, label: xLabel, labelSize: 14 },
        { stroke: '#8b949e', grid: { stroke: '#21262d' }, size: 56 },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.points ? 2 : 1,
          spanGaps: true,
          points: { show: s.points ?? false, size: 5 },
          ...(s.dash ? { dash: s.dash } : {}),
        })),
      ],
    };
    plot.current = new uPlot(opts, aligned(series, log), host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series set or the scale changes; data updates go through setData.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  // Redraws at most 4 times a second: painting canvases competes for the CPU with training.
  // While the canvas is being panned or zoomed, not at all: the redraw waits for the view to settle.
  const latestData = useRef({ series, log });
  const lastDraw = useRef(0);
  const timer = useRef<number | null>(null);
  const waiting = useRef<(() => void) | null>(null);
  useEffect(() => {
    latestData.current = { series, log };
    const draw = () => {
      timer.current = null;
      if (isCanvasMoving()) {
        waiting.current ??= onCanvasSettled(() => {
          waiting.current?.();
          waiting.current = null;
          draw();
        });
        return;
      }
      lastDraw.current = performance.now();
      plot.current?.setData(aligned(latestData.current.series, latestData.current.log));
    };
    if (waiting.current) return;
    const wait = 250 - (performance.now() - lastDraw.current);
    if (wait <= 0) draw();
    else timer.current ??= window.setTimeout(draw, wait);
  }, [series, log, version]);
  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
      waiting.current?.();
    },
    [],
  );

  // A filling chart follows its box: the plot takes the box's width and its height less the legend.
  useEffect(() => {
    const box = host.current;
    if (!fill || !box) return;
    const fit = () => {
      const current = plot.current;
      if (!current) return;
      const legend = current.root.querySelector<HTMLElement>('.u-legend')?.offsetHeight ?? 0;
      const size = { width: Math.max(200, Math.floor(box.clientWidth)), height: Math.max(100, Math.floor(box.clientHeight - legend - 4)) };
      if (size.width !== current.width || size.height !== current.height) current.setSize(size);
    };
    const observer = new ResizeObserver(fit);
    observer.observe(box);
    fit();
    return () => observer.disconnect();
  }, [fill, shape]);

  const points = series.reduce((n, s) => n + s.y.filter((v) => v !== null).length, 0);
  return <div ref={host} className={fill ? 'line-chart line-chart-fill' : 'line-chart'} data-testid={testId} data-points={points} />;
}
