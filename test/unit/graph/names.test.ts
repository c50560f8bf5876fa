/** Node names are unique: paste and duplicate give fresh names, renames to a name in use are refused. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addNode, createAnalyzer, emptyGraph, extractSubgraph, pasteSubgraph, renameNode, renameProblem, type GraphDocument } from '../../../core/graph';
import { getTemplate } from '../../../core/templates';

const shown = (g: GraphDocument) => g.nodes.map((n) => (n.name && n.name.length > 0 ? n.name : n.id));

describe('unique node names', () => {
  it('duplicating a named node gives hidden_2, then hidden_3', () => {
    const mlp = getTemplate('mlp-mnist')?.build() as GraphDocument;
    const once = pasteSubgraph(mlp, extractSubgraph(mlp, ['hidden']), { x: 40, y: 40 }).graph;
    const twice = pasteSubgraph(once, extractSubgraph(mlp, ['hidden']), { x: 80, y: 80 }).graph;
    expect(shown(twice).filter((n) => n.startsWith('hidden'))).toEqual(['hidden', 'hidden_2', 'hidden_3']);
    expect(new Set(shown(twice)).size).toBe(twice.nodes.length);
  });

  it('renaming to a name in use is refused with the reason; the same name or a free one is accepted', () => {
    const mlp = getTemplate('mlp-mnist')?.build() as GraphDocument;
    expect(renameProblem(mlp, 'logits', 'hidden')).toMatch(/"hidden" is already the name of another node \(Dense hidden\)/);
    expect(() => renameNode(mlp, 'logits', 'hidden')).toThrow(/already the name/);
    expect(renameProblem(mlp, 'logits', 'logits')).toBeNull();
    expect(renameNode(mlp, 'logits', 'scores').nodes.find((n) => n.id === 'logits')?.name).toBe('scores');
  });

  it('a new node never takes an id that another node shows as its name', () => {
    let g = emptyGraph();
    g = addNode(g, 'Dense', { x: 0, y: 0 }).graph;
    g = renameNode(g, 'dense', 'dense_2');
    const added = addNode(g, 'Dense', { x: 0, y: 0 });
    expect(added.id).toBe('dense_3');
  });

  it('any sequence of adds, pastes and accepted renames keeps names unique', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), type: fc.constantFrom('Dense', 'Flatten', 'Dropout') }),
      fc.record({ kind: fc.constant('paste' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: fc.constantFrom('a', 'b', 'dense', 'dense_2', 'relu', 'hidden') }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        let g = emptyGraph();
        for (const s of steps) {
          const node = g.nodes.length > 0 && s.kind !== 'add' ? g.nodes[s.pick % g.nodes.length] : undefined;
          if (s.kind === 'add') g = addNode(g, s.type, { x: 0, y: 0 }).graph;
          else if (s.kind === 'paste' && node) g = pasteSubgraph(g, extractSubgraph(g, [node.id]), { x: 10, y: 10 }).graph;
          else if (s.kind === 'rename' && node && !renameProblem(g, node.id, s.name)) g = renameNode(g, node.id, s.name);
          expect(new Set(shown(g)).size).toBe(g.nodes.length);
        }
      }),
    );
  });

  it('a document with duplicate names (an older file) opens, and analysis names both nodes', () => {
    const mlp = getTemplate('mlp-mnist')?.build() as GraphDocument;
    const dup = { ...mlp, nodes: mlp.nodes.map((n) => (n.id === 'logits' ? { ...n, name: 'hidden' } : n)) };
    const issues = createAnalyzer().analyze(dup).issues.filter((i) => i.message.includes('two nodes are named'));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain('Dense hidden and Dense logits');
    expect(issues[0]?.nodeId).toBe('logits');
  });
});
