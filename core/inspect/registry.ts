/**
 * Every inspection view, in the order the dock shows them. The worker's inspect call, the CLI's
 * `inspect` command and the dock's tabs all come from this list: a new view is one file in
 * views/ plus its line here (and its request/result types in types.ts).
 */
import { renderPicture, type Raster } from './picture';
import { ganRoles, verdictIsProbability } from '../engine/gan';
import { conditionalLabel, samplingNode } from './roles';
import type { InspectionSession } from './session';
import type { InspectionCapabilities, InspectKind, InspectRequest, InspectResult, RequestOf, ResultOf } from './types';
import type { InspectionView, ViewOptions } from './view';
import { activationsView } from './views/activations';
import { attentionView } from './views/attention';
import { confusionView } from './views/confusion';
import { decodeView } from './views/decode';
import { ganFieldView, ganGameView, ganInterpolateView, ganSamplesView } from './views/gan';
import { gradientFlowView } from './views/gradient-flow';
import { histogramsView } from './views/histograms';
import { decodeLatentView, generateView, vaeView } from './views/latent';
import { sampleView } from './views/sample';

type ViewTable = { [K in InspectKind]: InspectionView<K> };

const VIEWS: ViewTable = {
  sample: sampleView,
  activations: activationsView,
  'gradient-flow': gradientFlowView,
  histograms: histogramsView,
  confusion: confusionView,
  attention: attentionView,
  decode: decodeView,
  vae: vaeView,
  'decode-latent': decodeLatentView,
  generate: generateView,
  'gan-samples': ganSamplesView,
  'gan-field': ganFieldView,
  'gan-game': ganGameView,
  'gan-interpolate': ganInterpolateView,
};

/** Every view's kind, in display order. */
export const VIEW_KINDS: readonly InspectKind[] = Object.keys(VIEWS) as InspectKind[];

export function isViewKind(kind: string): kind is InspectKind {
  return Object.hasOwn(VIEWS, kind);
}

export function viewOf<K extends InspectKind>(kind: K): InspectionView<K> {
  const view = VIEWS[kind] as InspectionView<K> | undefined;
  if (!view) throw new Error(`no inspection view '${String(kind)}' (views: ${VIEW_KINDS.join(', ')})`);
  return view;
}

/** The views the session's model supports. */
export function availableViews(session: InspectionSession): InspectKind[] {
  return VIEW_KINDS.filter((kind) => viewOf(kind).available(session));
}

function ganCapability(session: InspectionSession): InspectionCapabilities['gan'] {
  const gan = ganRoles(session.graph, session.compiled);
  return gan ? { sampleShape: gan.sampleShape, formulation: gan.formulation, verdict: verdictIsProbability(gan.formulation) ? 'probability' : 'score' } : null;
}

/** What the UI receives with a run: its available views, a conditional VAE's labels, a GAN's sample shape and verdict. */
export function capabilitiesOf(session: InspectionSession): InspectionCapabilities {
  return {
    views: availableViews(session),
    conditionalLabel: samplingNode(session.compiled.analysis) ? conditionalLabel(session.graph, session.compiled.analysis, session.dataset) : null,
    gan: ganCapability(session),
  };
}

/** Computes a view's result (every tensor it makes is freed). */
export function computeView<K extends InspectKind>(session: InspectionSession, request: RequestOf<K>): ResultOf<K>;
export function computeView(session: InspectionSession, request: InspectRequest): InspectResult;
export function computeView(session: InspectionSession, request: InspectRequest): InspectResult {
  const view = viewOf(request.kind) as InspectionView<InspectKind>;
  return view.compute(session, request as never);
}

/** The request a caller without a UI makes for a view: its defaults, overridden by options. */
export function defaultRequest<K extends InspectKind>(session: InspectionSession, kind: K, options: ViewOptions = {}): RequestOf<K> {
  return viewOf(kind).request(session, options);
}

/** The typed arrays' buffers of a result, once each, to transfer instead of copying. */
export function viewTransferables(result: InspectResult): ArrayBufferLike[] {
  const view = viewOf(result.kind) as InspectionView<InspectKind>;
  return [...new Set(view.transfers(result as never))];
}

/** The result drawn as one picture (RGBA pixels), e.g. for a PNG. */
export function viewPicture(result: InspectResult): Raster {
  const view = viewOf(result.kind) as InspectionView<InspectKind>;
  return renderPicture(view.picture(result as never));
}
