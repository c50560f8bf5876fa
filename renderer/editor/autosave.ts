/**
 * Autosave records: the working document plus when it was written and which file it belongs
 * to. Decoding validates the document like a file open, so a corrupt record is reported, never
 * loaded and never fatal.
 */
import { parseGraph, serializeGraph, type GraphDocument } from '../../core/graph';

export const AUTOSAVE_KEY = 'netwright.autosave';
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
