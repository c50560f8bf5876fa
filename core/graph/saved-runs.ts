/**
 * Runs in the document's form (no tfjs here, so the UI thread can build them): curves thinned to
 * a bounded size, NaN/Inf written as null, the graph as trained copied beside the weights.
 */
import { LIMITS, type GraphDocument, type RunManifest, type SavedRun, type SavedRunStatus, type SavedWeights } from './document';

/** Curves of a run as the app or the command line recorded them. */
export interface RunCurves {
  steps: readonly number[];
  losses: readonly number[];
  epochSteps: readonly number[];
  epochLoss: readonly number[];
  validationLoss: readonly (number | null)[];
  metrics: Readonly<Record<string, readonly number[]>>;
  validationMetrics: Readonly<Record<string, readonly (number | null)[]>>;
}

const finiteOrNull = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Every k-th point (and the last) so that at most `max` remain. */
export function thinned(steps: readonly number[], values: readonly number[], max: number): { steps: number[]; values: number[] } {
  if (steps.length <= max) return { steps: [...steps], values: [...values] };
  const every = Math.ceil(steps.length / max);
  const keep: number[] = [];
  for (let i = 0; i < steps.length; i += every) keep.push(i);
  if (keep[keep.length - 1] !== steps.length - 1) keep[keep.length - 1] = steps.length - 1;
  return { steps: keep.map((i) => steps[i] as number), values: keep.map((i) => values[i] as number) };
}

export interface SavedRunInput {
  id: string;
  name: string;
  status: SavedRunStatus;
  graph: GraphDocument;
  manifest: RunManifest;
  curves: RunCurves;
  test: { loss: number; metrics: Readonly<Record<string, number>> } | null;
  weights: SavedWeights | null;
  savedAt?: Date;
}

/** A run in the document's form: the graph as trained, curves thinned, NaN/Inf as null. */
export function toSavedRun(input: SavedRunInput): SavedRun {
  const c = input.curves;
  const batch = thinned(c.steps, c.losses, LIMITS.curvePoints);
  const tail = <T>(xs: readonly T[]): T[] => xs.slice(-LIMITS.curvePoints);
  const nullable = (xs: readonly (number | null)[]): (number | null)[] => tail(xs).map(finiteOrNull);
  const record = (r: Readonly<Record<string, readonly (number | null)[]>>): Record<string, (number | null)[]> =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, nullable(v)]));
  return {
    id: input.id,
    name: input.name.slice(0, 200),
    status: input.status,
    savedAt: (input.savedAt ?? new Date()).toISOString(),
    graph: { nodes: structuredClone(input.graph.nodes), edges: structuredClone(input.graph.edges), training: structuredClone(input.graph.training) },
    manifest: structuredClone(input.manifest),
    curves: {
      steps: batch.steps,
      losses: batch.values.map(finiteOrNull),
      epochSteps: tail(c.epochSteps),
      epochLoss: nullable(c.epochLoss),
      validationLoss: nullable(c.validationLoss),
      metrics: record(c.metrics),
      validationMetrics: record(c.validationMetrics),
    },
    test: input.test ? { loss: finiteOrNull(input.test.loss), metrics: Object.fromEntries(Object.entries(input.test.metrics).map(([k, v]) => [k, finiteOrNull(v)])) } : null,
    weights: input.weights,
  };
}

/** The graph a kept run was trained on, as a document of its own (for compiling it). */
export function runGraph(document: GraphDocument, run: SavedRun): GraphDocument {
  return { ...document, nodes: run.graph.nodes, edges: run.graph.edges, training: run.graph.training, runs: [] };
}
