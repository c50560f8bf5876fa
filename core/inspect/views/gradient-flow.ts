/** The norm of dL/d(activation) along every edge, for the first samples of the inspection split. */
import { compileSeededWithGradientProbes, copyWeightsByLayerName, gradientFlow } from '../../engine/gradient-flow';
import { bindFeeds } from '../../engine/run';
import { rowsOf } from '../session';
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
});
