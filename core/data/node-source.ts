/**
 * Node-only byte source reading data/build/ with fs. NOT exported from core/data/index.ts, so no
 * 'fs' import is reachable from browser or worker code; import it from Node code (CLI, tests,
 * scripts) as 'core/data/node-source'.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataFileError, type ByteSource } from './types';

/** The repository's data/build directory (where `npm run data` writes). */
export const DEFAULT_DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'build');

export function nodeFileSource(directory: string = DEFAULT_DATA_DIR): ByteSource {
  return {
    describe: (fileName) => join(directory, fileName),
    async read(fileName) {
      const path = join(directory, fileName);
      try {
        const buffer = await readFile(path);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new DataFileError(path, code === 'ENOENT' ? 'missing (run `npm run data` to build the bundled datasets)' : `unreadable (${code ?? String(err)})`);
      }
    },
  };
}
