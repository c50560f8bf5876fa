/** Byte sources without platform imports: browser/worker fetch, and in-memory bytes. */
import { DataFileError, type ByteSource } from './types';

type FetchLike = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Reads `${baseUrl}/${fileName}` with fetch (browser, worker, or Node's global fetch). */
export function fetchByteSource(baseUrl: string, fetchImpl: FetchLike = (url) => globalThis.fetch(url)): ByteSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return {
    describe: (fileName) => `${base}${fileName}`,
    async read(fileName) {
      const url = `${base}${fileName}`;
      let response: Awaited<ReturnType<FetchLike>>;
      try {
        response = await fetchImpl(url);
      } catch (err) {
        throw new DataFileError(url, `cannot fetch (${err instanceof Error ? err.message : String(err)})`);
      }
      if (!response.ok) throw new DataFileError(url, `HTTP ${response.status}${response.status === 404 ? ' (run `npm run data`?)' : ''}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

/** Serves bytes from memory (tests, or files the user dropped into the app). */
export function memoryByteSource(files: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>, label = 'memory'): ByteSource {
  const lookup = (name: string): Uint8Array | undefined => (files instanceof Map ? files.get(name) : (files as Record<string, Uint8Array>)[name]);
  return {
    describe: (fileName) => `${label}:${fileName}`,
    async read(fileName) {
      const bytes = lookup(fileName);
      if (!bytes) throw new DataFileError(`${label}:${fileName}`, 'no such file');
      return bytes;
    },
  };
}

/** For datasets that read no files (generators). */
export const NO_FILES: ByteSource = memoryByteSource({}, 'no-files');
