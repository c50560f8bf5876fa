/**
 * The desktop app's autosave: one file per slot in `<userData>/autosave/`, written atomically
 * (temporary file, fsync, rename, fsync folder: node/atomic-write.ts), so a crash or a kill at
 * any moment leaves the previous record or the new one. Temporary files a killed process left
 * behind are removed when the store starts (only those of processes that are gone).
 */
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import type { AutosaveSlot } from './api';
import { defaultFs, removeStaleTempFiles, writeFileAtomic } from '../node/atomic-write';

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

/** Removes temporary files in `dir` left by writers that no longer run; returns their names. */
export function removeStaleTemps(dir: string, isAlive?: (pid: number) => boolean): Promise<string[]> {
  return removeStaleTempFiles(dir, defaultFs, isAlive);
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
