/**
 * A trained model opened for inspection: the graph, its compiled model (the weights the views
 * read), the dataset it was trained on and what each Input reads. The views (views/*.ts) compute
 * from it in inference mode; the session keeps what they build once per model (the gradient-probed
 * copy, the fixed latent samples) and frees all of it in `dispose`.
 *
 * The worker opens one for a training run (over the model being trained) or a kept run; the CLI
 * opens one for a kept run of a graph file. Either way the owner of the compiled model decides
 * when to dispose it: `dispose` frees the model too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchToTensors } from '../data/tensors';
import type { Batch, Dataset, DatasetSplit, FeatureSpec, VocabularySpec } from '../data/types';
import type { CompiledGraph } from '../engine/compile';
import { disposeDecoders } from '../engine/decode';
import { disposeGanParts } from '../engine/gan';
import { disposeInspection } from '../engine/inspect';
import { bindFeeds } from '../engine/run';
import type { GraphDocument } from '../graph/document';
import type { ImageBatch } from './types';

export interface SampleFeeds {
  /** One tensor per `compiled.feeds` entry. */
  feeds: tf.Tensor[];
  batch: Batch;
  dispose(): void;
}

export class InspectionSession {
  readonly featureNames: string[];
  /** A copy of the model with gradient probes, for per-edge gradient norms (built on demand). */
  probed: CompiledGraph | null = null;
  /** The run's fixed latent samples (same z at every epoch), drawn on first use. */
  fixedZ: number[][] | null = null;
  /** A GAN run's fixed noise batch (same noise at every epoch), drawn on first use. */
  fixedNoise: number[][] | null = null;

  /** Binds the compiled model's Inputs to the dataset's features (a RunError names a bad one). */
  constructor(
    readonly graph: GraphDocument,
    readonly compiled: CompiledGraph,
    readonly dataset: Dataset,
  ) {
    this.featureNames = bindFeeds(compiled, graph, dataset);
  }

  /** The validation split, or the training split when there is no validation data. */
  inspectionSplit(): DatasetSplit {
    return this.dataset.validation.size > 0 ? this.dataset.validation : this.dataset.train;
  }

  /** Feeds (in `compiled.feeds` order) for rows of a split; the caller disposes them. */
  feedsFor(split: DatasetSplit, rows: readonly number[], featureNames: readonly string[] = this.featureNames): SampleFeeds {
    if (rows.length === 0) throw new Error(`the ${split.name} split has no samples`);
    const batch = split.gather(rows);
    const tensors = batchToTensors(tf, batch, [...new Set(featureNames)]);
    return {
      feeds: featureNames.map((name) => tensors[name] as tf.Tensor),
      batch,
      dispose: () => tf.dispose(Object.values(tensors)),
    };
  }

  allFeatures(): FeatureSpec[] {
    return [...this.dataset.spec.features, ...this.dataset.spec.labels];
  }

  vocabularyOf(feature: FeatureSpec | undefined): VocabularySpec | null {
    return feature?.vocabulary ? (this.dataset.spec.vocabularies[feature.vocabulary] ?? null) : null;
  }

  /** The first image feature ([h, w, c] float32), if the dataset has one. */
  imageFeature(): FeatureSpec | null {
    return this.dataset.spec.features.find((f) => f.dtype === 'float32' && f.shape.length === 3) ?? null;
  }

  /** The first label with class names, if any. */
  labelFeature(): FeatureSpec | null {
    return this.dataset.spec.labels.find((f) => f.classNames !== undefined) ?? null;
  }

  /** Frees the compiled model, the probed copy and every cache built on them. */
  dispose(): void {
    disposeInspection(this.compiled);
    disposeDecoders(this.compiled);
    disposeGanParts(this.compiled);
    this.compiled.model.dispose();
    if (this.probed) this.probed.model.dispose();
    this.probed = null;
  }
}

/** Row numbers start, start + 1, ... (at most `count`, within the split). */
export function rowsOf(split: DatasetSplit, start: number, count: number): number[] {
  const n = Math.max(0, Math.min(count, split.size - start));
  return Array.from({ length: n }, (_, i) => start + i);
}

/**
 * n images scaled to [0, 1]: by `range` when the values have a known range, else by their own
 * min and max.
 */
export function toImages(values: ArrayLike<number>, n: number, height: number, width: number, channels: number, range: readonly [number, number] | null): ImageBatch {
  const out = new Float32Array(n * height * width * channels);
  let lo = range?.[0] ?? Number.POSITIVE_INFINITY;
  let hi = range?.[1] ?? Number.NEGATIVE_INFINITY;
  if (!range) {
    for (let i = 0; i < out.length; i++) {
      lo = Math.min(lo, values[i] as number);
      hi = Math.max(hi, values[i] as number);
    }
  }
  const span = hi - lo || 1;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, ((values[i] as number) - lo) / span));
  return { values: out, n, height, width, channels };
}
