/**
 * The compact image file (".nwds"): a small JSON header plus one gzip member per section.
 *
 *   bytes 0..7   magic  4E 57 44 53 0D 0A 1A 0A  ("NWDS\r\n\x1a\n": catches text-mode mangling)
 *   bytes 8..11  header length H, uint32 little-endian
 *   next H bytes UTF-8 JSON header (ImageFileHeader)
 *   then         the sections' gzip members at the offsets the header gives (relative to 12 + H)
 *
 * Decoding inflates each section straight into one preallocated Uint8Array of the size the
 * header promises, then checks length and CRC-32 (fast) and optionally SHA-256 (the committed
 * checksum of the decoded content). Any mismatch is a DataFileError naming the file.
 */
import { gunzipSync, gzipSync } from 'fflate';
import { crc32, sha256Hex } from './checksum';
import { DataFileError } from './types';

export const IMAGE_FILE_MAGIC = Uint8Array.of(0x4e, 0x57, 0x44, 0x53, 0x0d, 0x0a, 0x1a, 0x0a);
export const IMAGE_FILE_FORMAT = 'netwright-images';
export const IMAGE_FILE_FORMAT_VERSION = 1;
/** Headers are tiny; anything larger is corruption (and must not drive a huge allocation). */
const MAX_HEADER_BYTES = 1 << 16;

export interface SectionInfo {
  /** Byte offset of the gzip member after the header. */
  readonly offset: number;
  readonly compressedLength: number;
  /** Decoded length in bytes. */
  readonly length: number;
  readonly crc32: number;
  readonly sha256: string;
}

export interface ImageFileHeader {
  readonly format: typeof IMAGE_FILE_FORMAT;
  readonly formatVersion: number;
  readonly dataset: string;
  readonly split: string;
  readonly count: number;
  /** [height, width, channels] */
  readonly shape: readonly [number, number, number];
  readonly classNames: readonly string[];
  readonly pixels: SectionInfo;
  readonly labels: SectionInfo;
}

export interface DecodedImages {
  readonly header: ImageFileHeader;
  /** count * h * w * c bytes, 0..255. */
  readonly pixels: Uint8Array;
  /** count class indices. */
  readonly labels: Uint8Array;
}

export interface EncodeImagesInput {
  readonly dataset: string;
  readonly split: string;
  readonly shape: readonly [number, number, number];
  readonly classNames: readonly string[];
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/** Deterministic encoding (gzip level 9, mtime 0, no file name). Used by scripts/build-data. */
export async function encodeImageFile(input: EncodeImagesInput): Promise<Uint8Array> {
  const count = input.labels.length;
  const perImage = input.shape[0] * input.shape[1] * input.shape[2];
  if (input.pixels.length !== count * perImage) throw new Error(`${input.dataset}/${input.split}: pixels do not match ${count} images`);
  const pixelsGz = gzipSync(input.pixels, { level: 9, mtime: 0 });
  const labelsGz = gzipSync(input.labels, { level: 9, mtime: 0 });
  const header: ImageFileHeader = {
    format: IMAGE_FILE_FORMAT,
    formatVersion: IMAGE_FILE_FORMAT_VERSION,
    dataset: input.dataset,
    split: input.split,
    count,
    shape: input.shape,
    classNames: input.classNames,
    pixels: {
      offset: 0,
      compressedLength: pixelsGz.length,
      length: input.pixels.length,
      crc32: crc32(input.pixels),
      sha256: await sha256Hex(input.pixels),
    },
    labels: {
      offset: pixelsGz.length,
      compressedLength: labelsGz.length,
      length: input.labels.length,
      crc32: crc32(input.labels),
      sha256: await sha256Hex(input.labels),
    },
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + headerBytes.length + pixelsGz.length + labelsGz.length);
  out.set(IMAGE_FILE_MAGIC, 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  out.set(pixelsGz, 12 + headerBytes.length);
  out.set(labelsGz, 12 + headerBytes.length + pixelsGz.length);
  return out;
}

function isSection(value: unknown): value is SectionInfo {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    [s.offset, s.compressedLength, s.length, s.crc32].every((n) => Number.isSafeInteger(n) && (n as number) >= 0) &&
    typeof s.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(s.sha256)
  );
}

/** Parses and validates the header only (cheap; used before allocating anything large). */
export function readImageFileHeader(bytes: Uint8Array, fileName: string): { header: ImageFileHeader; dataStart: number } {
  const fail = (message: string): never => {
    throw new DataFileError(fileName, message);
  };
  if (bytes.length < 12) fail(`truncated: ${bytes.length} bytes is shorter than the file header`);
  for (let i = 0; i < IMAGE_FILE_MAGIC.length; i++) {
    if (bytes[i] !== IMAGE_FILE_MAGIC[i]) fail('not a Netwright image file (bad magic bytes)');
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) fail(`corrupted header length ${headerLength}`);
  if (12 + headerLength > bytes.length) fail(`truncated: header needs ${12 + headerLength} bytes, file has ${bytes.length}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    return fail('corrupted header (not valid JSON)');
  }
  const h = parsed as Record<string, unknown>;
  if (typeof parsed !== 'object' || parsed === null || h.format !== IMAGE_FILE_FORMAT) fail('corrupted header (unknown format)');
  if (h.formatVersion !== IMAGE_FILE_FORMAT_VERSION) fail(`unsupported format version ${String(h.formatVersion)}`);
  const shape = h.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((n) => Number.isSafeInteger(n) && n > 0 && n <= 4096)) {
    fail('corrupted header (bad image shape)');
  }
  if (!Number.isSafeInteger(h.count) || (h.count as number) < 0) fail('corrupted header (bad count)');
  if (!Array.isArray(h.classNames) || !h.classNames.every((n) => typeof n === 'string') || h.classNames.length > 256) {
    fail('corrupted header (bad class names)');
  }
  if (!isSection(h.pixels) || !isSection(h.labels)) fail('corrupted header (bad section table)');
  const header = parsed as ImageFileHeader;
  const [height, width, channels] = header.shape;
  if (header.pixels.length !== header.count * height * width * channels) fail('corrupted header (pixel length does not match count and shape)');
  if (header.labels.length !== header.count) fail('corrupted header (label length does not match count)');
  const dataStart = 12 + headerLength;
  for (const [name, section] of [['pixels', header.pixels], ['labels', header.labels]] as const) {
    const end = dataStart + section.offset + section.compressedLength;
    if (end > bytes.length) fail(`truncated: ${name} section ends at byte ${end}, file has ${bytes.length}`);
  }
  return { header, dataStart };
}

function inflateSection(bytes: Uint8Array, dataStart: number, section: SectionInfo, name: string, fileName: string): Uint8Array {
  const start = dataStart + section.offset;
  const member = bytes.subarray(start, start + section.compressedLength);
  if (member.length < 18) throw new DataFileError(fileName, `corrupted ${name} section (too short for gzip)`);
  // The gzip trailer repeats CRC-32 and length: check it too, so no content-bearing byte goes unchecked.
  const trailer = new DataView(member.buffer, member.byteOffset + member.length - 8, 8);
  if (trailer.getUint32(0, true) !== section.crc32 || trailer.getUint32(4, true) !== section.length % 2 ** 32) {
    throw new DataFileError(fileName, `corrupted ${name} section: gzip trailer does not match the header`);
  }
  const out = new Uint8Array(section.length);
  let written: Uint8Array;
  try {
    written = gunzipSync(member, { out });
  } catch (err) {
    throw new DataFileError(fileName, `corrupted ${name} section (${err instanceof Error ? err.message : String(err)})`);
  }
  if (written.length !== section.length) {
    throw new DataFileError(fileName, `corrupted ${name} section: decoded ${written.length} bytes, expected ${section.length}`);
  }
  if (crc32(out) !== section.crc32) throw new DataFileError(fileName, `corrupted ${name} section: CRC-32 mismatch`);
  return out;
}

export interface DecodeOptions {
  /** Also check each section's SHA-256 (slower: ~0.35 s for MNIST train). Default false. */
  readonly verifySha256?: boolean;
  /** Expected SHA-256 of the decoded sections, e.g. from data/checksums.json. */
  readonly expected?: { readonly pixels: string; readonly labels: string };
}

/** Decodes a .nwds file. The pixels are inflated straight into their one final Uint8Array. */
export async function decodeImageFile(bytes: Uint8Array, fileName: string, options: DecodeOptions = {}): Promise<DecodedImages> {
  const { header, dataStart } = readImageFileHeader(bytes, fileName);
  const labels = inflateSection(bytes, dataStart, header.labels, 'labels', fileName);
  const classCount = header.classNames.length;
  for (let i = 0; i < labels.length; i++) {
    if ((labels[i] as number) >= classCount) throw new DataFileError(fileName, `corrupted labels: label ${labels[i]} at ${i} is not below ${classCount}`);
  }
  const pixels = inflateSection(bytes, dataStart, header.pixels, 'pixels', fileName);
  if (options.verifySha256 || options.expected) {
    for (const [name, section, data] of [['pixels', header.pixels, pixels], ['labels', header.labels, labels]] as const) {
      const actual = await sha256Hex(data);
      if (actual !== section.sha256) throw new DataFileError(fileName, `corrupted ${name}: SHA-256 mismatch`);
      const expected = options.expected?.[name];
      if (expected !== undefined && expected !== actual) {
        throw new DataFileError(fileName, `${name} differ from the expected checksum (source data changed?)`);
      }
    }
  }
  return { header, pixels, labels };
}
