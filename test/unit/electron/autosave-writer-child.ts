/**
 * Run as a child process by autosave-store.test.ts: writes autosave records through the desktop
 * app's writer (electron/autosave-store.ts) as fast as it can until it is killed. Each record is
 * large (so a kill often lands mid-write) and carries its own checksum.
 */
import { createHash } from 'node:crypto';
import { createAutosaveStore } from '../../../electron/autosave-store';

const dir = process.argv[2];
if (!dir) throw new Error('usage: autosave-writer-child.ts <dir>');
const store = createAutosaveStore({ dir });

function record(seq: number): string {
  const body = `${seq}:`.padEnd(1024 * 1024, String.fromCharCode(97 + (seq % 26)));
  const sum = createHash('sha256').update(body).digest('hex');
  return JSON.stringify({ seq, sum, body });
}

// Made up front, so the loop spends its time writing (where a kill is most likely to land).
const records = Array.from({ length: 8 }, (_, seq) => record(seq));
for (let i = 0; ; i++) {
  await store.write('working', records[i % records.length] as string);
  if (i === 0) process.stdout.write('ready\n');
}
