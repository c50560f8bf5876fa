/** Reading a graph file from disk for the commands, with the CLI's exit codes. */
import { readFile, stat } from 'node:fs/promises';
import { LIMITS, parseGraphText, type DocumentError, type GraphDocument } from '../core/graph';
import { contentHash } from './keep-run';
import { listProblems } from './report';

export type ReadGraphResult =
  | { ok: true; graph: GraphDocument; /** SHA-256 of the text read, to notice later changes. */ hash: string }
  | { ok: false; kind: 'unreadable'; message: string }
  | { ok: false; kind: 'invalid'; errors: DocumentError[] };

export async function readGraphFile(path: string): Promise<ReadGraphResult> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { ok: false, kind: 'unreadable', message: `${path} is not a file` };
    if (info.size > LIMITS.fileBytes) {
      return { ok: false, kind: 'unreadable', message: `${path} is ${info.size} bytes, over the limit of ${LIMITS.fileBytes}` };
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return { ok: false, kind: 'unreadable', message: `cannot read ${path}: ${reason}` };
  }
  const parsed = parseGraphText(text);
  return parsed.ok ? { ...parsed, hash: contentHash(text) } : { ok: false, kind: 'invalid', errors: parsed.errors };
}

/** How a command reports a failure: its exit code and one message (the command adds its own channel, e.g. JSON lines). */
export type Fail = (code: number, message: string) => void;

/**
 * The graph of `path` for a command that needs a valid one: on failure reports through `fail` (exit
 * 2 when the file cannot be read, 1 when it is not a valid graph, with each problem's path) and
 * returns null.
 */
export async function readValidGraph(path: string, fail: Fail): Promise<{ graph: GraphDocument; hash: string } | null> {
  const read = await readGraphFile(path);
  if (read.ok) return { graph: read.graph, hash: read.hash };
  if (read.kind === 'unreadable') fail(2, read.message);
  else fail(1, `${path} is not a valid graph:\n${listProblems(read.errors)}`);
  return null;
}
