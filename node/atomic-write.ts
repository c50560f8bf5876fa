/**
 * Atomic file writes, shared by the Electron main process, the CLI and the scripts: write a
 * temporary file in the same folder, fsync it, rename it over the target, fsync the folder. A
 * crash at any point leaves either the old file or the new one, never half a file (rename within
 * one file system is atomic on POSIX and on NTFS).
 *
 * A process killed mid-write leaves its temporary file behind (nothing portable avoids that), so
 * temporary names carry a recognisable suffix and the writer's pid, and each write first removes
 * the ones in its folder whose writer is gone.
 */
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The slice of node:fs/promises used here, injectable so tests can fail a step on purpose. */
export interface AtomicWriteFs {
  open: (file: string, flags: string, mode?: number) => Promise<nodeFs.FileHandle>;
  rename: (from: string, to: string) => Promise<void>;
  rm: (file: string, options: { force: boolean }) => Promise<void>;
  readdir: (dir: string) => Promise<string[]>;
}

export const defaultFs: AtomicWriteFs = {
  open: (file, flags, mode) => nodeFs.open(file, flags, mode),
  rename: (from, to) => nodeFs.rename(from, to),
  rm: (file, options) => nodeFs.rm(file, options),
  readdir: (dir) => nodeFs.readdir(dir),
};

/** `.<name>.netwright-<pid>-<12 hex>.tmp`: hidden, unique per attempt, names its writer. */
const TEMP_NAME = /^\..+\.netwright-(\d+)-[0-9a-f]{12}\.tmp$/;

/** The temporary name used beside `target`. */
export function tempPathFor(target: string): string {
  const suffix = `netwright-${process.pid}-${randomBytes(6).toString('hex')}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}.tmp`);
}

/** The pid that wrote a temporary file, or null when `name` is not one of ours. */
export function tempFileWriter(name: string): number | null {
  const match = TEMP_NAME.exec(name);
  return match ? Number(match[1]) : null;
}

/** Whether a process with this pid exists (EPERM: it does, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files in `dir` left by writers that are no longer running. Best effort: a
 * folder that cannot be listed, or a file already gone, is not an error. Returns the names removed.
 */
export async function removeStaleTempFiles(
  dir: string,
  fs: AtomicWriteFs = defaultFs,
  alive: (pid: number) => boolean = processAlive,
): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempFileWriter(name);
    if (pid === null || pid === process.pid || alive(pid)) continue;
    try {
      await fs.rm(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // Another writer cleaned it first, or it is not ours to remove: leave it.
    }
  }
  return removed;
}

/**
 * Writes `data` to `target` atomically. `data` may be an iterable of chunks, written as they come
 * (a dataset's arrays streamed without holding the whole file).
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | Iterable<Uint8Array>,
  fs: AtomicWriteFs = defaultFs,
): Promise<void> {
  await removeStaleTempFiles(path.dirname(target), fs);
  const temp = tempPathFor(target);
  try {
    // 'wx': never follow or reuse an existing file at the temporary name.
    const handle = await fs.open(temp, 'wx', 0o644);
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      else for (const chunk of data) await writeWhole(handle, chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(path.dirname(target), fs);
}

/** Writes all of `chunk` at the handle's position (one write() may take fewer bytes). */
async function writeWhole(handle: nodeFs.FileHandle, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.byteLength; ) {
    const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at);
    at += bytesWritten;
  }
}

/** Persists the rename itself; best effort, as Windows cannot open folders for fsync. */
async function syncDirectory(dir: string, fs: AtomicWriteFs): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported on this platform; the data itself is already synced.
  }
}
