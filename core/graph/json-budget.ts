/**
 * A linear scan of a graph file's text before JSON.parse, so a hostile file is refused for what
 * its size alone decides (too many values, too deep, a huge key or string) without building it:
 * JSON.parse of 48 MB of tiny values takes seconds and over a gigabyte. Never throws; malformed
 * JSON is left for JSON.parse to report.
 */
import { LIMITS } from './document';
import { formatPath, KEY_CHARS } from './json-path';

export interface TextBudgetError {
  path: string;
  message: string;
}

interface Frame {
  readonly array: boolean;
  /** Arrays: index of the current element; objects: members read so far. */
  index: number;
  /** Objects: where the current member's key is in the text (sliced only for a path). */
  keyStart: number;
  keyEnd: number;
  /** Objects: the next string is a key. */
  expectKey: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Raw characters a string may take (escapes such as \u00e9 take six for one). */
const STRING_RAW_CHARS = LIMITS.stringLength * 6;
/** Raw characters of one run's weights: base64 has no escapes, plus the quotes' slack. */
const WEIGHT_RAW_CHARS = LIMITS.weightChars;

function keyOf(text: string, frame: Frame): string | null {
  return frame.keyStart < 0 ? null : text.slice(frame.keyStart, frame.keyEnd);
}

function pathOf(text: string, stack: readonly Frame[]): string {
  const keys: (string | number)[] = [];
  for (const frame of stack) {
    if (frame.array) keys.push(frame.index);
    else if (frame.keyStart >= 0 && !frame.expectKey) keys.push(keyOf(text, frame) as string);
  }
  return formatPath(keys);
}

/** `runs[i].weights.data`: the one place a string may be megabytes long. */
function atWeightData(text: string, stack: readonly Frame[]): boolean {
  if (stack.length !== 4) return false;
  const [root, runs, run, weights] = stack as [Frame, Frame, Frame, Frame];
  return !root.array && keyOf(text, root) === 'runs' && runs.array && !run.array && keyOf(text, run) === 'weights' && !weights.array && keyOf(text, weights) === 'data';
}

/** Index of the quote closing the string whose opening quote is at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    for (let i = at - 1; i > open && text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** The first budget the text breaks, or null when JSON.parse may go ahead. */
export function checkTextBudget(text: string): TextBudgetError | null {
  // The top level must be an object; anything else is refused without reading further.
  let start = 0;
  while (start < text.length && /\s/.test(text[start] as string)) start++;
  if (start < text.length && text.charCodeAt(start) !== OPEN_OBJECT) {
    return { path: '$', message: 'expected a JSON object (a Netwright graph file)' };
  }
  const stack: Frame[] = [];
  let values = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (end < 0) return null;
      const length = end - i - 1;
      const top = stack[stack.length - 1];
      if (top && !top.array && top.expectKey) {
        if (length > KEY_CHARS) {
          const shown = `${text.slice(i + 1, i + 1 + 64)}... (${length.toLocaleString('en-US')} characters)`;
          return { path: `${pathOf(text, stack)}[${JSON.stringify(shown)}]`, message: `a key of ${length.toLocaleString('en-US')} characters is longer than the limit of ${KEY_CHARS}` };
        }
        top.keyStart = i + 1;
        top.keyEnd = end;
        top.expectKey = false;
        // One member: its value is counted here whatever it is.
        values++;
        if (++top.index > LIMITS.objectKeys) {
          return { path: pathOf(text, stack), message: `an object with more than ${LIMITS.objectKeys.toLocaleString('en-US')} keys: more than any graph file has` };
        }
      } else {
        const limit = atWeightData(text, stack) ? WEIGHT_RAW_CHARS : STRING_RAW_CHARS;
        if (length > limit) {
          return { path: pathOf(text, stack), message: `a string of ${length.toLocaleString('en-US')} characters is longer than the limit of ${limit.toLocaleString('en-US')}` };
        }
      }
      i = end;
      continue;
    }
    switch (c) {
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        values++;
        if (stack.length >= LIMITS.depth) return { path: pathOf(text, stack), message: `nested deeper than ${LIMITS.depth} levels` };
        stack.push({ array: c === OPEN_ARRAY, index: 0, keyStart: -1, keyEnd: -1, expectKey: c === OPEN_OBJECT });
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        stack.pop();
        break;
      case COMMA: {
        const top = stack[stack.length - 1];
        if (top?.array) {
          if (++top.index >= LIMITS.arrayItems) {
            return { path: pathOf(text, stack), message: `an array of more than ${LIMITS.arrayItems.toLocaleString('en-US')} elements: longer than any graph file has` };
          }
          // Each comma in an array starts another value; an object's values count with their keys.
          values++;
        } else if (top) top.expectKey = true;
        break;
      }
      default:
        // Numbers, literals, colons and whitespace: counted by the key or comma before them.
        break;
    }
    if (values > LIMITS.jsonValues) {
      return { path: pathOf(text, stack), message: `more than ${LIMITS.jsonValues.toLocaleString('en-US')} values: too many for a graph file` };
    }
  }
  return null;
}
