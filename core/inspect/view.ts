/**
 * The contract of one inspection view: what it is called, which models it is available for, how
 * it computes its result from a trained session (tensors in, plain typed arrays out, every tensor
 * freed) and which buffers a worker transfers instead of copying. `registry.ts` lists them.
 */
import type { Tile } from './picture';
import type { InspectionSession } from './session';
import type { InspectKind, RequestOf, ResultOf } from './types';

/** Plain options a command line gives a view (each view reads what it needs). */
export interface ViewOptions {
  /** A node id (activations). */
  node?: string | undefined;
  /** Text input (decode: the source text). */
  input?: string | undefined;
  /** Sample row of the inspection split. */
  sample?: number | undefined;
}

export interface InspectionView<K extends InspectKind> {
  kind: K;
  title: string;
  /** Whether the session's model supports the view (from its graph, declarations and dataset). */
  available(session: InspectionSession): boolean;
  /** The request a caller without a UI makes (the CLI): the UI's defaults, overridden by options. */
  request(session: InspectionSession, options: ViewOptions): RequestOf<K>;
  compute(session: InspectionSession, request: RequestOf<K>): ResultOf<K>;
  /** The result's typed arrays' buffers (to transfer, not copy). */
  transfers(result: ResultOf<K>): ArrayBufferLike[];
  /** The result as rows of tiles (images, heat maps, bars) for a PNG. */
  picture(result: ResultOf<K>): Tile[][];
}

/** Declares a view with its kind's request and result types checked. */
export function defineView<K extends InspectKind>(view: InspectionView<K>): InspectionView<K> {
  return view;
}
