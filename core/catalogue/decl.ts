/**
 * The layer contract. One declaration per node type holds everything about that type: its
 * parameters, ports, shape rule, parameter count, how it becomes tfjs (Keras' layer contract) and
 * the small examples on which every tfjs backend must compute it alike.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type * as tfc from '@tensorflow/tfjs-core';
import type { ParamSpecs, ParamValues } from './params';
import { ShapeError, type Shape } from '../shapes/shape';

export type SymbolicTensor = tfl.SymbolicTensor;

export const CATEGORIES = [
  'Inputs',
  'Core',
  'Merge',
  'Convolution',
  'Pooling',
  'Normalization',
  'Recurrent',
  'Attention',
  'Generative',
  'Losses',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * What a port means to the inspection views, which find a model's parts by role (never by type
 * or port name): an attention weights output, a VAE's sampled latent, a softmax classifier's
 * class scores, the class indices a one-hot encodes (a conditional model's label), a GAN's
 * noise and the discriminator's scores for real and generated samples.
 */
export type PortRole = 'attention' | 'sampler' | 'classifier' | 'class-index' | 'noise' | 'real-score' | 'fake-score';

export interface PortSpec {
  name: string;
  role?: PortRole;
  /** Shown beside the handle; defaults to the name. */
  label?: string;
  help?: string;
  /** The node is valid without a wire here (e.g. an initial state). */
  optional?: boolean;
  /** Several wires may end here (Concatenate, Add); their order is the order of the edges in the document. */
  multiple?: boolean;
}

export type Ports<P> = readonly PortSpec[] | ((params: P) => readonly PortSpec[]);

export interface ShapeContext<P> {
  params: P;
  /** Shapes arriving at each input port, one per wire (empty for an unwired optional port). */
  inputs: Readonly<Record<string, readonly Shape[]>>;
}

export interface ParamCount {
  trainable: number;
  nonTrainable: number;
}

export interface BuildContext<P> {
  params: P;
  /** Unique base name for the tfjs layers this node creates. */
  name: string;
  inputs: Readonly<Record<string, readonly SymbolicTensor[]>>;
}

interface DeclBase<S extends ParamSpecs> {
  /** Keras-like type name, unique in the catalogue: "Dense", "Conv2D". */
  type: string;
  category: Category;
  /** One line, shown as the palette tooltip. */
  description: string;
  params: S;
  inputs: Ports<ParamValues<S>>;
  /** Cross-parameter rules the per-parameter schemas cannot express; a message per problem. */
  validateParams?: (params: ParamValues<S>) => string[];
  /**
   * The version of this type's parameters (1 when absent). Raise it when a parameter changes name,
   * meaning or shape, and give `migrate`: files store a node's `paramsVersion` when it is above 1,
   * and parsing brings older parameters up to date type by type (no document-wide migration).
   */
  paramsVersion?: number;
  /** Parameters written at version `from` (below `paramsVersion`) rewritten as this version's; throws with the reason. */
  migrate?: (params: Readonly<Record<string, unknown>>, from: number) => Record<string, unknown>;
}

/** One sample's input to a backend-agreement example (no batch axis). */
export interface ExampleInput {
  shape: number[];
  /** int32 ids in [0, intMax) (Embedding), or a 0/1 padding mask (not differentiated). */
  kind?: 'float' | 'ids' | 'mask';
  intMax?: number;
}

/**
 * A small valid configuration on which every tfjs backend must give the same outputs and the same
 * gradients (w.r.t. every trainable weight and float input) as cpu; see core/engine/backend-check.
 */
export interface BackendExample {
  params: Readonly<Record<string, unknown>>;
  /** Inputs by port, one entry per wire. */
  inputs: Readonly<Record<string, readonly ExampleInput[]>>;
  /**
   * A gap of tfjs 4.22 itself, the same on every backend: the example must fail with this error on
   * both (so the test notices when the layer is changed to avoid it, and the example can move).
   */
  tfjsGap?: RegExp;
  /** The output does not depend on the inputs' values (Noise): only the outputs are compared. */
  noGradient?: true;
}

/** One float input at a port that takes one wire. */
export const oneInput = (shape: number[]): ExampleInput[] => [{ shape }];

export interface LayerDecl<S extends ParamSpecs = ParamSpecs> extends DeclBase<S> {
  kind: 'layer' | 'input';
  outputs: Ports<ParamValues<S>>;
  /** Pure shape rule: output port -> shape. Throws ShapeError with an actionable message. */
  inferShapes(ctx: ShapeContext<ParamValues<S>>): Record<string, Shape>;
  /** Exactly what Keras' `model.summary()` / tfjs `countParams()` reports. */
  countParams(ctx: ShapeContext<ParamValues<S>>): ParamCount;
  /** Floating point operations per sample of the forward pass (multiply-add = 2). */
  flops?(ctx: ShapeContext<ParamValues<S>> & { outputs: Readonly<Record<string, Shape>> }): number;
  /** The only part that touches tfjs: apply this node to symbolic inputs. */
  build(ctx: BuildContext<ParamValues<S>>): Record<string, SymbolicTensor>;
  /**
   * Required of kind 'layer' (defineLayer enforces it, a test requires at least one): chosen to
   * exercise the gradient paths that differ (strides, 'same' padding, dilation, masks, dropout...).
   */
  backendExamples?: readonly BackendExample[];
}

/** A computing layer must carry its backend-agreement examples; an Input has nothing to compute. */
type DeclaredLayer<S extends ParamSpecs> = LayerDecl<S> & ({ kind: 'input' } | { kind: 'layer'; backendExamples: readonly BackendExample[] });

/** The tensors of the usual two-port loss (ports `prediction` and `target`). */
export interface LossTensors {
  prediction: tfc.Tensor;
  target: tfc.Tensor;
}

/**
 * The tensors wired to a loss, keyed by the names of its input ports (`inputs`); an unwired
 * optional port is absent. A loss with other ports (GaussianKL: `mu`, `logvar`) names them there.
 */
export type LossInputs = Readonly<Record<string, tfc.Tensor | undefined>>;

export interface LossDecl<S extends ParamSpecs = ParamSpecs, T extends object = LossInputs> extends DeclBase<S> {
  kind: 'loss';
  /** Throws ShapeError when the tensors at the input ports cannot be compared. */
  checkShapes(ctx: ShapeContext<ParamValues<S>>): void;
  /** Mean loss over the batch (sum over the loss' own reduction axes first). */
  compute(tensors: T, params: ParamValues<S>): tfc.Scalar;
}

export type NodeDecl = LayerDecl | LossDecl;

/** Declarations are written with precise parameter types and stored under the common contract. */
export function defineLayer<S extends ParamSpecs>(decl: DeclaredLayer<S>): LayerDecl {
  return decl as unknown as LayerDecl;
}
/** `T` types the tensors by port name; the stored contract takes them as `LossInputs`. */
export function defineLoss<S extends ParamSpecs, T extends object = LossTensors>(decl: LossDecl<S, T>): LossDecl {
  return decl as unknown as LossDecl;
}

export function portsOf<P>(ports: Ports<P>, params: P): readonly PortSpec[] {
  return typeof ports === 'function' ? ports(params) : ports;
}

/** The single shape at a port that takes one wire. */
export function inputShape<P>(ctx: ShapeContext<P>, port = 'in'): Shape {
  const shapes = ctx.inputs[port];
  const first = shapes?.[0];
  if (!first) throw new ShapeError(`input "${port}" is not connected`, port);
  return first;
}

/** The single symbolic tensor at a port that takes one wire. */
export function inputTensor<P>(ctx: BuildContext<P>, port = 'in'): SymbolicTensor {
  const t = ctx.inputs[port]?.[0];
  if (!t) throw new Error(`build: input "${port}" is not connected`);
  return t;
}

export const NO_PARAMS: ParamCount = { trainable: 0, nonTrainable: 0 };
export const IN_PORT: readonly PortSpec[] = [{ name: 'in' }];
export const OUT_PORT: readonly PortSpec[] = [{ name: 'out' }];
