/**
 * Tensor shapes as shape inference sees them. The first dimension is always the batch.
 * `null` is a symbolic dimension (the batch, or a variable sequence length), as Keras' `None`.
 */
export type Dim = number | null;
export type Shape = readonly Dim[];

/** Raised by a shape rule; the graph-level inference turns it into an error on the node. */
export class ShapeError extends Error {
  constructor(
    message: string,
    /** The input port the problem is on, when there is one. */
    readonly port?: string,
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

export function formatDim(dim: Dim, index: number, rank: number): string {
  if (dim !== null) return String(dim);
  if (index === 0) return 'batch';
  // A symbolic second dimension of a rank >= 3 tensor is a sequence axis.
  if (index === 1 && rank >= 3) return 'time';
  return '?';
}

/** `[batch, 28, 28, 1]`: the way shapes are written on edges, cards and in errors. */
export function formatShape(shape: Shape): string {
  return `[${shape.map((d, i) => formatDim(d, i, shape.length)).join(', ')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Product of the known dimensions after the batch; null if any of them is symbolic. */
export function featureSize(shape: Shape): number | null {
  let size = 1;
  for (let i = 1; i < shape.length; i++) {
    const d = shape[i];
    if (d === null || d === undefined) return null;
    size *= d;
  }
  return size;
}

/** The last dimension, which must be known for most layers that own weights. */
export function lastDim(shape: Shape, what: string, port?: string): number {
  const d = shape[shape.length - 1];
  if (d === null || d === undefined) {
    throw new ShapeError(`${what} needs a known last dimension but got ${formatShape(shape)}`, port);
  }
  return d;
}

export function requireRank(
  shape: Shape,
  rank: number | { min?: number; max?: number },
  what: string,
  hint = '',
  port?: string,
): void {
  const ok =
    typeof rank === 'number'
      ? shape.length === rank
      : (rank.min === undefined || shape.length >= rank.min) && (rank.max === undefined || shape.length <= rank.max);
  if (ok) return;
  const expected =
    typeof rank === 'number'
      ? `rank ${rank}`
      : rank.max === undefined
        ? `rank >= ${rank.min}`
        : rank.min === undefined
          ? `rank <= ${rank.max}`
          : `rank ${rank.min}..${rank.max}`;
  throw new ShapeError(`${what} expects ${expected} but got ${formatShape(shape)}${hint ? `; ${hint}` : ''}`, port);
}

/** Two dims agree when equal or when either is symbolic. */
export function dimsCompatible(a: Dim, b: Dim): boolean {
  return a === null || b === null || a === b;
}
