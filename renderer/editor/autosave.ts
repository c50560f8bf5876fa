/**
 * Autosave records: the working document plus when it was written and which file it belongs
 * to. Decoding validates the document like a file open, so a corrupt record is reported, never
 * loaded and never fatal.
 */
import { parseGraph, serializeGraph, type GraphDocument } from '../../core/graph';

const AUTOSAVE_FORMAT = 'netwright.autosave';

export interface AutosaveRecord {
  document: GraphDocument;
  /** Name of the file the document was opened from or saved to; null for an unsaved one. */
  fileName: string | null;
  /** Milliseconds since the epoch. */
  savedAt: number;
}

export function encodeAutosave(record: AutosaveRecord): string {
  return JSON.stringify({
    format: AUTOSAVE_FORMAT,
    version: 1,
    fileName: record.fileName,
    savedAt: record.savedAt,
    document: serializeGraph(record.document),
  });
}

export type DecodedAutosave = { ok: true; record: AutosaveRecord } | { ok: false; reason: string };

export function decodeAutosave(text: string): DecodedAutosave {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the autosaved data is not valid JSON' };
  }
  if (value === null || typeof value !== 'object') return { ok: false, reason: 'the autosaved data is not an object' };
  const r = value as Record<string, unknown>;
  if (r.format !== AUTOSAVE_FORMAT || r.version !== 1) return { ok: false, reason: 'the autosaved data has an unknown format' };
  if (typeof r.savedAt !== 'number' || !Number.isFinite(r.savedAt)) return { ok: false, reason: 'the autosave has no valid time' };
  if (r.fileName !== null && typeof r.fileName !== 'string') return { ok: false, reason: 'the autosave has an invalid file name' };
  if (typeof r.document !== 'string') return { ok: false, reason: 'the autosave has no document' };
  let doc: unknown;
  try {
    doc = JSON.parse(r.document);
  } catch {
    return { ok: false, reason: 'the autosaved document is not valid JSON' };
  }
  const parsed = parseGraph(doc);
  if (!parsed.ok) {
    const first = parsed.errors[0];
    return { ok: false, reason: `the autosaved document is invalid${first ? ` (${first.path}: ${first.message})` : ''}` };
  }
  return { ok: true, record: { document: parsed.graph, fileName: r.fileName as string | null, savedAt: r.savedAt } };
}

// ---------------------------------------------------------------------------------------------
// When to write: debounced, with a maximum wait.

export const AUTOSAVE_DELAY_MS = 1000;
/** During continuous editing a write still happens at least this often. */
export const AUTOSAVE_MAX_WAIT_MS = 5000;

export interface SchedulerTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: SchedulerTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface AutosaveScheduler {
  /** The document changed: write DELAY after the last change, at most MAX_WAIT after the first. */
  changed(): void;
  /** Write now if a write is pending (the page is being hidden or closed). */
  flush(): void;
  cancel(): void;
}

export function createAutosaveScheduler(
  run: () => void,
  options: { delayMs?: number; maxWaitMs?: number; timers?: SchedulerTimers } = {},
): AutosaveScheduler {
  const delay = options.delayMs ?? AUTOSAVE_DELAY_MS;
  const maxWait = options.maxWaitMs ?? AUTOSAVE_MAX_WAIT_MS;
  const timers = options.timers ?? realTimers;
  let timer: unknown = null;
  /** When the oldest change not yet written happened; null when nothing is pending. */
  let firstChangeAt: number | null = null;

  const fire = (): void => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    firstChangeAt = null;
    run();
  };

  return {
    changed() {
      const now = timers.now();
      firstChangeAt ??= now;
      if (timer !== null) timers.clearTimeout(timer);
      const wait = Math.max(0, Math.min(delay, firstChangeAt + maxWait - now));
      timer = timers.setTimeout(fire, wait);
    },
    flush() {
      if (firstChangeAt !== null) fire();
    },
    cancel() {
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      firstChangeAt = null;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Where to write: the shell's autosave slots (files under userData, or localStorage).

/** The slots as the platform provides them (electron/api.ts#AUTOSAVE_SLOTS). */
export interface AutosaveSlotStore {
  read(slot: 'working' | 'recovered' | 'lastSave'): Promise<string | null>;
  write(slot: 'working' | 'recovered' | 'lastSave', text: string): Promise<void>;
  clear(slot: 'working' | 'recovered' | 'lastSave'): Promise<void>;
}

/** The last successful save: which file, when. */
export interface LastSave {
  fileName: string;
  savedAt: number;
}

export function encodeLastSave(save: LastSave): string {
  return JSON.stringify({ format: 'netwright.last-save', version: 1, ...save });
}

function decodeLastSave(text: string | null): LastSave | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    return typeof v.fileName === 'string' && typeof v.savedAt === 'number' && Number.isFinite(v.savedAt)
      ? { fileName: v.fileName, savedAt: v.savedAt }
      : null;
  } catch {
    return null; // only used for a note on the recovery banner
  }
}

/** Work found at start, offered on the recovery banner. */
export interface RecoveryOffer extends AutosaveRecord {
  /** Set when this file was saved after the record was written: the record is older. */
  olderThanSave: LastSave | null;
}

export interface FoundRecovery {
  offer: RecoveryOffer | null;
  /** Why an autosave found could not be offered; null when there was none or it was fine. */
  problem: string | null;
}

/**
 * At start: the previous session's working record (if any) moves to the `recovered` slot, where
 * it stays until the user restores or discards it; the new session autosaves into `working`
 * meanwhile, so neither is lost if the app stops again before the user decides.
 */
export async function findRecovery(slots: AutosaveSlotStore): Promise<FoundRecovery> {
  let problem: string | null = null;
  const working = await slots.read('working');
  if (working !== null) {
    const decoded = decodeAutosave(working);
    if (decoded.ok && decoded.record.document.nodes.length > 0) {
      await slots.write('recovered', working);
    } else if (!decoded.ok) {
      problem = decoded.reason;
    }
    await slots.clear('working');
  }
  const recoveredText = await slots.read('recovered');
  if (recoveredText === null) return { offer: null, problem };
  const recovered = decodeAutosave(recoveredText);
  if (!recovered.ok) {
    await slots.clear('recovered');
    return { offer: null, problem: problem ?? recovered.reason };
  }
  if (recovered.record.document.nodes.length === 0) {
    await slots.clear('recovered');
    return { offer: null, problem };
  }
  const lastSave = decodeLastSave(await slots.read('lastSave'));
  const olderThanSave =
    lastSave && lastSave.fileName === recovered.record.fileName && lastSave.savedAt > recovered.record.savedAt ? lastSave : null;
  return { offer: { ...recovered.record, olderThanSave }, problem };
}

export interface AutosaveSnapshot {
  document: GraphDocument;
  fileName: string | null;
  dirty: boolean;
}

export type AutosaveOutcome =
  | { kind: 'written' }
  | { kind: 'cleared' }
  /** Storage refused the full record; the graph and curves were kept without the runs' weights. */
  | { kind: 'written-without-weights'; reason: string };

/**
 * Writes the working record (or clears it when nothing is unsaved). The slot call starts
 * synchronously, so a flush from `pagehide` reaches localStorage (or the IPC channel) before the
 * page goes. Rejects when storage refuses the record: the caller shows it.
 */
export async function writeWorking(slots: AutosaveSlotStore, snapshot: AutosaveSnapshot, now: number): Promise<AutosaveOutcome> {
  if (!snapshot.dirty) {
    await slots.clear('working');
    return { kind: 'cleared' };
  }
  const record = (document: GraphDocument): string => encodeAutosave({ document, fileName: snapshot.fileName, savedAt: now });
  try {
    await slots.write('working', record(snapshot.document));
    return { kind: 'written' };
  } catch (err) {
    if (!snapshot.document.runs.some((run) => run.weights !== null)) throw err;
    // Kept runs' weights can outgrow the storage quota (a few MB on the web): keep the graph and
    // the runs' curves at least; the weights are in the saved file.
    const withoutWeights = { ...snapshot.document, runs: snapshot.document.runs.map((run) => ({ ...run, weights: null })) };
    await slots.write('working', record(withoutWeights));
    return { kind: 'written-without-weights', reason: err instanceof Error ? err.message : String(err) };
  }
}
