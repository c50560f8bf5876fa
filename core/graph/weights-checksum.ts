/**
 * The checksum kept with a run's weights: CRC-32 over their layout (each spec's layer, name, shape
 * and dtype, in order) and then their bytes. A file whose specs were reordered or renamed, or whose
 * data changed, no longer matches, so it is refused instead of loading weights into the wrong
 * layers. (It guards against damage and careless edits, not against forgery.) Synchronous and
 * pure, so the document parser checks it in the browser, a worker and Node alike.
 */
import { toByteArray } from 'base64-js';
import { crc32 } from '../data/checksum';
import type { WeightSpec } from './document';

const PREFIX = 'crc32:';
export const WEIGHTS_CHECKSUM_PATTERN = /^crc32:[0-9a-f]{8}$/;

/** The checksum of weights whose float32 little-endian bytes are `bytes`, laid out by `specs`. */
export function weightsChecksum(specs: readonly WeightSpec[], bytes: Uint8Array): string {
  const layout = new TextEncoder().encode(JSON.stringify(specs.map((s) => [s.layer, s.name, s.shape, s.dtype])));
  const all = new Uint8Array(layout.length + 1 + bytes.length);
  all.set(layout, 0);
  // A separator byte that JSON text never contains: layout and data cannot trade bytes.
  all[layout.length] = 0;
  all.set(bytes, layout.length + 1);
  return `${PREFIX}${crc32(all).toString(16).padStart(8, '0')}`;
}

/** The checksum of base64 weight data; null when `data` is not base64. */
export function weightsChecksumOfBase64(specs: readonly WeightSpec[], data: string): string | null {
  let bytes: Uint8Array;
  try {
    bytes = toByteArray(data);
  } catch {
    return null;
  }
  return weightsChecksum(specs, bytes);
}
