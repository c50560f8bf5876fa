/**
 * `train --keep`: the run goes into the graph file, without losing edits saved to that file while
 * it trained. The file's content hash at read is compared with the file now: unchanged, the run is
 * appended to the graph as read; changed but still a valid graph, the run is appended to the
 * current file (a merge); otherwise (gone, unreadable, no longer valid, or full of runs) the run is
 * written beside it as `<name>.run-<n>.json` and the caller says so.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { keepRun, LIMITS, parseGraphText, serializeGraph, type GraphDocument, type SavedRun } from '../core/graph';
import { writeFileAtomic } from '../node/atomic-write';

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type KeepOutcome =
  | { kind: 'kept'; file: string }
  | { kind: 'merged'; file: string }
  | { kind: 'beside'; file: string; reason: string };

async function readCurrent(file: string): Promise<{ text: string } | { error: string }> {
  try {
    const info = await stat(file);
    if (info.size > LIMITS.fileBytes) return { error: `it is now ${info.size} bytes, over the limit` };
    return { text: await readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'it no longer exists' : `it cannot be read (${code ?? (err as Error).message})` };
  }
}

/** `<dir>/<name>.run-<n>.json` with the first n not taken. */
async function besidePath(file: string): Promise<string> {
  const dir = path.dirname(file);
  const name = path.basename(file).replace(/\.json$/i, '');
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, `${name}.run-${n}.json`);
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}

/**
 * Keeps `run` in `file`, which held `readGraph` (text hash `readHash`) when training started.
 * Throws only when nothing could be written (the caller reports it); the run is then not lost
 * silently, the message says where it could not go.
 */
export async function keepRunInFile(file: string, readHash: string, readGraph: GraphDocument, run: SavedRun): Promise<KeepOutcome> {
  const current = await readCurrent(file);
  let reason: string;
  if ('text' in current && contentHash(current.text) === readHash) {
    await writeFileAtomic(file, serializeGraph(keepRun(readGraph, run)));
    return { kind: 'kept', file };
  }
  if ('text' in current) {
    const parsed = parseGraphText(current.text);
    if (parsed.ok && parsed.graph.runs.filter((r) => r.id !== run.id).length < LIMITS.runs) {
      await writeFileAtomic(file, serializeGraph(keepRun(parsed.graph, run)));
      return { kind: 'merged', file };
    }
    reason = parsed.ok
      ? `it was changed while training and now keeps ${parsed.graph.runs.length} runs (the limit)`
      : `it was changed while training and is no longer a valid graph (${parsed.errors[0]?.path}: ${parsed.errors[0]?.message})`;
  } else reason = current.error;
  // The graph as it was read, with the run: a file the app opens like any other.
  const beside = await besidePath(file);
  await writeFileAtomic(beside, serializeGraph(keepRun(readGraph, run)));
  return { kind: 'beside', file: beside, reason };
}
