/**
 * Shared encoding of text-pair datasets for seq2seq models with teacher forcing:
 *   encoderInput  [S]    source ids, PAD-padded
 *   sourceMask    [S]    1 where encoderInput is a token, 0 on padding
 *   decoderInput  [T+1]  START + target ids, PAD-padded
 *   decoderTarget [T+1]  target ids + END, PAD-padded
 *   targetMask    [T+1]  1 where decoderTarget is not PAD (weights the loss)
 */
import { ColumnSplit, rowRange, type Column } from './split';
import {
  END_ID,
  SPLIT_NAMES,
  START_ID,
  type DataOrigin,
  type Dataset,
  type DatasetSpec,
  type FeatureSpec,
  type SplitName,
  type SplitSizes,
  type TextExample,
  type VocabularySpec,
} from './types';
import { encodeTextStrict, writePadded } from './vocab';

export interface Seq2SeqDefinition {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly description: string;
  readonly origin: DataOrigin;
  readonly source: VocabularySpec;
  readonly target: VocabularySpec;
  /** Longest source / target in tokens (without START/END). */
  readonly maxSourceLength: number;
  readonly maxTargetLength: number;
  readonly sizes: SplitSizes;
  readonly files: readonly string[];
  readonly options?: Readonly<Record<string, number>>;
}

export const SEQ2SEQ_FEATURES = {
  encoderInput: 'encoderInput',
  sourceMask: 'sourceMask',
  decoderInput: 'decoderInput',
  decoderTarget: 'decoderTarget',
  targetMask: 'targetMask',
} as const;

function featureSpecs(def: Seq2SeqDefinition): { features: FeatureSpec[]; labels: FeatureSpec[] } {
  const s = def.maxSourceLength;
  const t = def.maxTargetLength + 1;
  return {
    features: [
      { name: 'encoderInput', role: 'encoder-input', shape: [s], dtype: 'int32', vocabulary: 'source', description: 'source token ids, PAD (0) padded' },
      { name: 'sourceMask', role: 'source-mask', shape: [s], dtype: 'float32', valueRange: [0, 1], description: '1 on source tokens, 0 on padding' },
      { name: 'decoderInput', role: 'decoder-input', shape: [t], dtype: 'int32', vocabulary: 'target', description: 'START + target ids (teacher forcing)' },
    ],
    labels: [
      { name: 'decoderTarget', role: 'decoder-target', shape: [t], dtype: 'int32', vocabulary: 'target', description: 'target ids + END' },
      { name: 'targetMask', role: 'target-mask', shape: [t], dtype: 'float32', valueRange: [0, 1], description: '1 where decoderTarget is not PAD' },
    ],
  };
}

export function seq2seqSpec(def: Seq2SeqDefinition): DatasetSpec {
  const { features, labels } = featureSpecs(def);
  return {
    id: def.id,
    version: def.version,
    title: def.title,
    description: def.description,
    task: 'seq2seq',
    features,
    labels,
    vocabularies: { source: def.source, target: def.target },
    seq2seq: {
      ...SEQ2SEQ_FEATURES,
      sourceVocabulary: 'source',
      targetVocabulary: 'target',
    },
    sizes: def.sizes,
    files: def.files,
    origin: def.origin,
    ...(def.options ? { options: def.options } : {}),
  };
}

function encodeSplit(def: Seq2SeqDefinition, name: SplitName, examples: readonly TextExample[]): ColumnSplit {
  const n = examples.length;
  const s = def.maxSourceLength;
  const t = def.maxTargetLength + 1;
  const encoderInput = new Int32Array(n * s);
  const sourceMask = new Float32Array(n * s);
  const decoderInput = new Int32Array(n * t);
  const decoderTarget = new Int32Array(n * t);
  const targetMask = new Float32Array(n * t);
  examples.forEach((example, i) => {
    const sourceIds = encodeTextStrict(def.source, example.source);
    const targetIds = encodeTextStrict(def.target, example.target);
    writePadded(sourceIds, encoderInput, i * s, s, `${def.id} source "${example.source}"`);
    writePadded([START_ID, ...targetIds], decoderInput, i * t, t, `${def.id} target "${example.target}"`);
    writePadded([...targetIds, END_ID], decoderTarget, i * t, t, `${def.id} target "${example.target}"`);
    for (let k = 0; k < sourceIds.length; k++) sourceMask[i * s + k] = 1;
    for (let k = 0; k <= targetIds.length; k++) targetMask[i * t + k] = 1;
  });
  const columns: Column[] = [
    { name: 'encoderInput', values: encoderInput, shape: [s], dtype: 'int32' },
    { name: 'sourceMask', values: sourceMask, shape: [s], dtype: 'float32' },
    { name: 'decoderInput', values: decoderInput, shape: [t], dtype: 'int32' },
    { name: 'decoderTarget', values: decoderTarget, shape: [t], dtype: 'int32' },
    { name: 'targetMask', values: targetMask, shape: [t], dtype: 'float32' },
  ];
  return new ColumnSplit(name, columns, rowRange(0, n));
}

export function buildSeq2SeqDataset(
  def: Seq2SeqDefinition,
  texts: Record<SplitName, readonly TextExample[]>,
  notes: readonly string[],
): Dataset {
  for (const name of SPLIT_NAMES) {
    if (texts[name].length !== def.sizes[name]) throw new Error(`${def.id}: ${name} has ${texts[name].length} pairs, spec says ${def.sizes[name]}`);
  }
  return {
    spec: seq2seqSpec(def),
    train: encodeSplit(def, 'train', texts.train),
    validation: encodeSplit(def, 'validation', texts.validation),
    test: encodeSplit(def, 'test', texts.test),
    texts,
    notes,
  };
}

/**
 * Draws unique examples from a seeded generator until the three splits are full, so the splits
 * are disjoint. Throws if the generator cannot produce enough distinct examples.
 */
export function uniqueExamples(
  sizes: SplitSizes,
  generate: () => TextExample,
  maxAttemptsPerExample = 50,
): Record<SplitName, TextExample[]> {
  const total = sizes.train + sizes.validation + sizes.test;
  const seen = new Set<string>();
  const all: TextExample[] = [];
  let attempts = 0;
  while (all.length < total) {
    if (++attempts > total * maxAttemptsPerExample) throw new Error(`generator produced only ${all.length} distinct examples of ${total}`);
    const example = generate();
    if (seen.has(example.source)) continue;
    seen.add(example.source);
    all.push(example);
  }
  return {
    train: all.slice(0, sizes.train),
    validation: all.slice(sizes.train, sizes.train + sizes.validation),
    test: all.slice(sizes.train + sizes.validation),
  };
}
