import { describe, expect, it, vi } from 'vitest';
import { parseGraphText } from '../../../core/graph';
import { createFileService, FileAccessError, MAX_GRAPH_FILE_BYTES, type Dialogs } from '../../../electron/file-service';
import { createRecentFilesStore, type RecentFilesStore } from '../../../electron/recent-files';
import { graphText, keptRun, smallGraph } from './graph-with-runs';

type Disk = Map<string, string | Uint8Array>;

/** The text of /docs/a.json at the start: a valid graph document (the recent list keeps only those). */
const A1 = graphText(smallGraph(), []);

function memoryRecentList(): RecentFilesStore {
  let recentText: string | undefined;
  return createRecentFilesStore({
    file: '/user/recent.json',
    read: async () => {
      if (recentText === undefined) throw new Error('ENOENT');
      return recentText;
    },
    write: async (_f, d) => {
      recentText = d;
    },
  });
}

/**
 * One app session. `disk` and `recent` may be shared with an earlier session (the recent list
 * outlives a session; grants do not). `message` lists the buttons to press, in order.
 */
function setup(
  answers: { open?: string | null; folder?: string | null; save?: string | null; message?: string[] } = {},
  shared: { disk?: Disk; recent?: RecentFilesStore } = {},
) {
  const disk: Disk = shared.disk ?? new Map<string, string | Uint8Array>([['/docs/a.json', A1]]);
  const recent = shared.recent ?? memoryRecentList();
  const presses = [...(answers.message ?? [])];
  const dialogs: Dialogs = {
    showOpen: async () => (answers.open ? { canceled: false, filePaths: [answers.open] } : { canceled: true, filePaths: [] }),
    showOpenFolder: async () => (answers.folder ? { canceled: false, filePaths: [answers.folder] } : { canceled: true, filePaths: [] }),
    showSave: async () => (answers.save ? { canceled: false, filePath: answers.save } : { canceled: true }),
    showMessage: vi.fn(async (options: Parameters<Dialogs['showMessage']>[0]) => {
      const label = presses.shift();
      if (label === undefined) throw new Error(`unexpected dialog: ${options.message}`);
      const response = options.buttons.indexOf(label);
      if (response < 0) throw new Error(`no button "${label}" in ${options.buttons.join(' / ')}`);
      return { response };
    }),
  };
  const readText = vi.fn(async (f: string) => {
    const v = disk.get(f);
    if (typeof v !== 'string') throw new Error(`ENOENT: ${f}`);
    return v;
  });
  const service = createFileService({
    dialogs,
    recent,
    fileSize: async (f) => {
      const v = disk.get(f);
      if (v === undefined) throw new Error(`ENOENT: ${f}`);
      return typeof v === 'string' ? Buffer.byteLength(v) : v.byteLength;
    },
    readText,
    readBytes: async (f) => {
      const v = disk.get(f);
      if (v === undefined) throw new Error(`ENOENT: ${f}`);
      return typeof v === 'string' ? new TextEncoder().encode(v) : new Uint8Array(v);
    },
    writeAtomic: async (f, d) => {
      disk.set(f, d);
    },
    // The folder's own files: paths one level below it (a subfolder's are not listed).
    listFiles: async (folder) => [...disk.keys()].filter((f) => f.startsWith(`${folder}/`) && !f.slice(folder.length + 1).includes('/')).map((f) => f.slice(folder.length + 1)),
    appVersion: '1.2.3',
  });
  return { service, disk, recent, dialogs, readText };
}

describe('file service', () => {
  it('opens through the dialog and remembers the file', async () => {
    const { service } = setup({ open: '/docs/a.json' });
    expect(await service.openGraph(undefined)).toEqual({ path: '/docs/a.json', name: 'a.json', contents: A1 });
    expect(await service.recentFiles(undefined)).toEqual([{ path: '/docs/a.json', name: 'a.json' }]);
  });

  it('returns null when a dialog is cancelled', async () => {
    const { service } = setup();
    expect(await service.openGraph(undefined)).toBeNull();
    expect(await service.saveGraphAs({ contents: '{}' })).toBeNull();
    expect(await service.exportFile({ suggestedName: 'w.bin', data: new Uint8Array([1]) })).toBeNull();
  });

  it('saves only to files the user chose', async () => {
    const { service, disk, dialogs } = setup({ open: '/docs/a.json' });
    await expect(service.saveGraph({ path: '/etc/cron.d/x', contents: 'evil' })).rejects.toBeInstanceOf(FileAccessError);
    expect(disk.has('/etc/cron.d/x')).toBe(false);
    await service.openGraph(undefined);
    expect(await service.saveGraph({ path: '/docs/a.json', contents: '{"a":2}' })).toEqual({
      path: '/docs/a.json',
      name: 'a.json',
      contents: '{"a":2}',
    });
    expect(disk.get('/docs/a.json')).toBe('{"a":2}');
    expect(dialogs.showMessage).not.toHaveBeenCalled(); // chosen in a dialog, unchanged on disk: no question
  });

  it('reopens recent files but no other path', async () => {
    const { service } = setup({ open: '/docs/a.json' });
    await expect(service.openGraph({ path: '/docs/a.json' })).rejects.toThrow('is not a file you opened before');
    await service.openGraph(undefined);
    expect(await service.openGraph({ path: '/docs/a.json' })).toMatchObject({ contents: A1 });
  });

  it('a recent file that cannot be read any more leaves the recent list', async () => {
    const { service, disk } = setup({ open: '/docs/a.json' });
    await service.openGraph(undefined);
    disk.delete('/docs/a.json');
    await expect(service.openGraph({ path: '/docs/a.json' })).rejects.toThrow('ENOENT');
    expect(await service.recentFiles(undefined)).toEqual([]);
  });

  it('a recent file that reads but is no valid graph leaves the recent list; the page gets its text to show why', async () => {
    const { service, disk } = setup({ open: '/docs/a.json' });
    await service.openGraph(undefined);
    expect(await service.recentFiles(undefined)).toEqual([{ path: '/docs/a.json', name: 'a.json' }]);
    disk.set('/docs/a.json', '{"format":"netwright-graph","version":3,');
    expect(await service.openGraph({ path: '/docs/a.json' })).toMatchObject({ contents: '{"format":"netwright-graph","version":3,' });
    expect(await service.recentFiles(undefined)).toEqual([]);
    await expect(service.openGraph({ path: '/docs/a.json' })).resolves.not.toBeNull(); // still readable this session
  });

  it('a file opened through the dialog that is no valid graph is not added to the recent list', async () => {
    const { service, disk } = setup({ open: '/docs/b.json' });
    disk.set('/docs/b.json', JSON.stringify({ ...JSON.parse(A1), nodes: 'not a list' }));
    expect((await service.openGraph(undefined))?.name).toBe('b.json');
    expect(await service.recentFiles(undefined)).toEqual([]);
    disk.set('/docs/b.json', A1);
    await service.openGraph(undefined);
    expect(await service.recentFiles(undefined)).toEqual([{ path: '/docs/b.json', name: 'b.json' }]);
  });

  it('save as writes where the user chose and grants later saves', async () => {
    const { service, disk } = setup({ save: '/docs/new.json' });
    expect(await service.saveGraphAs({ contents: '{"n":1}', suggestedName: 'new.json' })).toEqual({ path: '/docs/new.json', name: 'new.json' });
    await service.saveGraph({ path: '/docs/new.json', contents: '{"n":2}' });
    expect(disk.get('/docs/new.json')).toBe('{"n":2}');
    expect(await service.appVersion(undefined)).toBe('1.2.3');
  });

  it('refuses a file over the document size limit before reading it', async () => {
    const { service, disk, readText } = setup({ open: '/docs/huge.json' });
    disk.set('/docs/huge.json', new Uint8Array(MAX_GRAPH_FILE_BYTES + 1));
    const opening = service.openGraph(undefined);
    await expect(opening).rejects.toBeInstanceOf(FileAccessError);
    await expect(opening).rejects.toThrow(/"\/docs\/huge\.json" is 48\.0 MB, larger than the 48\.0 MB limit for a graph file/);
    expect(readText).not.toHaveBeenCalled();
  });

  it('a file reopened from the recent list in a later session is read, and saving over it asks first', async () => {
    const earlier = setup({ open: '/docs/a.json' });
    await earlier.service.openGraph(undefined);
    const { service, disk, dialogs } = setup({ message: ['Cancel', 'Save'] }, { disk: earlier.disk, recent: earlier.recent });
    expect(await service.openGraph({ path: '/docs/a.json' })).toMatchObject({ contents: A1 });

    expect(await service.saveGraph({ path: '/docs/a.json', contents: '{"a":2}' })).toBeNull();
    expect(disk.get('/docs/a.json')).toBe(A1);
    expect(vi.mocked(dialogs.showMessage).mock.calls[0]?.[0].message).toBe('Save over a.json?');

    expect((await service.saveGraph({ path: '/docs/a.json', contents: '{"a":3}' }))?.contents).toBe('{"a":3}');
    expect(disk.get('/docs/a.json')).toBe('{"a":3}');
    // Once confirmed, later saves do not ask again.
    await service.saveGraph({ path: '/docs/a.json', contents: '{"a":4}' });
    expect(dialogs.showMessage).toHaveBeenCalledTimes(2);
  });
});

describe('saving a file that changed on disk', () => {
  const graph = smallGraph();
  const appRun = keptRun(graph, 'app-run', 'Run in the app');
  const cliRun = keptRun(graph, 'cli-run', 'Run kept by the CLI');
  const opened = graphText(graph, []);
  const ours = graphText({ ...graph, metadata: { ...graph.metadata, description: 'edited in the app' } }, [appRun]);
  // `netwright train --keep` appended a run while the app had the file open.
  const onDiskLater = graphText(graph, [cliRun]);

  async function openedThenChanged(press: string[]) {
    const session = setup({ open: '/docs/g.json', message: press }, { disk: new Map([['/docs/g.json', opened]]) });
    await session.service.openGraph(undefined);
    session.disk.set('/docs/g.json', onDiskLater);
    return session;
  }

  it('merges the runs the file gained into the saved document when asked to', async () => {
    const { service, disk, dialogs } = await openedThenChanged(['Merge the runs it gained']);
    const saved = await service.saveGraph({ path: '/docs/g.json', contents: ours });
    const options = vi.mocked(dialogs.showMessage).mock.calls[0]?.[0];
    expect(options?.message).toBe('g.json changed on disk since you opened it');
    expect(options?.buttons).toEqual(['Merge the runs it gained', 'Overwrite', 'Cancel']);
    expect(options?.detail).toContain('1 run(s) this window does not: Run kept by the CLI');

    const written = parseGraphText(String(disk.get('/docs/g.json')));
    if (!written.ok) throw new Error('the merged file does not parse');
    expect(written.graph.runs.map((r) => r.id)).toEqual(['app-run', 'cli-run']);
    expect(written.graph.metadata.description).toBe('edited in the app');
    expect(saved?.contents).toBe(disk.get('/docs/g.json')); // the renderer learns what was written
  });

  it('overwrites when asked to, and cancels without writing', async () => {
    const overwrite = await openedThenChanged(['Overwrite']);
    await overwrite.service.saveGraph({ path: '/docs/g.json', contents: ours });
    expect(overwrite.disk.get('/docs/g.json')).toBe(ours);

    const cancel = await openedThenChanged(['Cancel']);
    expect(await cancel.service.saveGraph({ path: '/docs/g.json', contents: ours })).toBeNull();
    expect(cancel.disk.get('/docs/g.json')).toBe(onDiskLater);
  });

  it('does not ask again once it wrote the file, and offers only Overwrite/Cancel when the disk copy is not a graph', async () => {
    const { service, disk, dialogs } = await openedThenChanged(['Merge the runs it gained', 'Overwrite']);
    await service.saveGraph({ path: '/docs/g.json', contents: ours });
    await service.saveGraph({ path: '/docs/g.json', contents: ours });
    expect(dialogs.showMessage).toHaveBeenCalledTimes(1);

    disk.set('/docs/g.json', '{ truncated');
    await service.saveGraph({ path: '/docs/g.json', contents: ours });
    const options = vi.mocked(dialogs.showMessage).mock.calls[1]?.[0];
    expect(options?.buttons).toEqual(['Overwrite', 'Cancel']);
    expect(options?.detail).toContain('g.json on disk is no longer a valid graph ($: not valid JSON');
    expect(disk.get('/docs/g.json')).toBe(ours);
  });
});

describe('file service: models chosen in Open…', () => {
  const manifest = (paths: string[]) => JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { layers: [] } }, weightsManifest: [{ paths, weights: [] }] });

  it('returns a model.json with the weight files its manifest names, read from its own folder only', async () => {
    const shard1 = new Uint8Array([1, 2, 3, 4]);
    const shard2 = new Uint8Array([5, 6, 7, 8]);
    const elsewhere = new Uint8Array([9]);
    const modelJson = manifest(['group1-shard1of2.bin', '../secret/group1-shard2of2.bin']);
    const disk: Disk = new Map<string, string | Uint8Array>([
      ['/models/cnn/model.json', modelJson],
      ['/models/cnn/group1-shard1of2.bin', shard1],
      ['/models/cnn/group1-shard2of2.bin', shard2],
      ['/models/secret/group1-shard2of2.bin', elsewhere],
    ]);
    const { service, recent } = setup({ open: '/models/cnn/model.json' }, { disk });
    const opened = await service.openGraph(undefined);
    expect(opened).toEqual({
      path: '/models/cnn/model.json',
      name: 'model.json',
      files: [
        { name: 'model.json', bytes: new TextEncoder().encode(modelJson) },
        { name: 'group1-shard1of2.bin', bytes: shard1 },
        { name: 'group1-shard2of2.bin', bytes: shard2 },
      ],
    });
    // Not a graph: not recent, and never saved over.
    expect(await recent.list()).toEqual([]);
    await expect(service.saveGraph({ path: '/models/cnn/model.json', contents: '{}' })).rejects.toThrow('was not opened or chosen in this session');
  });

  it('leaves a missing weight file for the importer to name, and refuses weights over the limit before reading them', async () => {
    const disk: Disk = new Map<string, string | Uint8Array>([['/m/model.json', manifest(['w.bin'])]]);
    const missing = await setup({ open: '/m/model.json' }, { disk }).service.openGraph(undefined);
    expect(missing && 'files' in missing ? missing.files.map((f) => f.name) : null).toEqual(['model.json']);

    const huge = new Uint8Array(8);
    const big: Disk = new Map<string, string | Uint8Array>([['/m/model.json', manifest(['w.bin'])], ['/m/w.bin', huge]]);
    const { service } = setup({ open: '/m/model.json' }, { disk: big });
    Object.defineProperty(huge, 'byteLength', { value: 300 * 1024 * 1024 });
    await expect(service.openGraph(undefined)).rejects.toThrow(/weight files of "\/m\/model\.json" hold more than 256\.0 MB/);
  });

  it('Open folder: the model in the chosen folder (its model.json with the weight files its manifest names, among other files and a subfolder), or its Keras file; none or several refused by name', async () => {
    const shard = new Uint8Array([1, 2, 3, 4]);
    const modelJson = manifest(['group1-shard1of1.bin']);
    const disk: Disk = new Map<string, string | Uint8Array>([
      ['/models/mlp/model.json', modelJson],
      ['/models/mlp/group1-shard1of1.bin', shard],
      ['/models/mlp/unused.bin', new Uint8Array([7])],
      ['/models/mlp/notes.json', '{"not": "a model"}'],
      ['/models/mlp/README.md', 'text'],
      ['/models/mlp/old/model.json', modelJson],
    ]);
    const { service, recent } = setup({ folder: '/models/mlp' }, { disk });
    expect(await service.openModelFolder(undefined)).toEqual({
      path: '/models/mlp/model.json',
      name: 'model.json',
      files: [
        { name: 'model.json', bytes: new TextEncoder().encode(modelJson) },
        { name: 'group1-shard1of1.bin', bytes: shard },
      ],
    });
    expect(await recent.list()).toEqual([]);
    await expect(service.saveGraph({ path: '/models/mlp/model.json', contents: '{}' })).rejects.toThrow('was not opened or chosen in this session');

    const keras = new Uint8Array([0x50, 0x4b]);
    expect(await setup({ folder: '/k' }, { disk: new Map<string, string | Uint8Array>([['/k/net.keras', keras], ['/k/a.txt', 'x']]) }).service.openModelFolder(undefined)).toEqual({ path: '/k/net.keras', name: 'net.keras', files: [{ name: 'net.keras', bytes: keras }] });
    await expect(setup({ folder: '/e' }, { disk: new Map([['/e/a.json', '{}']]) }).service.openModelFolder(undefined)).rejects.toThrow('open refused: the folder e has no model.json, .keras or .h5 file');
    await expect(setup({ folder: '/t' }, { disk: new Map<string, string | Uint8Array>([['/t/model.json', modelJson], ['/t/b.h5', keras]]) }).service.openModelFolder(undefined)).rejects.toThrow(
      'open refused: the folder t holds 2 models (model.json, b.h5): pick one of them with Open…',
    );
    expect(await setup({ folder: null }, { disk }).service.openModelFolder(undefined)).toBeNull();
  });

  it('returns a Keras file as bytes, refusing one over the limit from its size', async () => {
    const bytes = new Uint8Array([0x89, 0x48, 0x44, 0x46]);
    const disk: Disk = new Map<string, string | Uint8Array>([['/k/mnist.keras', bytes]]);
    expect(await setup({ open: '/k/mnist.keras' }, { disk }).service.openGraph(undefined)).toEqual({ path: '/k/mnist.keras', name: 'mnist.keras', files: [{ name: 'mnist.keras', bytes }] });
    const huge = new Uint8Array(4);
    Object.defineProperty(huge, 'byteLength', { value: 400 * 1024 * 1024 });
    await expect(setup({ open: '/k/big.h5' }, { disk: new Map([['/k/big.h5', huge]]) }).service.openGraph(undefined)).rejects.toThrow(/the Keras file "\/k\/big\.h5" is 400\.0 MB, larger than the 272\.0 MB limit/);
  });
});
