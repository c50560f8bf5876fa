/** The autosave's timing (debounce with a maximum wait), recovery slots and failure reporting. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyGraph, serializeGraph } from '../../../core/graph';
import { TEMPLATES } from '../../../core/templates';
import {
  AUTOSAVE_DELAY_MS,
  AUTOSAVE_MAX_WAIT_MS,
  createAutosaveScheduler,
  decodeAutosave,
  encodeAutosave,
  encodeLastSave,
  findRecovery,
  writeWorking,
  type AutosaveSlotStore,
} from '../../../renderer/editor/autosave';
import { keptRun } from '../electron/graph-with-runs';

type Slot = Parameters<AutosaveSlotStore['read']>[0];

function memorySlots(options: { refuseOver?: number } = {}) {
  const slots = new Map<Slot, string>();
  const store: AutosaveSlotStore = {
    read: async (slot) => slots.get(slot) ?? null,
    write: async (slot, text) => {
      if (options.refuseOver !== undefined && text.length > options.refuseOver) {
        throw new Error(`QuotaExceededError: ${text.length} characters do not fit`);
      }
      slots.set(slot, text);
    },
    clear: async (slot) => {
      slots.delete(slot);
    },
  };
  return { slots, store };
}

const template = TEMPLATES.find((t) => t.id === 'autoencoder-mnist') ?? TEMPLATES[0];
if (!template) throw new Error('no templates');
const documentWithNodes = template.build();

describe('autosave scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes once, a delay after the last of several quick changes', () => {
    const run = vi.fn();
    const scheduler = createAutosaveScheduler(run);
    scheduler.changed();
    vi.advanceTimersByTime(AUTOSAVE_DELAY_MS / 2);
    scheduler.changed();
    vi.advanceTimersByTime(AUTOSAVE_DELAY_MS - 1);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledOnce();
  });

  it('during continuous editing still writes within the maximum wait', () => {
    const run = vi.fn();
    const scheduler = createAutosaveScheduler(run);
    // A change every half delay: a plain debounce would never fire.
    for (let t = 0; t < AUTOSAVE_MAX_WAIT_MS * 3; t += AUTOSAVE_DELAY_MS / 2) {
      scheduler.changed();
      vi.advanceTimersByTime(AUTOSAVE_DELAY_MS / 2);
    }
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('flushes a pending write at once (page hidden) and does nothing when none is pending', () => {
    const run = vi.fn();
    const scheduler = createAutosaveScheduler(run);
    scheduler.flush();
    expect(run).not.toHaveBeenCalled();
    scheduler.changed();
    scheduler.flush();
    expect(run).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(AUTOSAVE_MAX_WAIT_MS * 2);
    expect(run).toHaveBeenCalledOnce(); // the timer went with the flush
  });
});

describe('recovery slots', () => {
  it('moves the previous session’s work to its own slot and offers it; new autosaves do not touch it', async () => {
    const { slots, store } = memorySlots();
    const earlier = encodeAutosave({ document: documentWithNodes, fileName: 'ae.json', savedAt: 1000 });
    slots.set('working', earlier);
    const found = await findRecovery(store);
    expect(found.problem).toBeNull();
    expect(found.offer?.fileName).toBe('ae.json');
    expect(found.offer?.olderThanSave).toBeNull();
    expect(slots.get('recovered')).toBe(earlier);
    expect(slots.has('working')).toBe(false);

    // The user keeps working before deciding: autosave goes on, into `working`.
    const edited = { ...emptyGraph(), metadata: { ...emptyGraph().metadata, name: 'new work' } };
    const withNode = { ...edited, nodes: documentWithNodes.nodes.slice(0, 1) };
    await writeWorking(store, { document: withNode, fileName: null, dirty: true }, 2000);
    expect(slots.get('recovered')).toBe(earlier);
    const working = decodeAutosave(slots.get('working') ?? '');
    expect(working.ok && working.record.document.metadata.name).toBe('new work');
  });

  it('an undecided offer survives another restart', async () => {
    const { slots, store } = memorySlots();
    slots.set('recovered', encodeAutosave({ document: documentWithNodes, fileName: null, savedAt: 1000 }));
    expect((await findRecovery(store)).offer?.savedAt).toBe(1000);
    expect((await findRecovery(store)).offer?.savedAt).toBe(1000);
  });

  it('says when the recovered work is older than the last save of its file', async () => {
    const { slots, store } = memorySlots();
    slots.set('working', encodeAutosave({ document: documentWithNodes, fileName: 'ae.json', savedAt: 1000 }));
    slots.set('lastSave', encodeLastSave({ fileName: 'ae.json', savedAt: 5000 }));
    expect((await findRecovery(store)).offer?.olderThanSave).toEqual({ fileName: 'ae.json', savedAt: 5000 });

    slots.set('lastSave', encodeLastSave({ fileName: 'other.json', savedAt: 5000 }));
    expect((await findRecovery(store)).offer?.olderThanSave).toBeNull();
  });

  it('skips a corrupt record with the reason, and offers nothing for an empty graph', async () => {
    const { slots, store } = memorySlots();
    slots.set('working', '{"format":"netwright.autosave","version":1,"savedAt":1,"fileName":null,"document":"{broken');
    const found = await findRecovery(store);
    expect(found.offer).toBeNull();
    expect(found.problem).toBe('the autosaved data is not valid JSON');
    expect(slots.size).toBe(0);

    slots.set('working', encodeAutosave({ document: emptyGraph(), fileName: null, savedAt: 1 }));
    expect(await findRecovery(store)).toEqual({ offer: null, problem: null });
  });
});

describe('writing the working record', () => {
  it('clears it when nothing is unsaved', async () => {
    const { slots, store } = memorySlots();
    slots.set('working', 'old');
    expect(await writeWorking(store, { document: documentWithNodes, fileName: null, dirty: false }, 1)).toEqual({ kind: 'cleared' });
    expect(slots.has('working')).toBe(false);
  });

  it('keeps the graph and curves without weights when the full record does not fit, and says so', async () => {
    const graph = documentWithNodes;
    const run = { ...keptRun(graph, 'r1', 'Run 1'), weights: { specs: [], data: 'A'.repeat(400_000), checksum: null } };
    const document = { ...graph, runs: [run] };
    const { slots, store } = memorySlots({ refuseOver: 300_000 });
    const outcome = await writeWorking(store, { document, fileName: 'ae.json', dirty: true }, 7);
    expect(outcome).toMatchObject({ kind: 'written-without-weights', reason: expect.stringContaining('QuotaExceededError') });
    const saved = decodeAutosave(slots.get('working') ?? '');
    if (!saved.ok) throw new Error(saved.reason);
    expect(saved.record.document.runs[0]?.weights).toBeNull();
    expect(saved.record.document.runs[0]?.curves).toEqual(run.curves);
    expect(serializeGraph({ ...saved.record.document, runs: [] })).toBe(serializeGraph({ ...document, runs: [] }));
  });

  it('rejects (for the UI to show) when even the graph does not fit', async () => {
    const { store } = memorySlots({ refuseOver: 10 });
    await expect(writeWorking(store, { document: documentWithNodes, fileName: null, dirty: true }, 1)).rejects.toThrow('QuotaExceededError');
  });
});
