/** Canvas 2D drawing for the training views: heat maps, image grids, histograms, scatters. */
import type { ImageBatch } from '../engine/engine-api';

/** Perceptual-ish colour ramp (dark blue -> teal -> yellow) for t in [0, 1]. */
export function ramp(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const stops: [number, number, number][] = [
    [13, 8, 48],
    [35, 82, 140],
    [32, 150, 140],
    [120, 200, 90],
    [250, 230, 40],
  ];
  const f = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(f));
  const u = f - i;
  const a = stops[i] as [number, number, number];
  const b = stops[i + 1] as [number, number, number];
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

export function rampCss(t: number): string {
  const [r, g, b] = ramp(t);
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

/** Sizes the canvas backing store to its CSS size times the device pixel ratio. */
export function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

export interface HeatmapOptions {
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Fixed value range; default the data's min..max. */
  range?: [number, number];
  cell?: number;
  /** Write the value in each cell (small matrices). */
  annotate?: boolean;
}

/** A rows x cols matrix as coloured cells with axis labels; returns the drawn size. */
export function drawHeatmap(canvas: HTMLCanvasElement, values: ArrayLike<number>, rows: number, cols: number, options: HeatmapOptions = {}): void {
  const labelW = options.rowLabels ? Math.min(90, 8 + 7 * Math.max(1, ...options.rowLabels.map((l) => l.length))) : 4;
  const labelH = options.colLabels ? Math.min(70, 10 + 6 * Math.max(1, ...options.colLabels.map((l) => l.length))) : 4;
  const cell = options.cell ?? Math.max(6, Math.min(26, Math.floor(560 / Math.max(cols, rows, 1))));
  const width = labelW + cols * cell + 4;
  const height = labelH + rows * cell + 4;
  const ctx = prepare(canvas, width, height);
  let lo = options.range?.[0] ?? Number.POSITIVE_INFINITY;
  let hi = options.range?.[1] ?? Number.NEGATIVE_INFINITY;
  if (!options.range) {
    for (let i = 0; i < rows * cols; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const span = hi - lo || 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c] as number;
      // Cells past the data (a vector laid out as a grid) and NaN/Inf are drawn grey.
      ctx.fillStyle = Number.isFinite(v) ? rampCss((v - lo) / span) : '#30363d';
      ctx.fillRect(labelW + c * cell, labelH + r * cell, cell - (cell > 8 ? 1 : 0), cell - (cell > 8 ? 1 : 0));
      if (options.annotate && cell >= 22) {
        ctx.fillStyle = (v - lo) / span > 0.6 ? '#111' : '#eee';
        ctx.font = '9px system-ui, sans-serif';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(String(Math.round(v)), labelW + c * cell + cell / 2, labelH + r * cell + cell / 2);
      }
    }
  }
  ctx.fillStyle = '#c9d1d9';
  ctx.font = '11px ui-monospace, monospace';
  if (options.rowLabels) {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    options.rowLabels.forEach((l, r) => ctx.fillText(l, labelW - 4, labelH + r * cell + cell / 2));
  }
  if (options.colLabels) {
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    options.colLabels.forEach((l, c) => {
      ctx.save();
      ctx.translate(labelW + c * cell + cell / 2, labelH - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(l, 0, 0);
      ctx.restore();
    });
  }
}

/** Images of a batch in a grid, `scale` pixels per image pixel. */
export function drawImageGrid(canvas: HTMLCanvasElement, batch: ImageBatch, columns: number, scale: number): void {
  const { n, height, width, channels, values } = batch;
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.ceil(n / cols);
  const gap = 2;
  const w = cols * (width * scale + gap);
  const h = Math.max(1, rows * (height * scale + gap));
  const ctx = prepare(canvas, w, h);
  const image = new ImageData(width, height);
  const tile = document.createElement('canvas');
  tile.width = width;
  tile.height = height;
  const tctx = tile.getContext('2d') as CanvasRenderingContext2D;
  ctx.imageSmoothingEnabled = false;
  for (let k = 0; k < n; k++) {
    for (let p = 0; p < width * height; p++) {
      const base = (k * width * height + p) * channels;
      const r = values[base] as number;
      const g = channels >= 3 ? (values[base + 1] as number) : r;
      const b = channels >= 3 ? (values[base + 2] as number) : r;
      image.data[p * 4] = r * 255;
      image.data[p * 4 + 1] = g * 255;
      image.data[p * 4 + 2] = b * 255;
      image.data[p * 4 + 3] = 255;
    }
    tctx.putImageData(image, 0, 0);
    const x = (k % cols) * (width * scale + gap);
    const y = Math.floor(k / cols) * (height * scale + gap);
    ctx.drawImage(tile, x, y, width * scale, height * scale);
  }
}

/** A histogram of counts between min and max. */
export function drawHistogram(canvas: HTMLCanvasElement, counts: readonly number[], min: number, max: number, width = 260, height = 110): void {
  const ctx = prepare(canvas, width, height);
  const top = Math.max(1, ...counts);
  const barW = (width - 8) / Math.max(1, counts.length);
  ctx.fillStyle = '#58a6ff';
  counts.forEach((c, i) => {
    const h = ((height - 22) * c) / top;
    ctx.fillRect(4 + i * barW, height - 16 - h, Math.max(1, barW - 1), h);
  });
  ctx.fillStyle = '#8b949e';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(Number.isFinite(min) ? min.toPrecision(3) : '–', 4, height);
  ctx.textAlign = 'right';
  ctx.fillText(Number.isFinite(max) ? max.toPrecision(3) : '–', width - 4, height);
}

const LABEL_COLOURS = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe'];

export function labelColour(label: number): string {
  return label < 0 ? '#8b949e' : (LABEL_COLOURS[label % LABEL_COLOURS.length] as string);
}

/** A square plot's background and its two axes through the origin, at pixel (originX, originY). */
export function drawPlotGround(ctx: CanvasRenderingContext2D, size: number, originX: number, originY: number, background: string, axes: string): void {
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, size, size);
  ctx.strokeStyle = axes;
  ctx.beginPath();
  ctx.moveTo(originX, 0);
  ctx.lineTo(originX, size);
  ctx.moveTo(0, originY);
  ctx.lineTo(size, originY);
  ctx.stroke();
}

export interface ScatterFrame {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  size: number;
}

/** Points coloured by label in a square frame; returns the frame (to map pointer positions). */
export function drawScatter(canvas: HTMLCanvasElement, x: ArrayLike<number>, y: ArrayLike<number>, labels: ArrayLike<number>, size: number, marker?: [number, number]): ScatterFrame {
  const ctx = prepare(canvas, size, size);
  let x0 = -3;
  let x1 = 3;
  let y0 = -3;
  let y1 = 3;
  for (let i = 0; i < x.length; i++) {
    x0 = Math.min(x0, x[i] as number);
    x1 = Math.max(x1, x[i] as number);
    y0 = Math.min(y0, y[i] as number);
    y1 = Math.max(y1, y[i] as number);
  }
  const frame = { x0, x1, y0, y1, size };
  const px = (v: number) => ((v - x0) / (x1 - x0 || 1)) * (size - 10) + 5;
  const py = (v: number) => size - 5 - ((v - y0) / (y1 - y0 || 1)) * (size - 10);
  drawPlotGround(ctx, size, px(0), py(0), '#0d1117', '#30363d');
  for (let i = 0; i < x.length; i++) {
    ctx.fillStyle = labelColour(labels[i] as number);
    ctx.fillRect(px(x[i] as number) - 1.5, py(y[i] as number) - 1.5, 3, 3);
  }
  if (marker) {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(px(marker[0]), py(marker[1]), 6, 0, Math.PI * 2);
    ctx.stroke();
  }
  return frame;
}

/** Pointer position in a scatter frame -> data coordinates. */
export function scatterToData(frame: ScatterFrame, px: number, py: number): [number, number] {
  const x = frame.x0 + ((px - 5) / (frame.size - 10)) * (frame.x1 - frame.x0);
  const y = frame.y0 + ((frame.size - 5 - py) / (frame.size - 10)) * (frame.y1 - frame.y0);
  return [x, y];
}

/** A histogram with equal bins between min and max (as the worker sends them). */
export interface BinnedCounts {
  min: number;
  max: number;
  counts: readonly number[];
}

/**
 * Histograms over time, offset like TensorBoard's: one row per snapshot, oldest at the back
 * (top), newest in front (bottom), all on one shared value axis; each row scaled to its own peak.
 */
export function drawOffsetHistograms(canvas: HTMLCanvasElement, rows: readonly BinnedCounts[], labels: readonly string[], width = 440): void {
  const rowGap = 16;
  const peak = 44;
  const top = 6;
  const labelW = 62;
  const plotW = width - labelW - 8;
  const height = top + peak + Math.max(0, rows.length - 1) * rowGap + 22;
  const ctx = prepare(canvas, width, height);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (r.counts.every((c) => c === 0)) continue;
    lo = Math.min(lo, r.min);
    hi = Math.max(hi, r.max);
  }
  if (!(hi >= lo)) return;
  const pad = hi > lo ? 0 : Math.max(1e-6, Math.abs(lo) * 0.1);
  const x0 = lo - pad;
  const x1 = hi + pad;
  const px = (v: number) => 4 + ((v - x0) / (x1 - x0)) * plotW;
  rows.forEach((r, i) => {
    const base = top + peak + i * rowGap;
    const most = Math.max(1, ...r.counts);
    const binW = (r.max - r.min) / Math.max(1, r.counts.length);
    const t = rows.length > 1 ? i / (rows.length - 1) : 1;
    ctx.beginPath();
    ctx.moveTo(px(r.min), base);
    r.counts.forEach((c, b) => ctx.lineTo(px(r.min + (b + 0.5) * binW), base - (peak * c) / most));
    ctx.lineTo(px(r.max), base);
    ctx.closePath();
    // Opaque-ish fill so the newer rows in front hide the older ones behind.
    ctx.fillStyle = '#0d1117';
    ctx.fill();
    ctx.globalAlpha = 0.55;
    ctx.fillStyle = rampCss(0.25 + 0.75 * t);
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.strokeStyle = rampCss(0.35 + 0.65 * t);
    ctx.lineWidth = 1.2;
    ctx.stroke();
    ctx.fillStyle = '#8b949e';
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(labels[i] ?? '', width - labelW, base - 3);
  });
  ctx.fillStyle = '#8b949e';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(lo.toPrecision(3), 4, height);
  ctx.textAlign = 'right';
  ctx.fillText(hi.toPrecision(3), 4 + plotW, height);
  if (lo < 0 && hi > 0) {
    ctx.strokeStyle = '#30363d';
    ctx.beginPath();
    ctx.moveTo(px(0), top);
    ctx.lineTo(px(0), height - 14);
    ctx.stroke();
  }
}
