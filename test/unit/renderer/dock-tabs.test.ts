import { describe, expect, it } from 'vitest';
import { VIEW_KINDS } from '../../../core/inspect/registry';
import { DOCK_TABS, tabShows } from '../../../renderer/training/views';
import type { Run } from '../../../renderer/training/training-store';

function runWith(views: Run['capabilities']): Run {
  return { capabilities: views } as Run;
}

describe('the training dock tabs come from the inspection registry', () => {
  it('draws every core/inspect view in exactly one tab', () => {
    const drawn = DOCK_TABS.flatMap((t) => t.draws);
    expect([...drawn].sort()).toEqual([...VIEW_KINDS].sort());
    expect(new Set(DOCK_TABS.map((t) => t.id)).size).toBe(DOCK_TABS.length);
  });

  it("shows a tab when its first view is available for the run's model, and every tab before it compiles", () => {
    const byId = (id: string) => DOCK_TABS.find((t) => t.id === id) as (typeof DOCK_TABS)[number];
    const classifier = runWith({ views: ['sample', 'activations', 'gradient-flow', 'histograms', 'confusion'], conditionalLabel: null, gan: null });
    const shown = DOCK_TABS.filter((t) => tabShows(t, classifier)).map((t) => t.id);
    expect(shown).toEqual(['curves', 'activations', 'gradients', 'confusion']);
    expect(DOCK_TABS.every((t) => tabShows(t, null) && tabShows(t, runWith(null)))).toBe(true);
    // The attention tab follows the attention view, not the decode view it also draws.
    expect(tabShows(byId('attention'), runWith({ views: ['decode'], conditionalLabel: null, gan: null }))).toBe(false);
    expect(tabShows(byId('attention'), runWith({ views: ['attention'], conditionalLabel: null, gan: null }))).toBe(true);
  });
});
