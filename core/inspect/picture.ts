/**
 * Pictures of view results, for the command line's `--png`: each view turns its result into rows
 * of tiles (images, heat maps, bar charts with values in [0, 1]); `renderPicture` lays them out
 * with a gap and scales small tiles up so a 28 x 28 image or a 5 x 5 heat map stays visible.
 */
import type { ImageBatch } from './types';

/** height x width x channels (1 = grey, 3 = RGB) values in [0, 1], row-major. */
export interface Tile {
  width: number;
  height: number;
  channels: 1 | 3;
  values: Float32Array;
}

export interface Raster {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** The images of a batch, one tile each. */
export function imageTiles(batch: ImageBatch): Tile[] {
  const per = batch.height * batch.width * batch.channels;
  return Array.from({ length: batch.n }, (_, i) => {
    const values = batch.values.subarray(i * per, (i + 1) * per);
    if (batch.channels === 1 || batch.channels === 3) return { width: batch.width, height: batch.height, channels: batch.channels, values };
    // Other channel counts: the first channel, grey.
    const grey = new Float32Array(batch.height * batch.width);
    for (let p = 0; p < grey.length; p++) grey[p] = values[p * batch.channels] as number;
    return { width: batch.width, height: batch.height, channels: 1, values: grey };
  });
}

/** A rows x cols heat map, scaled from the values' finite min..max (or [0, max] when `fromZero`). */
export function heatmap(values: ArrayLike<number>, rows: number, cols: number, fromZero = false): Tile {
  let lo = fromZero ? 0 : Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows * cols; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    const v = values[i] as number;
    out[i] = Number.isFinite(v) ? (v - (Number.isFinite(lo) ? lo : 0)) / span : 0;
  }
  return { width: cols, height: rows, channels: 1, values: out };
}

/** A bar chart: one bar per value (height proportional to value / max), `height` pixels tall. */
export function bars(values: readonly number[], height = 32): Tile {
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const out = new Float32Array(height * Math.max(1, values.length));
  values.forEach((v, x) => {
    const h = max > 0 && Number.isFinite(v) ? Math.round((Math.max(0, v) / max) * height) : 0;
    for (let y = height - h; y < height; y++) out[y * values.length + x] = 1;
  });
  return { width: Math.max(1, values.length), height, channels: 1, values: out };
}

/** Tiles in rows of ceil(sqrt(n)) (a latent grid decodes row by row). */
export function squareRows(tiles: readonly Tile[]): Tile[][] {
  const side = Math.max(1, Math.ceil(Math.sqrt(tiles.length)));
  return Array.from({ length: Math.ceil(tiles.length / side) }, (_, r) => tiles.slice(r * side, (r + 1) * side));
}

const GAP = 2;

/** Lays out rows of tiles on a dark background; each tile is scaled up by a whole factor. */
export function renderPicture(rows: readonly (readonly Tile[])[], minTileSide = 48): Raster {
  const scaleOf = (t: Tile) => Math.max(1, Math.ceil(minTileSide / Math.max(t.width, t.height)));
  const layout = rows.filter((r) => r.length > 0).map((row) => row.map((t) => ({ tile: t, scale: scaleOf(t) })));
  if (layout.length === 0) throw new Error('the view has nothing to draw');
  const width = Math.max(...layout.map((row) => row.reduce((w, { tile, scale }) => w + tile.width * scale + GAP, GAP)));
  const height = layout.reduce((h, row) => h + Math.max(...row.map(({ tile, scale }) => tile.height * scale)) + GAP, GAP);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([24, 24, 24, 255], i * 4);
  let top = GAP;
  for (const row of layout) {
    let left = GAP;
    for (const { tile, scale } of row) {
      for (let y = 0; y < tile.height * scale; y++) {
        for (let x = 0; x < tile.width * scale; x++) {
          const p = Math.floor(y / scale) * tile.width + Math.floor(x / scale);
          const at = ((top + y) * width + left + x) * 4;
          for (let c = 0; c < 3; c++) {
            const v = tile.values[p * tile.channels + (tile.channels === 3 ? c : 0)] as number;
            rgba[at + c] = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
          }
        }
      }
      left += tile.width * scale + GAP;
    }
    top += Math.max(...row.map(({ tile, scale }) => tile.height * scale)) + GAP;
  }
  return { width, height, rgba };
}

/** Points (x, y per row) of one colour (RGB in [0, 1]) on a plane tile; `pull` draws a segment from each. */
export interface PlaneLayer {
  points: Float32Array;
  n: number;
  colour: readonly [number, number, number];
  /** Per point: a vector drawn as a line from it (scaled by `pullScale` plane units per unit). */
  pull?: Float32Array;
  pullScale?: number;
}

/**
 * A size x size RGB picture of a square of the plane: `surface` (grid x grid values in [0, 1], row 0
 * at the top) as a purple (0) to green (1) background, then each layer's points and segments.
 */
export function planeTile(size: number, bounds: { xMin: number; xMax: number; yMin: number; yMax: number }, surface: { values: ArrayLike<number>; grid: number } | null, layers: readonly PlaneLayer[]): Tile {
  const values = new Float32Array(size * size * 3).fill(0.1);
  const px = (x: number) => Math.round(((x - bounds.xMin) / (bounds.xMax - bounds.xMin || 1)) * (size - 1));
  const py = (y: number) => Math.round(((bounds.yMax - y) / (bounds.yMax - bounds.yMin || 1)) * (size - 1));
  const put = (x: number, y: number, c: readonly number[]) => {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    values.set(c, (y * size + x) * 3);
  };
  if (surface) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const g = surface.grid;
        const v = Math.min(1, Math.max(0, Number(surface.values[Math.min(g - 1, Math.floor((y / size) * g)) * g + Math.min(g - 1, Math.floor((x / size) * g))]) || 0));
        put(x, y, [0.32 - 0.17 * v, 0.2 + 0.25 * v, 0.4 - 0.2 * v]);
      }
    }
  }
  for (const layer of layers) {
    for (let i = 0; i < layer.n; i++) {
      const x = layer.points[i * 2] as number;
      const y = layer.points[i * 2 + 1] as number;
      if (layer.pull) {
        const scale = layer.pullScale ?? 1;
        const x1 = x + (layer.pull[i * 2] as number) * scale;
        const y1 = y + (layer.pull[i * 2 + 1] as number) * scale;
        const steps = Math.max(1, Math.ceil(Math.hypot(px(x1) - px(x), py(y1) - py(y))));
        for (let k = 1; k <= steps; k++) put(px(x + ((x1 - x) * k) / steps), py(y + ((y1 - y) * k) / steps), [0.75, 0.75, 0.75]);
      }
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) put(px(x) + dx, py(y) + dy, layer.colour);
    }
  }
  return { width: size, height: size, channels: 3, values };
}
