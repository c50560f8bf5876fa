/** How the CLI words failures: bounded lines, a stack only when asked for. */
import { shortenText } from '../core/graph';

/** The most characters one printed problem may take (hostile input is shortened, not echoed). */
export const MAX_LINE_CHARS = 500;
/** The most problems listed for one file; the rest are counted. */
export const MAX_LISTED = 20;

/** Sets the process exit code of the running command. */
export type SetExitCode = (code: number) => void;

export function boundedLine(text: string): string {
  const firstLine = text.split('\n', 1)[0] ?? '';
  return shortenText(firstLine, MAX_LINE_CHARS);
}

/** Lines `  <path>: <message>`, at most MAX_LISTED of them, each bounded. */
export function listProblems(problems: readonly { path?: string; message: string }[]): string {
  const shown = problems.slice(0, MAX_LISTED).map((p) => `  ${boundedLine(p.path ? `${p.path}: ${p.message}` : p.message)}`);
  if (problems.length > MAX_LISTED) shown.push(`  ... and ${problems.length - MAX_LISTED} more`);
  return shown.join('\n');
}

/** One line for an unexpected error (with its stack, bounded, when `verbose`). */
export function describeUnexpected(err: unknown, verbose: boolean): string {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  const line = `netwright: unexpected error: ${boundedLine(`${name}: ${message}`)}`;
  if (!verbose) return `${line} (run with --verbose for details)`;
  const stack = err instanceof Error && err.stack ? err.stack.split('\n').slice(1, 40).map((l) => shortenText(l, MAX_LINE_CHARS)).join('\n') : '';
  return stack ? `${line}\n${stack}` : line;
}
