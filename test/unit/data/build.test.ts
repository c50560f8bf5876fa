/** The build is deterministic: rebuilding gives the same bytes, and they pass data/checksums.json. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildData } from '../../../scripts/build-data';
import { buildDir, ensureBuilt } from './helpers';

const scratch = mkdtempSync(join(tmpdir(), 'netwright-data-'));
const SMALL_FILES = ['iris.json', 'penguins.json', 'g2p-cmudict.json', 'sentiment-lexicon.json'];

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('build-data', () => {
  it('rebuilds the JSON files byte for byte and verifies them against the committed checksums', async () => {
    const lines: string[] = [];
    await buildData({ outDir: scratch, force: true, only: SMALL_FILES, log: (l) => lines.push(l) });
    expect(lines.at(-1)).toBe(`verified ${SMALL_FILES.length} files against data/checksums.json`);
    for (const name of SMALL_FILES) {
      expect(Buffer.compare(readFileSync(join(scratch, name)), readFileSync(join(buildDir, name))), name).toBe(0);
    }
  }, 120_000);

  it('refuses a corrupted built file when verifying', async () => {
    const { writeFileSync } = await import('node:fs');
    const iris = readFileSync(join(scratch, 'iris.json'), 'utf8');
    writeFileSync(join(scratch, 'iris.json'), iris.replace('5.1', '5.2'));
    await expect(buildData({ outDir: scratch, only: ['iris.json'] })).rejects.toThrow(/iris\.json.*differ from data\/checksums\.json|differ from data\/checksums\.json: iris\.json/);
  });
});
