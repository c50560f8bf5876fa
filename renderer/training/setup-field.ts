/**
 * What a training-setup field shows and what it commits, as pure functions (the form and the
 * model-based test use the same ones). A field shows the document's value; a draft is what the
 * user is typing, and it belongs to the document it was typed over: any document change (undo,
 * a template, a commit of its own) drops it, so a field never shows a value training won't use.
 */
import type { ParamSpec } from '../../core/catalogue/params';
import type { GraphDocument, ParamValueJson } from '../../core/graph';
import { formatParamValue, parseParamInput } from '../editor/param-input';

export interface Draft {
  text: string;
  /** The document the draft was typed over. */
  of: GraphDocument;
}

/** A refusal, shown at the field until the document changes. */
export interface Refusal {
  message: string;
  of: GraphDocument;
}

/** The text the field shows: the draft typed over this very document, else the document's value. */
export function fieldText(spec: ParamSpec, value: unknown, draft: Draft | null, document: GraphDocument): string {
  return draft !== null && draft.of === document ? draft.text : formatParamValue(spec, value);
}

export type FieldCommit = { kind: 'unchanged' } | { kind: 'commit'; value: ParamValueJson } | { kind: 'refused'; message: string };

/** What committing typed text does: nothing, an edit of the document, or a refusal with the reason. */
export function commitField(spec: ParamSpec, text: string, current: unknown): FieldCommit {
  const parsed = parseParamInput(spec, text);
  if (!parsed.ok) return { kind: 'refused', message: parsed.message };
  return JSON.stringify(parsed.value) === JSON.stringify(current) ? { kind: 'unchanged' } : { kind: 'commit', value: parsed.value };
}
