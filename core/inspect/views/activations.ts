/** A node's outputs for one sample, with statistics of that sample and of a population. */
import { nodeOutputs } from '../../engine/inspect';
import { rowsOf } from '../session';
import { bars, heatmap, type Tile } from '../picture';
import { defineView } from '../view';

/** Dead units are judged over this many samples (a unit is dead when it is 0 for all of them). */
const POPULATION = 128;
const BINS = 24;

export const activationsView = defineView({
  kind: 'activations',
  title: 'Activations',
  available: (s) => s.compiled.analysis.order.length > 0,
  request(s, options) {
    const nodeId = options.node ?? s.compiled.analysis.order.find((id) => s.graph.nodes.find((n) => n.id === id)?.type !== 'Input');
    if (!nodeId) throw new Error('activations: the graph has no layer node; name one with --node');
    return { kind: 'activations', nodeId, sample: options.sample ?? 0 };
  },
  compute(s, { nodeId, sample }) {
    const ports = Object.keys(s.compiled.nodeTensors.get(nodeId) ?? {}).map((port) => ({ nodeId, port }));
    if (ports.length === 0) return { kind: 'activations', nodeId, sample, population: 0, ports: [] };
    const split = s.inspectionSplit();
    const input = s.feedsFor(split, [Math.min(sample, split.size - 1)]);
    const population = s.feedsFor(split, rowsOf(split, 0, POPULATION));
    try {
      const outputs = nodeOutputs(s.compiled, s.graph, input.feeds, ports, { bins: BINS });
      const overBatch = nodeOutputs(s.compiled, s.graph, population.feeds, ports, { bins: BINS });
      return {
        kind: 'activations',
        nodeId,
        sample,
        population: population.batch.size,
        ports: outputs.map((o, i) => ({
          port: o.port,
          shape: o.shape,
          values: o.values instanceof Float32Array ? o.values : Float32Array.from(o.values),
          summary: o.summary,
          populationSummary: (overBatch[i] as (typeof overBatch)[number]).summary,
        })),
      };
    } finally {
      input.dispose();
      population.dispose();
    }
  },
  transfers: (result) => result.ports.map((p) => p.values.buffer),
  // Per port: feature maps ([1, h, w, c]: one heat map per channel) or the values as one heat map row.
  picture: (result) =>
    result.ports.map((p): Tile[] => {
      const [, h, w, c] = p.shape as [number, number, number, number];
      if (p.shape.length === 4) {
        return Array.from({ length: c }, (_, k) => heatmap(Array.from({ length: h * w }, (_, i) => p.values[i * c + k] as number), h, w));
      }
      const cols = p.values.length;
      return [heatmap(p.values, 1, cols), bars(p.summary.histogram.counts)];
    }),
});
