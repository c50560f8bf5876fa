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
