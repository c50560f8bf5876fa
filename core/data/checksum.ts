/** Checksums usable in Node, workers and browsers alike (no 'crypto' module import). */

const CRC_TABLES: Uint32Array[] = (() => {
  // Slicing-by-4 tables: table 0 is the classic byte table of the reflected polynomial.
  const tables = [0, 1, 2, 3].map(() => new Uint32Array(256));
  const t0 = tables[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n] as number;
    for (let t = 1; t < 4; t++) {
      c = (t0[c & 0xff] as number) ^ (c >>> 8);
      (tables[t] as Uint32Array)[n] = c >>> 0;
    }
  }
  return tables;
})();

/**
 * CRC-32 (the gzip/PNG polynomial) of the bytes. Chained like zlib's: crc32(b, crc32(a)) is the
 * CRC-32 of a followed by b, without copying them together.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3] = CRC_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = (previous ^ 0xffffffff) >>> 0;
  let i = 0;
  const end4 = bytes.length - (bytes.length % 4);
  for (; i < end4; i += 4) {
    crc ^= (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    crc =
      (t3[crc & 0xff] as number) ^
      (t2[(crc >>> 8) & 0xff] as number) ^
      (t1[(crc >>> 16) & 0xff] as number) ^
      (t0[crc >>> 24] as number);
  }
  for (; i < bytes.length; i++) crc = (t0[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** SHA-256 as lowercase hex, through WebCrypto (global in Node >= 19, browsers and workers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('SHA-256 needs WebCrypto (crypto.subtle), which this environment lacks');
  const digest = await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
