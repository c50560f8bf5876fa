/**
 * The PNG writer against an independent reader: node:zlib inflates the IDAT, each chunk's CRC is
 * checked with the bitwise CRC-32 of the PNG specification, and the pixels come back unchanged.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../../core/inspect/png';
import { heatmap, renderPicture } from '../../../core/inspect/picture';

/** CRC-32 bit by bit (PNG spec, Annex D), independent of the table-driven one the writer uses. */
function crcBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function readPng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (at < bytes.length) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(view.getUint32(at + 8 + length), type).toBe(crcBitwise(bytes.subarray(at + 4, at + 8 + length)));
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      expect([...data.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0); // filter type 0
    rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return { width, height, rgba };
}

describe('encodePng', () => {
  it('writes pixels an independent reader gets back, with valid chunk CRCs', () => {
    const width = 5;
    const height = 3;
    const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37 + 11) % 256);
    const bytes = encodePng(width, height, rgba);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const read = readPng(bytes);
    expect([read.width, read.height]).toEqual([width, height]);
    expect([...read.rgba]).toEqual([...rgba]);
  });

  it('refuses a size that does not match the pixels', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow('2 x 2 RGBA needs 16 bytes, got 15');
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow('at least 1 x 1');
  });

  it('draws a heat map scaled from min to max, each cell scaled up to the minimum side', () => {
    const picture = renderPicture([[heatmap([0, 1, 2, 4], 2, 2)]], 4);
    // 2 x 2 cells of 2 x 2 pixels, a gap of 2 around: 8 x 8.
    expect([picture.width, picture.height]).toEqual([8, 8]);
    const grey = (x: number, y: number) => picture.rgba[(y * 8 + x) * 4] as number;
    expect([grey(2, 2), grey(4, 2), grey(2, 4), grey(5, 5), grey(0, 0)]).toEqual([0, 64, 128, 255, 24]);
  });
});
