/**
 * Model-based undo test: random command sequences over many seeds. Undo-all must return the
 * initial document, redo-all the final one; selection and panel changes are never undo entries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allDecls } from '../../../core/catalogue/registry';
import { portsOf } from '../../../core/catalogue/decl';
import { addNode, connect, extractSubgraph, moveNodes, pasteSubgraph, removeElements, renameNode, renameProblem, setParams, setTraining } from '../../../core/graph/edit';
import { parseGraph, serializeGraph, type GraphDocument } from '../../../core/graph';
import { getTemplate } from '../../../core/templates';
import { createEditorStore, isDirty } from '../../../renderer/state/store';

type Command =
  | { kind: 'add'; type: number; x: number; y: number }
  | { kind: 'remove'; pick: number }
  | { kind: 'connect'; a: number; b: number; pa: number; pb: number }
  | { kind: 'move'; pick: number; dx: number; dy: number }
  | { kind: 'rename'; pick: number; name: string }
  | { kind: 'param'; pick: number; value: number }
  | { kind: 'paste'; pick: number }
  | { kind: 'training'; lr: number }
  | { kind: 'select'; pick: number }
  | { kind: 'panel'; open: boolean };

const decls = allDecls();
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), type: fc.nat(decls.length - 1), x: fc.integer({ min: -500, max: 500 }), y: fc.integer({ min: -500, max: 500 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('connect' as const), a: fc.nat(), b: fc.nat(), pa: fc.nat(), pb: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), dx: fc.integer({ min: -50, max: 50 }), dy: fc.integer({ min: -50, max: 50 }) }),
  fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('param' as const), pick: fc.nat(), value: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('paste' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('training' as const), lr: fc.constantFrom(0.1, 0.01, 0.001) }),
  fc.record({ kind: fc.constant('select' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('panel' as const), open: fc.boolean() }),
);

function apply(graph: GraphDocument, c: Command): GraphDocument {
  const pickNode = (i: number) => graph.nodes[i % Math.max(1, graph.nodes.length)];
  switch (c.kind) {
    case 'add':
      return addNode(graph, (decls[c.type] as (typeof decls)[number]).type, { x: c.x, y: c.y }).graph;
    case 'remove': {
      const n = pickNode(c.pick);
      return n ? removeElements(graph, [n.id]) : graph;
    }
    case 'connect': {
      const a = pickNode(c.a);
      const b = pickNode(c.b);
      if (!a || !b) return graph;
      const da = decls.find((d) => d.type === a.type);
      const db = decls.find((d) => d.type === b.type);
      if (!da || !db || da.kind === 'loss') return graph;
      const outs = portsOf(da.outputs, a.params as never);
      const ins = portsOf(db.inputs, b.params as never);
      if (outs.length === 0 || ins.length === 0) return graph;
      return connect(graph, { source: { node: a.id, port: (outs[c.pa % outs.length] as { name: string }).name }, target: { node: b.id, port: (ins[c.pb % ins.length] as { name: string }).name } }).graph;
    }
    case 'move': {
      const n = pickNode(c.pick);
      return n ? moveNodes(graph, { [n.id]: { x: n.position.x + c.dx, y: n.position.y + c.dy } }) : graph;
    }
    case 'rename': {
      const n = pickNode(c.pick);
      // A name in use is refused (no edit).
      return n && !renameProblem(graph, n.id, c.name) ? renameNode(graph, n.id, c.name) : graph;
    }
    case 'param': {
      const n = pickNode(c.pick);
      if (!n || !('units' in n.params)) return graph;
      return setParams(graph, n.id, { units: c.value });
    }
    case 'paste': {
      const n = pickNode(c.pick);
      return n ? pasteSubgraph(graph, extractSubgraph(graph, [n.id]), { x: 40, y: 40 }).graph : graph;
    }
    case 'training':
      return setTraining(graph, { learningRate: c.lr });
    default:
      return graph;
  }
}

describe('undo and redo over the document', () => {
  it('undo-all returns the initial document and redo-all the final one (300 seeds)', () => {
    fc.assert(
      fc.property(fc.constantFrom('mlp-mnist', 'seq2seq-dates', 'vae-mlp-mnist'), fc.array(commandArb, { maxLength: 30 }), (templateId, commands) => {
        const initial = (getTemplate(templateId) as { build(): GraphDocument }).build();
        const store = createEditorStore(initial);
        let expectedEntries = 0;
        for (const c of commands) {
          const before = store.getState().document;
          if (c.kind === 'select') {
            const n = before.nodes[c.pick % Math.max(1, before.nodes.length)];
            store.getState().select({ nodes: n ? [n.id] : [], edges: [] });
          } else if (c.kind === 'panel') {
            store.getState().setPanel('summary', c.open);
          } else {
            store.getState().edit((g) => apply(g, c));
          }
          if (store.getState().document !== before) expectedEntries++;
        }
        const final = store.getState().document;
        // Every edit leaves a valid document.
        expect(parseGraph(JSON.parse(serializeGraph(final))).ok).toBe(true);
        const temporal = store.temporal.getState();
        expect(temporal.pastStates.length).toBe(expectedEntries);
        temporal.undo(expectedEntries);
        expect(serializeGraph(store.getState().document)).toBe(serializeGraph(initial));
        store.temporal.getState().redo(expectedEntries);
        expect(serializeGraph(store.getState().document)).toBe(serializeGraph(final));
      }),
      { numRuns: 300, seed: 424242 },
    );
  });

  it('loading a document clears history and tracks unsaved changes', () => {
    const store = createEditorStore();
    store.getState().edit((g) => addNode(g, 'Dense', { x: 0, y: 0 }).graph);
    expect(store.temporal.getState().pastStates.length).toBe(1);
    const mlp = (getTemplate('mlp-mnist') as { build(): GraphDocument }).build();
    store.getState().load(mlp, { name: 'mlp.json', handle: null, savedText: serializeGraph(mlp) });
    expect(store.temporal.getState().pastStates.length).toBe(0);
    expect(isDirty(store.getState())).toBe(false);
    store.getState().edit((g) => setTraining(g, { epochs: 3 }));
    expect(isDirty(store.getState())).toBe(true);
    store.temporal.getState().undo();
    expect(isDirty(store.getState())).toBe(false);
  });

  it('removing nodes drops them from the selection without an extra entry', () => {
    const mlp = (getTemplate('mlp-mnist') as { build(): GraphDocument }).build();
    const store = createEditorStore(mlp);
    store.getState().select({ nodes: ['hidden', 'logits'], edges: [] });
    store.getState().edit((g) => removeElements(g, ['hidden']));
    expect(store.getState().selection.nodes).toEqual(['logits']);
    expect(store.temporal.getState().pastStates.length).toBe(1);
    expect(store.getState().document.edges.some((e) => e.source.node === 'hidden' || e.target.node === 'hidden')).toBe(false);
  });
});
