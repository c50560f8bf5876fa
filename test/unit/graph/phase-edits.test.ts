/**
 * Editing training phases (the setup form's Phases): a plain setup split into its implicit phase
 * plus a copy, patches checked before they reach the document (empty lists and duplicate names
 * refused with the reason), removal back to the plain setup; every result parses as a document
 * and the analysis of the gan-2d template's phases stays clean.
 */
import { describe, expect, it } from 'vitest';
import { addPhase, analyzeGraph, parseGraphText, phasePatchProblem, phaseUpdatableNodes, removePhase, serializeGraph, setPhase, type GraphDocument } from '../../../core/graph';
import { getTemplate } from '../../../core/templates';

const template = (id: string) => getTemplate(id)?.build() as GraphDocument;
const reparses = (g: GraphDocument) => {
  const parsed = parseGraphText(serializeGraph(g));
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return parsed.graph;
};

describe('phase edits', () => {
  it('split a plain setup into its implicit phase (every loss, every weight, its optimizer) plus a copy', () => {
    const plain = template('vae-mlp-mnist');
    expect(plain.training.phases).toBeUndefined();
    const analysis = analyzeGraph(plain);
    const split = addPhase(plain, analysis.nodes);
    const phases = split.training.phases ?? [];
    expect(phases.map((p) => p.name)).toEqual(['train', 'phase 2']);
    const losses = plain.nodes.filter((n) => analysis.nodes.get(n.id)?.decl?.kind === 'loss').map((n) => n.id);
    expect(phases[0]?.losses).toEqual(losses);
    expect(phases[0]?.updates).toEqual(phaseUpdatableNodes(plain, analysis.nodes));
    // Only nodes with weights of their own: no Input, no Sampling, no loss.
    for (const id of phases[0]?.updates ?? []) expect(analysis.nodes.get(id)?.params.trainable).toBeGreaterThan(0);
    expect(phases[0]).toMatchObject({ optimizer: plain.training.optimizer, learningRate: plain.training.learningRate, steps: 1, clipWeights: null });
    expect(phases[1]).toEqual({ ...phases[0], name: 'phase 2' });
    expect(reparses(split).training.phases).toEqual(phases);
    expect(plain.training.phases).toBeUndefined(); // pure
  });

  it('refuse what the document would refuse, with the reason, before editing', () => {
    const gan = template('gan-2d');
    expect(phasePatchProblem(gan, 0, { losses: [] })).toMatch(/at least one loss/);
    expect(phasePatchProblem(gan, 0, { updates: [] })).toMatch(/at least one node/);
    const other = gan.training.phases?.[1]?.name as string;
    expect(phasePatchProblem(gan, 0, { name: other })).toContain(`another phase is named "${other}"`);
    expect(phasePatchProblem(gan, 0, { name: '  ' })).toMatch(/needs a name/);
    expect(() => setPhase(gan, 0, { losses: [] })).toThrow(/at least one loss/);
    expect(phasePatchProblem(gan, 0, { steps: 5, name: 'critic' })).toBeNull();
  });

  it('change one phase and nothing else; an unchanged patch returns the same document', () => {
    const gan = template('gan-2d');
    const edited = setPhase(gan, 0, { steps: 5, name: ' critic ', learningRate: 5e-4 });
    expect(edited.training.phases?.[0]).toMatchObject({ name: 'critic', steps: 5, learningRate: 5e-4 });
    expect(edited.training.phases?.[1]).toBe(gan.training.phases?.[1]);
    expect(setPhase(edited, 0, { steps: 5 })).toBe(edited);
    expect(analyzeGraph(reparses(edited)).issues.filter((i) => i.path?.startsWith('$.training.phases'))).toEqual([]);
  });

  it('remove phases; removing the last leaves the plain setup', () => {
    const gan = template('gan-2d');
    const one = removePhase(gan, 0);
    expect(one.training.phases?.map((p) => p.name)).toEqual([gan.training.phases?.[1]?.name]);
    const none = removePhase(one, 0);
    expect(none.training.phases).toBeUndefined();
    expect('phases' in none.training).toBe(false);
    expect(reparses(none).training.phases).toBeUndefined();
    expect(removePhase(none, 0)).toBe(none);
  });

  it('refuse a ninth phase and a split of a graph without a loss', () => {
    let g = template('gan-2d');
    for (let i = 2; i < 8; i++) g = addPhase(g, analyzeGraph(g).nodes);
    expect(g.training.phases).toHaveLength(8);
    expect(() => addPhase(g, analyzeGraph(g).nodes)).toThrow(/at most 8 phases/);
    const empty = { ...template('gan-2d'), nodes: [], edges: [], training: { ...template('gan-2d').training, phases: undefined } };
    delete empty.training.phases;
    expect(() => addPhase(empty, analyzeGraph(empty).nodes)).toThrow(/needs a loss node and a node with weights/);
  });
});
