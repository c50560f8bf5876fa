/**
 * The checksum kept with a run's weights: CRC-32 over their layout (each spec's layer, name, shape
 * and dtype, in order) and then their bytes. A file whose specs were reordered or renamed, or whose
 * data changed, no longer matches, so it is refused instead of loading weights into the wrong
 * layers. (It guards against damage and careless edits, not against forgery.) Synchronous and
 * pure, so the document parser checks it in the browser, a worker and Node alike.
 */
import { toByteArray } from 'base64-js';
import { crc32 } from '../data/checksum';

/** What the checksum reads of a weight's spec (document.ts's WeightSpec has these fields). */
interface WeightLayout {
  readonly layer: string;
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
}

const PREFIX = 'crc32:';
const SEPARATOR = new Uint8Array([0]);
export const WEIGHTS_CHECKSUM_PATTERN = /^crc32:[0-9a-f]{8}$/;

/** CRC-32 of the layout, then a separator byte JSON text never contains (no trading bytes). */
function layoutCrc(specs: readonly WeightLayout[]): number {
  const layout = new TextEncoder().encode(JSON.stringify(specs.map((s) => [s.layer, s.name, s.shape, s.dtype])));
  return crc32(SEPARATOR, crc32(layout));
}

function format(crc: number): string {
  return `${PREFIX}${crc.toString(16).padStart(8, '0')}`;
}

/** The checksum of weights whose float32 little-endian bytes are `bytes`, laid out by `specs`. */
export function weightsChecksum(specs: readonly WeightLayout[], bytes: Uint8Array): string {
  return format(crc32(bytes, layoutCrc(specs)));
}

/** Base64 characters decoded at a time (a multiple of 4): no copy of all the weights at once. */
const CHUNK_CHARS = 4 * 1024 * 1024;

/** The checksum of base64 weight data (the same as of its bytes); null when it is not base64. */
export function weightsChecksumOfBase64(specs: readonly WeightLayout[], data: string): string | null {
  let crc = layoutCrc(specs);
  try {
    for (let at = 0; at < data.length; at += CHUNK_CHARS) crc = crc32(toByteArray(data.slice(at, at + CHUNK_CHARS)), crc);
  } catch {
    return null;
  }
  return format(crc);
}
