import { describe, expect, it } from 'vitest';
import { createFileService, FileAccessError, type Dialogs } from '../../../electron/file-service';
import { createRecentFilesStore } from '../../../electron/recent-files';

function setup(dialogAnswers: { open?: string | null; save?: string | null } = {}) {
  const disk = new Map<string, string | Uint8Array>([['/docs/a.json', '{"a":1}']]);
  let recentText: string | undefined;
  const dialogs: Dialogs = {
    showOpen: async () => (dialogAnswers.open ? { canceled: false, filePaths: [dialogAnswers.open] } : { canceled: true, filePaths: [] }),
    showSave: async () => (dialogAnswers.save ? { canceled: false, filePath: dialogAnswers.save } : { canceled: true }),
  };
  const service = createFileService({
    dialogs,
    recent: createRecentFilesStore({
      file: '/user/recent.json',
      read: async () => {
        if (recentText === undefined) throw new Error('ENOENT');
        return recentText;
      },
      write: async (_f, d) => {
        recentText = d;
      },
    }),
    readText: async (f) => {
      const v = disk.get(f);
      if (typeof v !== 'string') throw new Error(`ENOENT: ${f}`);
      return v;
    },
    writeAtomic: async (f, d) => {
      disk.set(f, d);
    },
    appVersion: '1.2.3',
  });
  return { service, disk };
}

describe('file service', () => {
  it('opens through the dialog and remembers the file', async () => {
    const { service } = setup({ open: '/docs/a.json' });
    expect(await service.openGraph(undefined)).toEqual({ path: '/docs/a.json', name: 'a.json', contents: '{"a":1}' });
    expect(await service.recentFiles(undefined)).toEqual([{ path: '/docs/a.json', name: 'a.json' }]);
  });

  it('returns null when a dialog is cancelled', async () => {
    const { service } = setup();
    expect(await service.openGraph(undefined)).toBeNull();
    expect(await service.saveGraphAs({ contents: '{}' })).toBeNull();
    expect(await service.exportFile({ suggestedName: 'w.bin', data: new Uint8Array([1]) })).toBeNull();
  });

  it('saves only to files the user chose', async () => {
    const { service, disk } = setup({ open: '/docs/a.json' });
    await expect(service.saveGraph({ path: '/etc/cron.d/x', contents: 'evil' })).rejects.toBeInstanceOf(FileAccessError);
    expect(disk.has('/etc/cron.d/x')).toBe(false);
    await service.openGraph(undefined);
    await service.saveGraph({ path: '/docs/a.json', contents: '{"a":2}' });
    expect(disk.get('/docs/a.json')).toBe('{"a":2}');
  });

  it('reopens recent files but no other path', async () => {
    const { service } = setup({ open: '/docs/a.json' });
    await expect(service.openGraph({ path: '/docs/a.json' })).rejects.toThrow('is not a file you opened before');
    await service.openGraph(undefined);
    expect((await service.openGraph({ path: '/docs/a.json' }))?.contents).toBe('{"a":1}');
  });

  it('a recent file that cannot be read any more leaves the recent list', async () => {
    const { service, disk } = setup({ open: '/docs/a.json' });
    await service.openGraph(undefined);
    disk.delete('/docs/a.json');
    await expect(service.openGraph({ path: '/docs/a.json' })).rejects.toThrow('ENOENT');
    expect(await service.recentFiles(undefined)).toEqual([]);
  });

  it('save as writes where the user chose and grants later saves', async () => {
    const { service, disk } = setup({ save: '/docs/new.json' });
    expect(await service.saveGraphAs({ contents: '{"n":1}', suggestedName: 'new.json' })).toEqual({ path: '/docs/new.json', name: 'new.json' });
    await service.saveGraph({ path: '/docs/new.json', contents: '{"n":2}' });
    expect(disk.get('/docs/new.json')).toBe('{"n":2}');
    expect(await service.appVersion(undefined)).toBe('1.2.3');
  });
});
