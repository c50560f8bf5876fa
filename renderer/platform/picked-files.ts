/** Files the user picked or dropped together (browser File objects, in both shells). */
import { folderModel, isModelJsonText, MODEL_PART } from '../../core/import/model-json';
import type { OpenedModel } from './platform';

/** Files picked or dropped together: one graph file opens as a graph, anything else is a model to import. */
export async function graphOrModel(files: readonly File[]): Promise<{ graph: { file: File; text: string } } | { model: OpenedModel } | null> {
  const first = files[0];
  if (!first) return null;
  if (files.length === 1 && /\.json$/i.test(first.name)) {
    const text = await first.text();
    if (!isModelJsonText(text)) return { graph: { file: first, text } };
  }
  const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  const entry = read.find((f) => /\.(keras|h5|hdf5)$/i.test(f.name)) ?? read.find((f) => /\.json$/i.test(f.name)) ?? first;
  return { model: { name: entry.name, files: read } };
}

/**
 * A model folder picked whole (a directory picker or <input webkitdirectory>): its own files (not
 * subfolders') that can make up a model, read; the model is its one model.json (with the weight
 * files beside it) or its one .keras/.h5 file (core/import/model-files.ts `folderModel`).
 */
export async function modelInFolder(folder: string, files: readonly File[]): Promise<OpenedModel> {
  // webkitRelativePath is "folder/file" for the folder's own files ('' from a directory handle).
  const own = files.filter((f) => MODEL_PART.test(f.name) && (f.webkitRelativePath || f.name).split('/').length <= 2);
  const modelJsons = new Set<string>();
  for (const f of own) if (/\.json$/i.test(f.name) && isModelJsonText(await f.text())) modelJsons.add(f.name);
  const chosen = folderModel(folder, own.map((f) => f.name), (name) => modelJsons.has(name));
  const entry = own.find((f) => f.name === chosen.entry) as File;
  const parts = chosen.kind === 'model-json' ? [entry, ...own.filter((f) => /\.bin$/i.test(f.name))] : [entry];
  const read = await Promise.all(parts.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  return { name: entry.name, files: read };
}
