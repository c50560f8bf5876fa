/** Token vocabularies: PAD=0, START=1, END=2, UNKNOWN=3, then the dataset's own tokens. */
import {
  END_ID,
  END_TOKEN,
  PAD_ID,
  PAD_TOKEN,
  START_ID,
  START_TOKEN,
  UNKNOWN_ID,
  UNKNOWN_TOKEN,
  type VocabularySpec,
} from './types';

export const SPECIAL_TOKENS: readonly string[] = [PAD_TOKEN, START_TOKEN, END_TOKEN, UNKNOWN_TOKEN];

export function makeVocabulary(name: string, level: 'char' | 'word', tokens: Iterable<string>): VocabularySpec {
  const unique = [...new Set(tokens)];
  for (const token of unique) {
    if (SPECIAL_TOKENS.includes(token)) throw new Error(`vocabulary ${name}: '${token}' is reserved`);
    if (level === 'char' && [...token].length !== 1) throw new Error(`vocabulary ${name}: '${token}' is not one character`);
  }
  return { name, level, tokens: [...SPECIAL_TOKENS, ...unique] };
}

const indexCache = new WeakMap<VocabularySpec, Map<string, number>>();

function indexOf(vocabulary: VocabularySpec): Map<string, number> {
  let index = indexCache.get(vocabulary);
  if (!index) {
    index = new Map(vocabulary.tokens.map((t, i) => [t, i]));
    indexCache.set(vocabulary, index);
  }
  return index;
}

/** Splits text into tokens of this vocabulary's level. */
export function tokenize(vocabulary: VocabularySpec, text: string): string[] {
  return vocabulary.level === 'char' ? [...text] : text.split(' ').filter((t) => t.length > 0);
}

/** Token ids of the text (no START/END, no padding); unknown tokens map to UNKNOWN_ID. */
export function encodeText(vocabulary: VocabularySpec, text: string): number[] {
  const index = indexOf(vocabulary);
  return tokenize(vocabulary, text).map((t) => index.get(t) ?? UNKNOWN_ID);
}

/** Like encodeText but throws on tokens outside the vocabulary (generators must be closed). */
export function encodeTextStrict(vocabulary: VocabularySpec, text: string): number[] {
  const index = indexOf(vocabulary);
  return tokenize(vocabulary, text).map((t) => {
    const id = index.get(t);
    if (id === undefined) throw new Error(`vocabulary ${vocabulary.name} has no token '${t}' (in "${text}")`);
    return id;
  });
}

/**
 * ids -> text: stops at the first END, skips PAD and START, joins with '' (char) or ' ' (word).
 */
export function decodeIds(vocabulary: VocabularySpec, ids: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (id === END_ID) break;
    if (id === PAD_ID || id === START_ID) continue;
    parts.push(vocabulary.tokens[id] ?? UNKNOWN_TOKEN);
  }
  return parts.join(vocabulary.level === 'char' ? '' : ' ');
}

/** Writes ids into `out` at `offset`, padded with PAD to `length`; throws if too long. */
export function writePadded(ids: readonly number[], out: Int32Array, offset: number, length: number, what: string): void {
  if (ids.length > length) throw new Error(`${what}: ${ids.length} tokens exceed the maximum ${length}`);
  for (let i = 0; i < length; i++) out[offset + i] = i < ids.length ? (ids[i] as number) : PAD_ID;
}
