/**
 * Web mode: the file handles of recent files, kept in IndexedDB (a FileSystemFileHandle survives
 * a reload there, unlike in memory), so Recent reopens the file itself after the browser grants
 * permission again. Storage problems only mean "pick the file again", never an error.
 */
const DB = 'netwright';
const STORE = 'recent-file-handles';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB unavailable'));
  });
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T | undefined> {
  const db = await openDb();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result as T | undefined);
      request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    db.close();
  }
}

/** Remembers the handle of a file opened or saved, by its name (the recent list's key). */
export async function storeRecentHandle(name: string, handle: unknown): Promise<void> {
  try {
    await run('readwrite', (s) => s.put(handle, name));
  } catch {
    // no IndexedDB (private mode, quota): Recent then asks for the file again
  }
}

export async function loadRecentHandle<T>(name: string): Promise<T | null> {
  try {
    return (await run<T>('readonly', (s) => s.get(name))) ?? null;
  } catch {
    return null;
  }
}

export async function forgetRecentHandle(name: string): Promise<void> {
  try {
    await run('readwrite', (s) => s.delete(name));
  } catch {
    // nothing stored: nothing to forget
  }
}
