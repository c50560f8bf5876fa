/**
 * Atomic file writes: write a temporary file in the same folder, fsync it, then rename it over
 * the target. A crash at any point leaves either the old file or the new one, never half a file
 * (rename within one file system is atomic on POSIX and on NTFS).
 */
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The slice of node:fs/promises used here, injectable so tests can fail a step on purpose. */
export interface AtomicWriteFs {
  open: (file: string, flags: string, mode?: number) => Promise<nodeFs.FileHandle>;
  rename: (from: string, to: string) => Promise<void>;
  rm: (file: string, options: { force: boolean }) => Promise<void>;
}

export const defaultFs: AtomicWriteFs = {
  open: (file, flags, mode) => nodeFs.open(file, flags, mode),
  rename: (from, to) => nodeFs.rename(from, to),
  rm: (file, options) => nodeFs.rm(file, options),
};

/** The temporary name used beside `target`; hidden, unique per attempt. */
export function tempPathFor(target: string): string {
  const suffix = `${process.pid}-${randomBytes(6).toString('hex')}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}.tmp`);
}

export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  fs: AtomicWriteFs = defaultFs,
): Promise<void> {
  const temp = tempPathFor(target);
  try {
    // 'wx': never follow or reuse an existing file at the temporary name.
    const handle = await fs.open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
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
