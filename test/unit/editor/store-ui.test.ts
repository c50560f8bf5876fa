import { describe, expect, it } from 'vitest';
import { addNode, connect } from '../../../core/graph/edit';
import { createEditorStore } from '../../../renderer/state/store';

describe('editor store UI state for the training dock', () => {
  it('highlight and edge overlay change neither the document nor the undo history', () => {
    const store = createEditorStore();
    store.getState().edit((g) => addNode(g, 'Input', { x: 0, y: 0 }).graph);
    store.getState().edit((g) => addNode(g, 'Flatten', { x: 200, y: 0 }).graph);
    store.getState().edit((g) => connect(g, { source: { node: 'input', port: 'out' }, target: { node: 'flatten', port: 'in' } }).graph);
    const document = store.getState().document;
    const entries = store.temporal.getState().pastStates.length;
    store.getState().setHighlight({ nodeId: 'flatten', kind: 'nonFinite' });
    store.getState().setEdgeOverlay({ e: { width: 4, color: '#f00', label: '|g| = 0.3' } });
    expect(store.getState().highlight).toEqual({ nodeId: 'flatten', kind: 'nonFinite' });
    expect(store.getState().edgeOverlay).toEqual({ e: { width: 4, color: '#f00', label: '|g| = 0.3' } });
    expect(store.getState().document).toBe(document);
    expect(store.temporal.getState().pastStates.length).toBe(entries);
    store.temporal.getState().undo();
    expect(store.getState().document.edges).toHaveLength(0);
    // Undo restores documents only: the UI state stays as the dock left it.
    expect(store.getState().highlight).toEqual({ nodeId: 'flatten', kind: 'nonFinite' });
    store.getState().setHighlight(null);
    store.getState().setEdgeOverlay(null);
    expect(store.getState().highlight).toBeNull();
    expect(store.getState().edgeOverlay).toBeNull();
  });
});
