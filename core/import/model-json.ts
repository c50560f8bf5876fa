/**
 * Recognising a TensorFlow.js model.json without importing it (no tfjs here, so the Electron main
 * process and the page can tell a model from a graph file cheaply).
 */

import { ImportError } from './errors';

/** Model files are bounded like graph files (the weights come separately). */
export const MODEL_JSON_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Whether JSON text is a TensorFlow.js model.json (layers or graph format) rather than a Netwright
 * graph: it has a modelTopology or says its format.
 */
export function isModelJsonText(text: string): boolean {
  if (text.length > MODEL_JSON_MAX_BYTES || !text.includes('"modelTopology"') && !text.includes('-model"')) return false;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    return 'modelTopology' in record || record.format === 'layers-model' || record.format === 'graph-model';
  } catch {
    return false;
  }
}

/** The files of a model folder that may belong to a model: model.json and shards, Keras files. */
export const MODEL_PART = /\.(json|bin|keras|h5|hdf5)$/i;

/**
 * The model in a folder picked whole, from its own files' names (`isModelJson` tells a model.json
 * from another JSON file): its one model.json or its one .keras/.h5 file. A folder with none, or
 * with several, is refused naming what it holds. Shared by web mode and Electron.
 */
export function folderModel(folder: string, names: readonly string[], isModelJson: (name: string) => boolean): { entry: string; kind: 'model-json' | 'keras' } {
  const models = names.filter((n) => /\.json$/i.test(n) && isModelJson(n));
  const keras = names.filter((n) => /\.(keras|h5|hdf5)$/i.test(n));
  const entries = [...models, ...keras];
  if (entries.length === 0) throw new ImportError(`the folder ${folder} has no model.json, .keras or .h5 file`);
  if (entries.length > 1) throw new ImportError(`the folder ${folder} holds ${entries.length} models (${entries.join(', ')}): pick one of them with Open…`);
  return { entry: entries[0] as string, kind: models.length === 1 ? 'model-json' : 'keras' };
}
