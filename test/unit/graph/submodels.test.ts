/**
 * Sub-models in the document: the interface derived from the cut wires, issues at their JSON
 * paths naming the sub-model and the node, the version 4 -> 5 migration, and the pure edits.
 */
import { describe, expect, it } from 'vitest';
import {
  addSubmodel,
  analyzeGraph,
  extractSubmodel,
  GRAPH_VERSION,
  parseGraph,
  parseGraphText,
  removeElements,
  removeSubmodel,
  renameSubmodel,
  serializeGraph,
  submodelInterface,
  type GraphDocument,
} from '../../../core/graph';
import { getTemplate } from '../../../core/templates';

function template(id: string): GraphDocument {
  const graph = getTemplate(id)?.build();
  if (!graph) throw new Error(`no template ${id}`);
  return graph;
}

function face(graph: GraphDocument, name: string) {
  const analysis = analyzeGraph(graph);
  const submodel = graph.submodels?.find((s) => s.name === name);
  if (!submodel) throw new Error(`no sub-model ${name}`);
  return submodelInterface(graph, analysis.nodes, submodel, analysis.order);
}

describe('sub-model interface (derived from the wires crossing its border)', () => {
  it("the VAE decoder's input is the latent sample and its output the reconstruction", () => {
    const f = face(template('vae-mlp-mnist'), 'decoder');
    expect(f.inputs.map((i) => [i.source, i.inputId, i.shape, i.dtype])).toEqual([[{ node: 'z', port: 'z' }, 'z', [null, 20], 'float32']]);
    expect(f.outputs).toEqual([{ node: 'reconstruction', port: 'out' }]);
  });

  it("the conditional VAE decoder takes the latent and the one-hot label, in graph order", () => {
    const f = face(template('cvae-mnist'), 'decoder');
    expect(f.inputs.map((i) => [i.source.node, i.shape])).toEqual([
      ['label_onehot', [null, 10]],
      ['z', [null, 8]],
    ]);
  });

  it("the GAN generator's input is the noise (the Noise node stays outside), its output the points", () => {
    const graph = template('gan-2d');
    const f = face(graph, 'generator');
    expect(f.inputs.map((i) => [i.inputId, i.shape])).toEqual([['noise', [null, 8]]]);
    expect(f.outputs).toEqual([{ node: 'generated', port: 'out' }]);
    const d = face(graph, 'discriminator');
    expect(d.inputs.map((i) => [i.inputId, i.shape, i.feature])).toEqual([['real', [null, 2], 'point']]);
    expect(d.outputs).toEqual([{ node: 'd_score', port: 'out' }]);
  });

  it('an output read inside the sub-model and outside it is an output once; one source read twice is one input', () => {
    const graph = template('vae-mlp-mnist');
    graph.submodels = [{ name: 'encoder', nodes: ['encoder', 'mu', 'logvar'] }];
    const f = face(graph, 'encoder');
    expect(f.inputs.map((i) => i.source)).toEqual([{ node: 'flatten', port: 'out' }]);
    expect(f.outputs.map((o) => o.node).sort()).toEqual(['logvar', 'mu']);
  });

  it('extracts a graph of its own: its nodes as they are, one Input per input, the wires re-pointed', () => {
    const graph = template('vae-mlp-mnist');
    const { graph: part } = extractSubmodel(graph, analyzeGraph(graph), 'decoder');
    expect(part.nodes.map((n) => [n.id, n.type])).toEqual([
      ['z', 'Input'],
      ['decoder', 'Dense'],
      ['reconstruction', 'Dense'],
    ]);
    expect(part.nodes[0]?.params).toEqual({ shape: [20], dtype: 'float32', feature: '' });
    expect(part.edges.map((e) => `${e.source.node}.${e.source.port}->${e.target.node}`)).toEqual(['z.out->decoder', 'decoder.out->reconstruction']);
    const analysis = analyzeGraph(part);
    expect(analysis.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const whole = analyzeGraph(graph);
    const count = (id: string) => whole.nodes.get(id)?.params.trainable ?? 0;
    expect(analysis.totals.trainable).toBe(count('decoder') + count('reconstruction'));
    expect(analysis.totals.trainable).toBe(20 * 350 + 350 + 350 * 784 + 784);
  });
});

describe('sub-model issues', () => {
  const issuesOf = (graph: GraphDocument) => analyzeGraph(graph).issues.filter((i) => i.path?.startsWith('$.submodels'));

  it('the templates declare valid sub-models', () => {
    for (const id of ['vae-mlp-mnist', 'vae-conv-mnist', 'cvae-mnist', 'gan-2d']) expect(issuesOf(template(id))).toEqual([]);
  });

  it('names the sub-model, the node and the JSON path', () => {
    const graph = template('gan-2d');
    graph.submodels = [
      { name: 'generator', nodes: ['g_hidden1', 'nowhere', 'g_hidden1', 'g_loss'] },
      { name: 'generator', nodes: ['d_hidden1_fake'] },
    ];
    const issues = issuesOf(graph);
    expect(issues.map((i) => [i.path, i.nodeId ?? null])).toEqual([
      ['$.submodels[0].nodes[1]', null],
      ['$.submodels[0].nodes[2]', 'g_hidden1'],
      ['$.submodels[0].nodes[3]', 'g_loss'],
      ['$.submodels[1].name', null],
      ['$.submodels[1].nodes[0]', 'd_hidden1_fake'],
    ]);
    expect(issues[0]?.message).toBe('sub-model "generator": has "nowhere", which is not a node of this graph');
    expect(issues[2]?.message).toMatch(/^sub-model "generator": has the loss node g_loss \(GANGeneratorLoss\)/);
    expect(issues[4]?.message).toMatch(/applies the weights of d_hidden1 \(Dense\) outside the sub-model/);
    expect(issues.every((i) => i.severity === 'error')).toBe(true);
  });

  it('extracting a sub-model with problems, or one that does not exist, says why', () => {
    const graph = template('gan-2d');
    expect(() => extractSubmodel(graph, analyzeGraph(graph), 'critic')).toThrow('the graph has no sub-model "critic"; its sub-models are "generator", "discriminator"');
    graph.submodels = [{ name: 'generator', nodes: ['g_hidden1', 'g_loss'] }];
    expect(() => extractSubmodel(graph, analyzeGraph(graph), 'generator')).toThrow(/\$\.submodels\[0\]\.nodes\[1\]: sub-model "generator": has the loss node/);
  });

  it('a malformed name is a parse error at its path', () => {
    const graph = template('gan-2d');
    graph.submodels = [{ name: '1 bad name', nodes: ['g_hidden1'] }];
    const r = parseGraph(JSON.parse(serializeGraph(graph)));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.path).toBe('$.submodels[0].name');
  });
});

describe('sub-models in files', () => {
  it('a version 4 file opens as version 5 without sub-models; sub-models round-trip byte for byte', () => {
    const graph = template('gan-2d');
    const { submodels: _none, ...v4 } = { ...graph, version: 4 };
    const r = parseGraph(v4);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.graph.version).toBe(GRAPH_VERSION);
      expect(GRAPH_VERSION).toBe(5);
      expect(r.graph.submodels).toBeUndefined();
      expect(serializeGraph(r.graph)).not.toContain('submodels');
    }
    const text = serializeGraph(graph);
    const again = parseGraphText(text);
    expect(again.ok).toBe(true);
    if (again.ok) {
      expect(again.graph.submodels).toEqual(graph.submodels);
      expect(serializeGraph(again.graph)).toBe(text);
    }
  });
});

describe('sub-model edits', () => {
  it('add (layers only, graph order), rename, remove; names checked', () => {
    const base = template('vae-mlp-mnist');
    const { submodels: _s, ...plain } = base;
    const added = addSubmodel(plain, 'head', ['reconstruction', 'reconstruction_loss', 'decoder']);
    expect(added.submodels).toEqual([{ name: 'head', nodes: ['decoder', 'reconstruction'] }]);
    expect('submodels' in plain).toBe(false);
    expect(() => addSubmodel(added, 'head', ['mu'])).toThrow('a sub-model is already named "head"');
    expect(() => addSubmodel(added, 'two words', ['mu'])).toThrow(/not a sub-model name/);
    expect(() => addSubmodel(added, 'losses', ['kl'])).toThrow(/select the layers/);
    const renamed = renameSubmodel(added, 'head', 'generator');
    expect(renamed.submodels?.[0]?.name).toBe('generator');
    expect(removeSubmodel(renamed, 'generator').submodels).toBeUndefined();
    expect('submodels' in removeSubmodel(renamed, 'generator')).toBe(false);
  });

  it('deleting nodes takes them out of sub-models; a sub-model left empty goes', () => {
    const graph = template('gan-2d');
    const fewer = removeElements(graph, ['g_hidden2']);
    expect(fewer.submodels?.map((s) => [s.name, s.nodes])).toEqual([
      ['generator', ['g_hidden1', 'generated']],
      ['discriminator', ['d_hidden1', 'd_hidden2', 'd_score']],
    ]);
    const none = removeElements(graph, ['g_hidden1', 'g_hidden2', 'generated', 'd_hidden1', 'd_hidden2', 'd_score']);
    expect(none.submodels).toBeUndefined();
    expect(removeElements(graph, ['kl_missing']).submodels).toBe(graph.submodels);
  });
});
