/** Files the user picked or dropped together (browser File objects, in both shells). */
import { isModelJsonText } from '../../core/import/model-json';
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

/** The files of a model folder that may belong to a model: model.json and shards, Keras files. */
const MODEL_PART = /\.(json|bin|keras|h5|hdf5)$/i;

/**
 * A model folder picked whole (a directory picker or <input webkitdirectory>): its own files (not
 * subfolders') that can make up a model, read; the model is its one model.json (with the weight
 * files its manifest names) or its one .keras/.h5 file. A folder with none, or with several, is
 * refused naming what it holds.
 */
export async function modelInFolder(folder: string, files: readonly File[]): Promise<OpenedModel> {
  // webkitRelativePath is "folder/file" for the folder's own files ('' from a directory handle).
  const own = files.filter((f) => MODEL_PART.test(f.name) && (f.webkitRelativePath || f.name).split('/').length <= 2);
  const jsons = own.filter((f) => /\.json$/i.test(f.name));
  const models: File[] = [];
  for (const f of jsons) if (isModelJsonText(await f.text())) models.push(f);
  const keras = own.filter((f) => /\.(keras|h5|hdf5)$/i.test(f.name));
  const entries = [...models, ...keras];
  if (entries.length === 0) throw new Error(`the folder ${folder} has no model.json, .keras or .h5 file`);
  if (entries.length > 1) throw new Error(`the folder ${folder} holds ${entries.length} models (${entries.map((f) => f.name).join(', ')}): pick one of them with Open…`);
  const entry = entries[0] as File;
  const parts = models.length === 1 ? [entry, ...own.filter((f) => /\.bin$/i.test(f.name))] : [entry];
  const read = await Promise.all(parts.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  return { name: entry.name, files: read };
}
