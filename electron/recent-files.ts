/**
 * Recently used graph files, stored as JSON in the app's userData folder. The list is bounded,
 * newest first, and a missing or corrupt file simply means "no recent files" (never fatal).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { FileInfo } from './api';
import { writeFileAtomic } from '../node/atomic-write';

export const MAX_RECENT_FILES = 10;

const storedSchema = z.object({
  version: z.literal(1),
  files: z.array(z.string().min(1).max(4096)),
});

export interface RecentFilesStore {
  list(): Promise<FileInfo[]>;
  add(filePath: string): Promise<FileInfo[]>;
  has(filePath: string): Promise<boolean>;
  /** Drops a file that failed to open. */
  remove(filePath: string): Promise<FileInfo[]>;
}

export interface RecentFilesDeps {
  /** The JSON file, e.g. <userData>/recent-files.json. */
  file: string;
  max?: number;
  read?: (file: string) => Promise<string>;
  write?: (file: string, data: string) => Promise<void>;
}

export function createRecentFilesStore(deps: RecentFilesDeps): RecentFilesStore {
  const max = deps.max ?? MAX_RECENT_FILES;
  const read = deps.read ?? ((file) => readFile(file, 'utf8'));
  const write = deps.write ?? ((file, data) => writeFileAtomic(file, data));

  async function load(): Promise<string[]> {
    let text: string;
    try {
      text = await read(deps.file);
    } catch {
      return []; // first run: no file yet
    }
    try {
      const parsed = storedSchema.safeParse(JSON.parse(text));
      return parsed.success ? [...new Set(parsed.data.files)].slice(0, max) : [];
    } catch {
      return []; // corrupt JSON: start over rather than fail the app
    }
  }

  const toInfo = (p: string): FileInfo => ({ path: p, name: path.basename(p) });

  return {
    async list() {
      return (await load()).map(toInfo);
    },
    async has(filePath) {
      return (await load()).includes(filePath);
    },
    async remove(filePath) {
      const before = await load();
      const files = before.filter((p) => p !== filePath);
      if (files.length !== before.length) await write(deps.file, JSON.stringify({ version: 1, files }, null, 2));
      return files.map(toInfo);
    },
    async add(filePath) {
      const files = [filePath, ...(await load()).filter((p) => p !== filePath)].slice(0, max);
      await write(deps.file, JSON.stringify({ version: 1, files }, null, 2));
      return files.map(toInfo);
    },
  };
}
