import { rename, writeFile } from 'node:fs/promises';

/** Writes a file atomically (temp + rename), so an interrupted run never leaves half a file. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, data);
  await rename(temp, path);
}
