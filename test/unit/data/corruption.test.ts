/**
 * Bad input: truncated or bit-flipped files must give a DataFileError naming the file (never a
 * crash, a hang or silently wrong data). Oracle for "silently wrong": SHA-256 of the decoded
 * content against data/checksums.json.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataFileError, decodeImageFile, loadDataset, memoryByteSource, readImageFileHeader } from '../../../core/data';
import { nodeFileSource } from '../../../core/data/node-source';
import { SeededRandom } from '../../../core/data/random';
import { buildDir, ensureBuilt } from './helpers';

const FILE = 'mnist-test.nwds';
let original: Uint8Array;
let expected: { pixels: string; labels: string };
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  await ensureBuilt();
  original = new Uint8Array(readFileSync(join(buildDir, FILE)));
  const checksums = JSON.parse(readFileSync(join(__dirname, '../../../data/checksums.json'), 'utf8')) as Record<string, { pixels: string; labels: string }>;
  expected = checksums[FILE] as { pixels: string; labels: string };
}, 300_000);

async function outcome(bytes: Uint8Array): Promise<'error' | 'intact'> {
  try {
    const decoded = await decodeImageFile(bytes, FILE);
    // Flips in bytes that carry no content (gzip mtime, OS byte) may decode; then the data must be intact.
    expect(sha256(decoded.pixels)).toBe(expected.pixels);
    expect(sha256(decoded.labels)).toBe(expected.labels);
    return 'intact';
  } catch (err) {
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as Error).message).toContain(FILE);
    return 'error';
  }
}

describe('truncated image files', () => {
  it('every truncation length gives a DataFileError naming the file', async () => {
    const { dataStart, header } = readImageFileHeader(original, FILE);
    const lengths = [0, 4, 8, 11, 12, 40, dataStart - 1, dataStart, dataStart + 100, dataStart + header.pixels.compressedLength - 1, original.length - 1];
    for (const length of lengths) {
      expect(await outcome(original.subarray(0, length)), `length ${length}`).toBe('error');
    }
  });
});

describe('bit-flipped image files', () => {
  it('flips in the magic, header and compressed sections are caught', async () => {
    const { dataStart, header } = readImageFileHeader(original, FILE);
    const pixelsStart = dataStart + header.pixels.offset;
    const labelsStart = dataStart + header.labels.offset;
    const positions = [
      0, 7, 9, 20, dataStart - 20,
      pixelsStart + 20, pixelsStart + 1000, pixelsStart + Math.floor(header.pixels.compressedLength / 2), pixelsStart + header.pixels.compressedLength - 6,
      labelsStart + 20, labelsStart + Math.floor(header.labels.compressedLength / 2),
    ];
    for (const position of positions) {
      const corrupted = original.slice();
      corrupted[position] = (corrupted[position] as number) ^ 0x10;
      expect(await outcome(corrupted), `flip at ${position}`).toBe('error');
    }
  });

  it('random single-bit flips: either a DataFileError or exactly the original content, never wrong data', async () => {
    const random = new SeededRandom(99);
    let errors = 0;
    for (let trial = 0; trial < 60; trial++) {
      const corrupted = original.slice();
      const position = random.int(corrupted.length);
      corrupted[position] = (corrupted[position] as number) ^ (1 << random.int(8));
      if ((await outcome(corrupted)) === 'error') errors++;
    }
    // Nearly all bytes carry content: most flips must be detected.
    expect(errors).toBeGreaterThan(50);
  });
});

describe('loader errors name the file', () => {
  it('a missing file names its path and says how to build it', async () => {
    await expect(loadDataset('iris', nodeFileSource('/nonexistent-dir'))).rejects.toThrow(/nonexistent-dir\/iris\.json: missing \(run `npm run data`/);
  });

  it('a truncated MNIST file through loadDataset names the file', async () => {
    const files = {
      'mnist-train.nwds': original.subarray(0, original.length >> 1),
      'mnist-test.nwds': original,
    };
    await expect(loadDataset('mnist', memoryByteSource(files, 'mem'))).rejects.toThrow(/mem:mnist-train\.nwds: truncated/);
  });

  it('corrupted JSON data files name the file', async () => {
    const iris = new Uint8Array(readFileSync(join(buildDir, 'iris.json')));
    await expect(loadDataset('iris', memoryByteSource({ 'iris.json': iris.subarray(0, 100) }))).rejects.toThrow(/memory:iris\.json: corrupted/);
    const flipped = iris.slice();
    flipped[60] = 0xff; // invalid UTF-8 inside the JSON
    await expect(loadDataset('iris', memoryByteSource({ 'iris.json': flipped }))).rejects.toThrow(DataFileError);
    const g2p = new Uint8Array(readFileSync(join(buildDir, 'g2p-cmudict.json')));
    await expect(loadDataset('g2p-cmudict', memoryByteSource({ 'g2p-cmudict.json': g2p.subarray(0, g2p.length - 50) }))).rejects.toThrow(
      /g2p-cmudict\.json/,
    );
    const lexicon = new TextEncoder().encode(JSON.stringify({ valences: { good: 3 } }));
    await expect(loadDataset('sentiment', memoryByteSource({ 'sentiment-lexicon.json': lexicon }))).rejects.toThrow(/sentiment-lexicon\.json: bad valence/);
  });

  it('an image file of the wrong dataset is refused with its name', async () => {
    const fashionTest = new Uint8Array(readFileSync(join(buildDir, 'fashion-mnist-test.nwds')));
    await expect(
      loadDataset('mnist', memoryByteSource({ 'mnist-train.nwds': fashionTest, 'mnist-test.nwds': original })),
    ).rejects.toThrow(/mnist-train\.nwds: 10000 images, expected 60000/);
  });
});
