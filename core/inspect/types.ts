/**
 * What the inspection views take and give: requests name a view (`kind`) and its inputs; results
 * are plain numbers, strings and typed arrays, so a worker can transfer them and the CLI can print
 * them as JSON. One request kind = one view in `registry.ts`.
 */
import type { TensorSummary } from '../engine/inspect';

/** What the UI learns about a trained model's views (sent with a run's start and with an opened kept run). */
export interface InspectionCapabilities {
  /** The views available for the model, in the registry's order (`availableViews`). */
  views: InspectKind[];
  /** A conditional VAE: the label Input feeding a OneHot node, and the dataset's class names. */
  conditionalLabel: { inputNodeId: string; classNames: string[] } | null;
  /** A GAN (Noise node, generator, GAN losses): its samples' shape and its losses' formulation. */
  gan: { sampleShape: number[]; formulation: string; verdict: 'probability' | 'score' } | null;
}

/** Fixed-bin histogram: `counts.length` equal bins between min and max. */
export interface BinnedHistogram {
  min: number;
  max: number;
  counts: number[];
}

/** One graph node's trainable variables together. */
export interface LayerHistograms {
  nodeId: string;
  weights: BinnedHistogram;
  gradients: BinnedHistogram;
}

export type InspectRequest =
  | { kind: 'activations'; nodeId: string; sample: number }
  | { kind: 'attention'; sample: number }
  | { kind: 'gradient-flow'; samples: number }
  | { kind: 'decode'; text: string; beamWidth: number }
  | { kind: 'vae'; samples: number; scatter: number }
  | { kind: 'decode-latent'; z: number[][]; label?: number }
  /** A conditional VAE: the run's fixed z samples decoded with this label. */
  | { kind: 'generate'; label: number }
  | { kind: 'confusion'; samples: number }
  /** Weight and gradient histograms per node, the gradients of the first `samples` training rows. */
  | { kind: 'histograms'; samples: number }
  | { kind: 'sample'; sample: number }
  /** A GAN's generated samples from the first `samples` rows of the run's fixed noise. */
  | { kind: 'gan-samples'; samples: number }
  /** A 2-D GAN: real and generated points, D's verdict on a grid x grid, the generator's pull. */
  | { kind: 'gan-field'; samples: number; grid: number }
  /** D(x), D(G(z)), both losses and the diversity of generated samples, on `samples` of each. */
  | { kind: 'gan-game'; samples: number }
  /** Samples from `steps` noise vectors on the line between fixed noise rows `from` and `to`. */
  | { kind: 'gan-interpolate'; from: number; to: number; steps: number };

export interface ActivationPort {
  port: string;
  shape: number[];
  values: Float32Array;
  /** Statistics of this sample's output. */
  summary: TensorSummary;
  /** Statistics over `population` validation samples (dead units, saturation). */
  populationSummary: TensorSummary;
}

export interface ActivationsResult {
  kind: 'activations';
  nodeId: string;
  sample: number;
  population: number;
  ports: ActivationPort[];
}

export interface AttentionView {
  nodeId: string;
  /** Per head: rows (query/target steps) x columns (source steps), row-major. */
  heads: Float32Array[];
  rows: number;
  cols: number;
  rowLabels: string[];
  colLabels: string[];
}

export interface AttentionResult {
  kind: 'attention';
  sample: number;
  maps: AttentionView[];
  /** Seq2seq: the sample's source and target text and the greedy output. */
  source: string | null;
  target: string | null;
  decoded: string | null;
}

export interface GradientFlowResult {
  kind: 'gradient-flow';
  loss: number;
  edges: { edgeId: string; norm: number | null }[];
}

export interface DecodeResultView {
  kind: 'decode';
  input: string;
  output: string;
  /** Beam hypotheses (text, total log-probability), best first. */
  hypotheses: { text: string; logProb: number }[];
  attention: AttentionView | null;
}

export interface ImageBatch {
  /** n images of height x width x channels, values in [0, 1], row-major. */
  values: Float32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

export interface VaeResult {
  kind: 'vae';
  samplingNodeId: string;
  latentDim: number;
  inputs: ImageBatch;
  reconstructions: ImageBatch;
  /** Decoded from the run's fixed z (drawn once per run). */
  prior: ImageBatch;
  /** First two latent dims of mu for validation samples, and their labels (-1 unknown). */
  scatter: { x: Float32Array; y: Float32Array; labels: Int32Array };
}

export interface LatentDecodeResult {
  kind: 'decode-latent';
  images: ImageBatch;
}

export interface GenerateResult {
  kind: 'generate';
  label: number;
  images: ImageBatch;
}

export interface ConfusionResult {
  kind: 'confusion';
  classes: string[];
  /** counts[true * classes + predicted]. */
  counts: Int32Array;
  samples: number;
}

export interface SampleResult {
  kind: 'sample';
  sample: number;
  /** Image features of the sample, if any. */
  image: ImageBatch | null;
  text: string | null;
  label: string | null;
}

export interface HistogramsResult {
  kind: 'histograms';
  layers: LayerHistograms[];
}

/** n generated samples, as the generator gives them and (for image samples) as images. */
export interface GeneratedSamples {
  n: number;
  /** One sample's shape, e.g. [2] or [28, 28, 1]. */
  shape: number[];
  values: Float32Array;
  /** [h, w, c] samples scaled to [0, 1] by the real images' value range; else null. */
  images: ImageBatch | null;
}

export interface GanSamplesResult {
  kind: 'gan-samples';
  samples: GeneratedSamples;
}

/** The square of the plane a 2-D GAN view shows. */
export interface PlaneBounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

export interface GanFieldResult {
  kind: 'gan-field';
  /** Real points (x, y per row) and their count. */
  real: Float32Array;
  realCount: number;
  /** Generated points from the fixed noise. */
  generated: Float32Array;
  generatedCount: number;
  /** Per generated point: minus the gradient of the generator's loss (where its next update pushes it). */
  pull: Float32Array;
  /** D's verdict on grid x grid points, row 0 at yMax, column 0 at xMin. */
  surface: Float32Array;
  grid: number;
  bounds: PlaneBounds;
  /** The verdicts are probabilities (D(x) in [0, 1]) or raw critic / least-squares scores. */
  verdict: 'probability' | 'score';
}

export interface GanGameResult {
  kind: 'gan-game';
  samples: number;
  /** Mean verdicts on real and on generated samples. */
  dReal: number;
  dFake: number;
  verdict: 'probability' | 'score';
  /** Each GAN loss node's value on these samples, by node id (a WGAN-GP critic's with its penalty). */
  losses: Record<string, number>;
  /** WGAN-GP: each critic loss's gradient penalty times lambda on these samples, by node id (else empty). */
  gradientPenalty: Record<string, number>;
  /** Mean pairwise distance of the generated samples, of as many real ones, and their ratio. */
  diversity: { generated: number; real: number; ratio: number };
  /** ratio below MODE_COLLAPSE_RATIO (core/inspect/gan.ts). */
  modeCollapse: boolean;
}

export interface GanInterpolateResult {
  kind: 'gan-interpolate';
  from: number;
  to: number;
  samples: GeneratedSamples;
}

export type InspectResult =
  | ActivationsResult
  | AttentionResult
  | GradientFlowResult
  | DecodeResultView
  | VaeResult
  | LatentDecodeResult
  | GenerateResult
  | ConfusionResult
  | SampleResult
  | HistogramsResult
  | GanSamplesResult
  | GanFieldResult
  | GanGameResult
  | GanInterpolateResult;

export type InspectKind = InspectRequest['kind'];
export type RequestOf<K extends InspectKind> = Extract<InspectRequest, { kind: K }>;
export type ResultOf<K extends InspectKind> = Extract<InspectResult, { kind: K }>;
