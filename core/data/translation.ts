/**
 * A small English -> French phrase set from a seeded grammar, so attention maps are not diagonal:
 *   - gender and number agreement of determiners and adjectives ("the red car" -> "la voiture rouge",
 *     "the red cars" -> "les voitures rouges");
 *   - most adjectives FOLLOW the noun in French (colours), a few PRECEDE it like in English
 *     ("the big house" -> "la grande maison"; "the small red car" -> "la petite voiture rouge");
 *   - subject-verb agreement ("the small dog sees the white cat" -> "le petit chien voit le chat blanc").
 * Grammar (probabilities in data/README.md):
 *   S  -> NP | NP V NP
 *   NP -> Det [PreAdj] [PostAdj] Noun           (English order)
 *   NP -> Det [PreAdj] Noun [PostAdj]           (French order, forms agree with the noun)
 * All French nouns start with a consonant, so no elision (l', cet, bel) is needed.
 */
import { SeededRandom } from './random';
import { buildSeq2SeqDataset, seq2seqSpec, uniqueExamples, type Seq2SeqDefinition } from './seq2seq';
import type { Dataset, DatasetSpec, TextExample } from './types';
import { makeVocabulary } from './vocab';

export type Gender = 'm' | 'f';
export type GrammaticalNumber = 'sg' | 'pl';

export interface NounEntry {
  readonly en: readonly [string, string]; // singular, plural
  readonly fr: readonly [string, string];
  readonly gender: Gender;
}

export interface AdjectiveEntry {
  readonly en: string;
  /** m.sg, f.sg, m.pl, f.pl */
  readonly fr: readonly [string, string, string, string];
  /** Where the French adjective goes relative to the noun. */
  readonly position: 'pre' | 'post';
}

export interface DeterminerEntry {
  readonly en: readonly [string, string]; // singular, plural
  readonly fr: readonly [string, string, string]; // m.sg, f.sg, plural
}

export interface VerbEntry {
  readonly en: readonly [string, string]; // 3rd person singular, plural
  readonly fr: readonly [string, string];
}

export const NOUNS: readonly NounEntry[] = [
  { en: ['car', 'cars'], fr: ['voiture', 'voitures'], gender: 'f' },
  { en: ['house', 'houses'], fr: ['maison', 'maisons'], gender: 'f' },
  { en: ['table', 'tables'], fr: ['table', 'tables'], gender: 'f' },
  { en: ['flower', 'flowers'], fr: ['fleur', 'fleurs'], gender: 'f' },
  { en: ['girl', 'girls'], fr: ['fille', 'filles'], gender: 'f' },
  { en: ['chair', 'chairs'], fr: ['chaise', 'chaises'], gender: 'f' },
  { en: ['dog', 'dogs'], fr: ['chien', 'chiens'], gender: 'm' },
  { en: ['cat', 'cats'], fr: ['chat', 'chats'], gender: 'm' },
  { en: ['book', 'books'], fr: ['livre', 'livres'], gender: 'm' },
  { en: ['horse', 'horses'], fr: ['cheval', 'chevaux'], gender: 'm' },
  { en: ['boy', 'boys'], fr: ['garçon', 'garçons'], gender: 'm' },
  { en: ['bike', 'bikes'], fr: ['vélo', 'vélos'], gender: 'm' },
  { en: ['hat', 'hats'], fr: ['chapeau', 'chapeaux'], gender: 'm' },
];

export const ADJECTIVES: readonly AdjectiveEntry[] = [
  { en: 'small', fr: ['petit', 'petite', 'petits', 'petites'], position: 'pre' },
  { en: 'big', fr: ['grand', 'grande', 'grands', 'grandes'], position: 'pre' },
  { en: 'beautiful', fr: ['beau', 'belle', 'beaux', 'belles'], position: 'pre' },
  { en: 'young', fr: ['jeune', 'jeune', 'jeunes', 'jeunes'], position: 'pre' },
  { en: 'old', fr: ['vieux', 'vieille', 'vieux', 'vieilles'], position: 'pre' },
  { en: 'pretty', fr: ['joli', 'jolie', 'jolis', 'jolies'], position: 'pre' },
  { en: 'red', fr: ['rouge', 'rouge', 'rouges', 'rouges'], position: 'post' },
  { en: 'white', fr: ['blanc', 'blanche', 'blancs', 'blanches'], position: 'post' },
  { en: 'black', fr: ['noir', 'noire', 'noirs', 'noires'], position: 'post' },
  { en: 'green', fr: ['vert', 'verte', 'verts', 'vertes'], position: 'post' },
  { en: 'blue', fr: ['bleu', 'bleue', 'bleus', 'bleues'], position: 'post' },
  { en: 'grey', fr: ['gris', 'grise', 'gris', 'grises'], position: 'post' },
];

export const DETERMINERS: readonly DeterminerEntry[] = [
  { en: ['the', 'the'], fr: ['le', 'la', 'les'] },
  { en: ['a', 'some'], fr: ['un', 'une', 'des'] },
  { en: ['my', 'my'], fr: ['mon', 'ma', 'mes'] },
  { en: ['this', 'these'], fr: ['ce', 'cette', 'ces'] },
];

export const VERBS: readonly VerbEntry[] = [
  { en: ['sees', 'see'], fr: ['voit', 'voient'] },
  { en: ['likes', 'like'], fr: ['aime', 'aiment'] },
  { en: ['follows', 'follow'], fr: ['suit', 'suivent'] },
  { en: ['watches', 'watch'], fr: ['regarde', 'regardent'] },
];

/** Probabilities of the grammar's choices. */
export const TRANSLATION_GRAMMAR = {
  sentence: 0.65, // NP V NP, else NP alone
  plural: 0.4,
  preAdjective: 0.35,
  postAdjective: 0.45,
} as const;

/** The structure of one noun phrase (indices into the tables). */
export interface NounPhrase {
  readonly determiner: number;
  readonly noun: number;
  readonly number: GrammaticalNumber;
  readonly pre: number | null;
  readonly post: number | null;
}

function adjectiveForm(adjective: AdjectiveEntry, gender: Gender, number: GrammaticalNumber): string {
  return adjective.fr[(gender === 'f' ? 1 : 0) + (number === 'pl' ? 2 : 0)] as string;
}

export function renderNounPhrase(np: NounPhrase): { en: string[]; fr: string[] } {
  const noun = NOUNS[np.noun] as NounEntry;
  const det = DETERMINERS[np.determiner] as DeterminerEntry;
  const pl = np.number === 'pl' ? 1 : 0;
  const pre = np.pre === null ? null : (ADJECTIVES[np.pre] as AdjectiveEntry);
  const post = np.post === null ? null : (ADJECTIVES[np.post] as AdjectiveEntry);
  const en = [det.en[pl] as string];
  if (pre) en.push(pre.en);
  if (post) en.push(post.en);
  en.push(noun.en[pl] as string);
  const fr = [np.number === 'pl' ? det.fr[2] : noun.gender === 'f' ? det.fr[1] : det.fr[0]] as string[];
  if (pre) fr.push(adjectiveForm(pre, noun.gender, np.number));
  fr.push(noun.fr[pl] as string);
  if (post) fr.push(adjectiveForm(post, noun.gender, np.number));
  return { en, fr };
}

const PRE_ADJECTIVES = ADJECTIVES.flatMap((a, i) => (a.position === 'pre' ? [i] : []));
const POST_ADJECTIVES = ADJECTIVES.flatMap((a, i) => (a.position === 'post' ? [i] : []));

function randomNounPhrase(random: SeededRandom): NounPhrase {
  return {
    determiner: random.int(DETERMINERS.length),
    noun: random.int(NOUNS.length),
    number: random.chance(TRANSLATION_GRAMMAR.plural) ? 'pl' : 'sg',
    pre: random.chance(TRANSLATION_GRAMMAR.preAdjective) ? random.pick(PRE_ADJECTIVES) : null,
    post: random.chance(TRANSLATION_GRAMMAR.postAdjective) ? random.pick(POST_ADJECTIVES) : null,
  };
}

export function randomPhrase(random: SeededRandom): TextExample {
  const subjectPhrase = randomNounPhrase(random);
  const subject = renderNounPhrase(subjectPhrase);
  if (!random.chance(TRANSLATION_GRAMMAR.sentence)) return { source: subject.en.join(' '), target: subject.fr.join(' ') };
  const verb = random.pick(VERBS);
  const object = renderNounPhrase(randomNounPhrase(random));
  const v = subjectPhrase.number === 'pl' ? 1 : 0;
  return {
    source: [...subject.en, verb.en[v] as string, ...object.en].join(' '),
    target: [...subject.fr, verb.fr[v] as string, ...object.fr].join(' '),
  };
}

const SIZES = { train: 10_000, validation: 1_000, test: 1_000 } as const;

function definition(seed: number): Seq2SeqDefinition {
  const englishWords = [
    ...DETERMINERS.flatMap((d) => d.en),
    ...ADJECTIVES.map((a) => a.en),
    ...NOUNS.flatMap((n) => n.en),
    ...VERBS.flatMap((v) => v.en),
  ];
  const frenchWords = [
    ...DETERMINERS.flatMap((d) => d.fr),
    ...ADJECTIVES.flatMap((a) => a.fr),
    ...NOUNS.flatMap((n) => n.fr),
    ...VERBS.flatMap((v) => v.fr),
  ];
  return {
    id: 'en-fr',
    version: 1,
    title: 'English -> French phrases',
    description: 'Grammar-generated phrases with gender/number agreement and adjective reordering ("the red car" -> "la voiture rouge").',
    origin: { package: 'generated', license: 'generated by Netwright (MIT)', note: `seeded grammar, seed ${seed}` },
    source: makeVocabulary('english', 'word', englishWords),
    target: makeVocabulary('french', 'word', frenchWords),
    maxSourceLength: 9,
    maxTargetLength: 9,
    sizes: SIZES,
    files: [],
    options: { seed },
  };
}

export interface TranslationOptions {
  readonly seed?: number;
}

export function translationSpec(options: TranslationOptions = {}): DatasetSpec {
  return seq2seqSpec(definition(options.seed ?? 1));
}

export function loadTranslation(options: TranslationOptions = {}): Dataset {
  const seed = options.seed ?? 1;
  const random = new SeededRandom(seed);
  const texts = uniqueExamples(SIZES, () => randomPhrase(random));
  return buildSeq2SeqDataset(definition(seed), texts, [`seeded grammar, seed ${seed}`]);
}
