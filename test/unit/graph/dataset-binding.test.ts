/** Binding Input nodes to a dataset's features: by choice (name + shape + dtype together) and by name. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getDatasetSpec } from '../../../core/data';
import { analyzeGraph, bindableFeatures, bindInputsByName, bindInputToFeature, inputsMatchingByName, parseGraphText, type GraphDocument } from '../../../core/graph';

function mlpMnist(): GraphDocument {
  const parsed = parseGraphText(readFileSync('examples/mlp-mnist.json', 'utf8'));
  if (!parsed.ok) throw new Error('the example must parse');
  return parsed.graph;
}

/** The example with its Inputs unbound, given other shapes, and (optionally) renamed. */
function unbound(names: Record<string, string | undefined> = {}): GraphDocument {
  const graph = mlpMnist();
  return {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.type === 'Input' ? { ...n, name: n.id in names ? names[n.id] : n.name, params: { ...n.params, feature: '', shape: [3], dtype: 'int32' } } : n,
    ),
  };
}

const params = (graph: GraphDocument, id: string) => graph.nodes.find((n) => n.id === id)?.params;
const mnistFeatures = () => {
  const found = bindableFeatures({ id: 'mnist', options: {} });
  if (!found.ok) throw new Error(found.message);
  return found.features;
};

describe('dataset binding', () => {
  it('lists the features then the labels of the chosen dataset with their shapes and dtypes', () => {
    const spec = getDatasetSpec('mnist');
    const found = bindableFeatures({ id: 'mnist', options: {} });
    expect(found.ok && found.features.map((f) => [f.name, f.shape, f.dtype])).toEqual([...spec.features, ...spec.labels].map((f) => [f.name, f.shape, f.dtype]));
    expect(found.ok && found.features.map((f) => f.name)).toEqual(['image', 'label']);
  });

  it('refuses an unknown dataset or invalid options with a message naming them', () => {
    const unknown = bindableFeatures({ id: 'no-such-set', options: {} });
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.message).toMatch(/no-such-set/);
    const bad = bindableFeatures({ id: 'spirals', options: { size: 5 } });
    expect(!bad.ok && bad.message).toMatch(/size/);
  });

  it('binding one Input sets its feature, shape and dtype together, and analysis gives it that shape', () => {
    const label = mnistFeatures().find((f) => f.name === 'label');
    if (!label) throw new Error('mnist has a label');
    const bound = bindInputToFeature(unbound(), 'image', label);
    expect(params(bound, 'image')).toMatchObject({ feature: 'label', shape: [...label.shape], dtype: label.dtype });
    expect(analyzeGraph(bound).nodes.get('image')?.outputs.out).toEqual([null, ...label.shape]);
    // Unbinding clears the name only: the shape stays what it was.
    expect(params(bindInputToFeature(bound, 'image', null), 'image')).toMatchObject({ feature: '', shape: [...label.shape] });
  });

  it('binds unbound Inputs whose name or id equals a feature name, ignoring case', () => {
    const graph = unbound({ image: 'IMAGE', label: undefined });
    expect(inputsMatchingByName(graph, mnistFeatures()).map((m) => [m.nodeId, m.feature.name])).toEqual([
      ['image', 'image'],
      ['label', 'label'],
    ]);
    const bound = bindInputsByName(graph, mnistFeatures());
    expect(params(bound, 'image')).toMatchObject({ feature: 'image', shape: [28, 28, 1], dtype: 'float32' });
    expect(params(bound, 'label')).toMatchObject({ feature: 'label', shape: [], dtype: 'int32' });
    expect(inputsMatchingByName(bound, mnistFeatures())).toEqual([]);
  });

  it('leaves Inputs already bound to a feature of the dataset, and those matching no feature', () => {
    // An Input whose name and id match no feature ('pixels', 'x0'), and one bound to another feature.
    const graph = { ...unbound({ image: 'pixels' }), nodes: unbound({ image: 'pixels' }).nodes.map((n) => (n.id === 'image' ? { ...n, id: 'x0' } : n)) };
    const crossBound = { ...graph, nodes: graph.nodes.map((n) => (n.id === 'label' ? { ...n, params: { ...n.params, feature: 'image' } } : n)) };
    expect(inputsMatchingByName(crossBound, mnistFeatures())).toEqual([]);
    expect(bindInputsByName(crossBound, mnistFeatures())).toBe(crossBound);
    // A feature the dataset lacks (an old file) counts as unbound.
    const stale = { ...graph, nodes: graph.nodes.map((n) => (n.id === 'label' ? { ...n, params: { ...n.params, feature: 'digit' } } : n)) };
    expect(inputsMatchingByName(stale, mnistFeatures()).map((m) => m.nodeId)).toEqual(['label']);
  });
});
