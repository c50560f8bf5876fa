import { describe, expect, it } from 'vitest';
import { createRecentFilesStore } from '../../../electron/recent-files';

function memoryStore(initial?: string, max?: number) {
  const disk = new Map<string, string>();
  if (initial !== undefined) disk.set('/u/recent.json', initial);
  const store = createRecentFilesStore({
    file: '/u/recent.json',
    ...(max ? { max } : {}),
    read: async (f) => {
      const text = disk.get(f);
      if (text === undefined) throw new Error('ENOENT');
      return text;
    },
    write: async (f, d) => {
      disk.set(f, d);
    },
  });
  return { store, disk };
}

describe('recent files', () => {
  it('starts empty without a file', async () => {
    expect(await memoryStore().store.list()).toEqual([]);
  });

  it('keeps newest first, without duplicates, bounded', async () => {
    const { store, disk } = memoryStore(undefined, 3);
    for (const f of ['/a.json', '/b.json', '/c.json', '/a.json', '/d.json']) await store.add(f);
    expect((await store.list()).map((f) => f.path)).toEqual(['/d.json', '/a.json', '/c.json']);
    expect(await store.list()).toContainEqual({ path: '/d.json', name: 'd.json' });
    expect(JSON.parse(disk.get('/u/recent.json')!)).toEqual({ version: 1, files: ['/d.json', '/a.json', '/c.json'] });
    expect(await store.has('/a.json')).toBe(true);
    expect(await store.has('/b.json')).toBe(false);
  });

  it.each([
    ['truncated JSON', '{"version":1,"files":["/a.j'],
    ['wrong shape', '{"files":"nope"}'],
    ['wrong version', '{"version":2,"files":["/a.json"]}'],
    ['not JSON at all', '\u0000\u0001garbage'],
  ])('tolerates a corrupt file (%s) and recovers on the next add', async (_label, text) => {
    const { store } = memoryStore(text);
    expect(await store.list()).toEqual([]);
    await store.add('/x.json');
    expect((await store.list()).map((f) => f.path)).toEqual(['/x.json']);
  });
});
