/**
 * An image the user gives to inspect a model on, as the values of one Input of shape [h, w, c]
 * (or [h, w]): decoded and resized by the browser, grey (luma) for one channel, scaled to the
 * range the model was trained on.
 */

/** The value range pixels are scaled to: most models take [0, 1]; some [0, 255] or [-1, 1]. */
export type PixelRange = '0..1' | '0..255' | '-1..1';
export const PIXEL_RANGES: readonly PixelRange[] = ['0..1', '0..255', '-1..1'];

/** An Input's image shape: height, width and 1 or 3 channels, or null when it takes no image. */
export function imageShapeOf(shape: readonly (number | null)[]): { height: number; width: number; channels: 1 | 3 } | null {
  const [h, w, c] = shape;
  if (typeof h !== 'number' || typeof w !== 'number' || h < 2 || w < 2) return null;
  if (shape.length === 2) return { height: h, width: w, channels: 1 };
  if (shape.length === 3 && (c === 1 || c === 3)) return { height: h, width: w, channels: c };
  return null;
}

/** RGBA pixels (row-major, height x width) as [h, w, channels] values in `range`. */
export function pixelsToValues(rgba: ArrayLike<number>, height: number, width: number, channels: 1 | 3, range: PixelRange): Float32Array {
  const [lo, hi] = range === '0..1' ? [0, 1] : range === '0..255' ? [0, 255] : [-1, 1];
  const scale = (v: number) => lo + ((hi - lo) * v) / 255;
  const out = new Float32Array(height * width * channels);
  for (let p = 0; p < height * width; p++) {
    const r = rgba[4 * p] as number;
    const g = rgba[4 * p + 1] as number;
    const b = rgba[4 * p + 2] as number;
    if (channels === 1) out[p] = scale(0.299 * r + 0.587 * g + 0.114 * b);
    else {
      out[3 * p] = scale(r);
      out[3 * p + 1] = scale(g);
      out[3 * p + 2] = scale(b);
    }
  }
  return out;
}

/** Decodes an image file (PNG, JPEG, ...) resized to width x height, as RGBA pixels. */
export async function decodeImage(file: Blob, width: number, height: number): Promise<Uint8ClampedArray> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
  } catch {
    throw new Error('the file is not an image the browser can read (PNG, JPEG, GIF, WebP, BMP)');
  }
  try {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas to read the image');
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, width, height).data;
  } finally {
    bitmap.close();
  }
}
