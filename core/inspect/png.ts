/**
 * A minimal PNG writer: 8-bit RGBA, no interlace, filter 0 on every row, one zlib IDAT chunk
 * (fflate). Enough to save an inspection view's picture from the command line.
 */
import { zlibSync } from 'fflate';
import { concatBytes } from '../data/bytes';
import { crc32 } from '../data/checksum';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const typeBytes = new TextEncoder().encode(type);
  out.set(typeBytes, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(data, crc32(typeBytes)));
  return out;
}

/** PNG bytes of a width x height image whose pixels are `rgba` (4 bytes each, row-major). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`encodePng: a picture needs a whole size of at least 1 x 1, got ${width} x ${height}`);
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${width} x ${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter set 0, no interlace
  const raw = new Uint8Array(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', header), chunk('IDAT', zlibSync(raw)), chunk('IEND', new Uint8Array(0))];
  return concatBytes(parts);
}
