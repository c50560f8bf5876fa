/** How a document's problems name where they are: JSON paths and bounded texts (below parse.ts and json-budget.ts, which both use them). */

/** A problem in a document, at its JSON path (parse.ts and migrations.ts report these). */
export interface DocumentError {
  /** JSON path of the offending value, e.g. `nodes[3].params.units`; `$` is the whole file. */
  path: string;
  message: string;
}

/** Keys are short in every valid document (ids, parameter and metric names: at most 64). */
export const KEY_CHARS = 1_024;
/** Keys and messages are shown at most this long: a hostile key of megabytes is not echoed. */
const SHOWN_CHARS = 64;
const SHOWN_MESSAGE_CHARS = 400;

/** A text cut to `max` characters, saying how long it was. */
export function shortenText(text: string, max = SHOWN_MESSAGE_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length.toLocaleString('en-US')} characters)` : text;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && key.length <= SHOWN_CHARS && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(shortenText(String(key), SHOWN_CHARS))}]`;
  }
  return out;
}
