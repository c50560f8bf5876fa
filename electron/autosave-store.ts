/**
 * The desktop app's autosave: one file per slot in `<userData>/autosave/`, written atomically
 * (temporary file, fsync, rename, fsync folder: electron/atomic-write.ts), so a crash or a kill at
 * any moment leaves the previous record or the new one. Temporary files a killed process left
 * behind are removed when the store starts (only those of processes that are gone).
 */
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import type { AutosaveSlot } from './api';
import { writeFileAtomic } from './atomic-write';

export interface AutosaveStore {
  read(slot: AutosaveSlot): Promise<string | null>;
  write(slot: AutosaveSlot, text: string): Promise<void>;
  clear(slot: AutosaveSlot): Promise<void>;
}

export interface AutosaveStoreDeps {
  /** The folder, e.g. <userData>/autosave; created on first write. */
  dir: string;
  writeAtomic?: (file: string, data: string) => Promise<void>;
  /** True while a process id is running (default: signal 0). */
  isProcessAlive?: (pid: number) => boolean;
}

// Matches atomic-write.ts#tempPathFor: `.<name>.<pid>-<random>.tmp`.
const TEMP_NAME = /^\.(.+)\.(\d+)-[0-9a-f]+\.tmp$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes temporary files in `dir` left by writers that no longer run; returns their names. */
export async function removeStaleTemps(dir: string, isAlive: (pid: number) => boolean = processAlive): Promise<string[]> {
  let entries: string[];
  try {
    entries = await nodeFs.readdir(dir);
  } catch {
    return []; // no folder yet
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = TEMP_NAME.exec(entry);
    if (!match || isAlive(Number(match[2]))) continue;
    await nodeFs.rm(path.join(dir, entry), { force: true });
    removed.push(entry);
  }
  return removed;
}

export function autosavePath(dir: string, slot: AutosaveSlot): string {
  return path.join(dir, `${slot}.json`);
}

export function createAutosaveStore(deps: AutosaveStoreDeps): AutosaveStore {
  const writeAtomic = deps.writeAtomic ?? ((file, data) => writeFileAtomic(file, data));
  let ready: Promise<void> | null = null;
  const prepare = (): Promise<void> => {
    ready ??= (async () => {
      await nodeFs.mkdir(deps.dir, { recursive: true });
      await removeStaleTemps(deps.dir, deps.isProcessAlive);
    })();
    return ready;
  };
  // Writes to one slot are queued: a slow write finishing after a newer one must not win.
  const queues = new Map<AutosaveSlot, Promise<void>>();
  const enqueue = (slot: AutosaveSlot, job: () => Promise<void>): Promise<void> => {
    const next = (queues.get(slot) ?? Promise.resolve()).then(job, job);
    queues.set(slot, next.catch(() => undefined));
    return next;
  };

  return {
    async read(slot) {
      await prepare();
      await queues.get(slot);
      try {
        return await nodeFs.readFile(autosavePath(deps.dir, slot), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async write(slot, text) {
      await prepare();
      return enqueue(slot, () => writeAtomic(autosavePath(deps.dir, slot), text));
    },
    async clear(slot) {
      await prepare();
      return enqueue(slot, () => nodeFs.rm(autosavePath(deps.dir, slot), { force: true }));
    },
  };
}
