/** The norm of dL/d(activation) along every edge, for the first samples of the inspection split. */
import { compileSeededWithGradientProbes, copyWeightsByLayerName, gradientFlow } from '../../engine/gradient-flow';
import { bindFeeds } from '../../engine/run';
import { rowsOf } from '../session';
import { bars } from '../picture';
import { defineView } from '../view';

export const gradientFlowView = defineView({
  kind: 'gradient-flow',
  title: 'Gradient flow',
  available: (s) => s.compiled.losses.length > 0,
  request: () => ({ kind: 'gradient-flow', samples: 32 }),
  compute(s, { samples }) {
    if (!s.probed) s.probed = compileSeededWithGradientProbes(s.graph);
    copyWeightsByLayerName(s.compiled.model, s.probed.model);
    const names = bindFeeds(s.probed, s.graph, s.dataset);
    const split = s.inspectionSplit();
    const input = s.feedsFor(split, rowsOf(split, 0, samples), names);
    try {
      const flow = gradientFlow(s.probed, s.graph, input.feeds);
      return { kind: 'gradient-flow', loss: flow.loss, edges: flow.edges.map((e) => ({ edgeId: e.edgeId, norm: e.norm })) };
    } finally {
      input.dispose();
    }
  },
  transfers: () => [],
  // One bar per edge: log10 of its norm above the smallest (norms span decades).
  picture(result) {
    const logs = result.edges.map((e) => (e.norm !== null && e.norm > 0 ? Math.log10(e.norm) : Number.NaN));
    const floor = Math.min(...logs.filter(Number.isFinite));
    return [[bars(logs.map((l) => (Number.isFinite(l) ? l - floor + 0.1 : 0)), 48)]];
  },
});
