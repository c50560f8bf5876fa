import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { defaultFs, removeStaleTempFiles, tempFileWriter, writeFileAtomic } from '../../../node/atomic-write';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'netwright-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates and replaces files, leaving no temporary file', async () => {
    const target = path.join(dir, 'graph.json');
    await writeFileAtomic(target, '{"v":1}');
    await writeFileAtomic(target, new TextEncoder().encode('{"v":2}'));
    expect(await readFile(target, 'utf8')).toBe('{"v":2}');
    expect(await readdir(dir)).toEqual(['graph.json']);
  });

  it('writes chunks from an iterable in order (a streamed dataset), and a throwing iterable leaves the old file', async () => {
    const target = path.join(dir, 'train.npz');
    const chunks = [Uint8Array.of(1, 2), new Uint8Array(0), new Uint8Array(1 << 20).fill(7), Uint8Array.of(9)];
    await writeFileAtomic(target, chunks.values());
    const written = await readFile(target);
    expect(written.byteLength).toBe(2 + (1 << 20) + 1);
    expect([written[0], written[1], written[2], written.at(-2), written.at(-1)]).toEqual([1, 2, 7, 7, 9]);
    function* failing() {
      yield Uint8Array.of(5);
      throw new Error('the dataset file is truncated');
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow('truncated');
    expect((await readFile(target)).byteLength).toBe(written.byteLength);
    expect(await readdir(dir)).toEqual(['train.npz']);
  });

  it('leaves the old file intact and cleans up when the rename fails', async () => {
    const target = path.join(dir, 'graph.json');
    await writeFile(target, 'OLD CONTENTS');
    const failingRename = { ...defaultFs, rename: async () => Promise.reject(new Error('EIO: simulated rename failure')) };
    await expect(writeFileAtomic(target, 'NEW CONTENTS', failingRename)).rejects.toThrow('simulated rename failure');
    expect(await readFile(target, 'utf8')).toBe('OLD CONTENTS');
    expect(await readdir(dir)).toEqual(['graph.json']);
  });

  it('leaves the old file intact when the process is killed between write and rename', async () => {
    const target = path.join(dir, 'graph.json');
    await writeFile(target, 'OLD CONTENTS');
    // A child process writes the new data, then is SIGKILLed where the rename would happen.
    const script = `
      import { defaultFs, writeFileAtomic } from ${JSON.stringify(path.resolve('node/atomic-write.ts'))};
      const fs = { ...defaultFs, rename: async () => { process.kill(process.pid, 'SIGKILL'); await new Promise(() => {}); } };
      await writeFileAtomic(${JSON.stringify(target)}, 'NEW CONTENTS '.repeat(10000), fs);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal).toBe('SIGKILL');
    expect(await readFile(target, 'utf8')).toBe('OLD CONTENTS');
    // The fully written temporary file is left behind, hidden and named after its (dead) writer;
    // the target never saw it, and the next write to the folder removes it.
    const leftovers = (await readdir(dir)).filter((f) => f !== 'graph.json');
    expect(leftovers).toHaveLength(1);
    expect(leftovers[0]).toMatch(/^\.graph\.json\.netwright-\d+-[0-9a-f]{12}\.tmp$/);
    expect(tempFileWriter(leftovers[0]!)).toBe(child.pid);
    expect(await readFile(path.join(dir, leftovers[0]!), 'utf8')).toBe('NEW CONTENTS '.repeat(10000));
    await writeFileAtomic(path.join(dir, 'other.json'), '{}');
    expect((await readdir(dir)).sort()).toEqual(['graph.json', 'other.json']);
  });

  it('removes only temporary files whose writer is gone', async () => {
    const dead = path.join(dir, '.a.json.netwright-111-0123456789ab.tmp');
    const living = path.join(dir, '.b.json.netwright-222-0123456789ab.tmp');
    const mine = path.join(dir, `.c.json.netwright-${process.pid}-0123456789ab.tmp`);
    const foreign = path.join(dir, '.d.json.tmp-333');
    for (const f of [dead, living, mine, foreign]) await writeFile(f, '');
    const removed = await removeStaleTempFiles(dir, defaultFs, (pid) => pid === 222);
    expect(removed).toEqual([path.basename(dead)]);
    expect((await readdir(dir)).sort()).toEqual([living, mine, foreign].map((f) => path.basename(f)).sort());
  });

  it('fails without touching the target when the folder does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing', 'g.json'), 'x')).rejects.toThrow(/ENOENT/);
  });
});
