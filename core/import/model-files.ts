/**
 * A model given as files (picked together, dropped, or read beside a model.json): decides which
 * format it is and imports it. The same entry serves the CLI, the app's worker and the tests, so
 * the files are plain bytes by name (no paths: shards are found by file name, as beside model.json).
 */
import { ImportError } from './errors';
import { importKerasArchive, importKerasH5 } from './keras-file';
import { importLayersModel, type ImportedModel, type ImportOptions } from './layers-model';
import { isModelJsonText, MODEL_JSON_MAX_BYTES } from './model-json';

export { isModelJsonText };
import { shardFileName } from './weights-manifest';

export interface ModelFile {
  /** The file's name (no folders). */
  name: string;
  bytes: Uint8Array;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

const utf8 = new TextDecoder('utf-8');

/** A document name from the model file's name ("model.json" -> "model", "mnist_cnn.keras" -> "mnist_cnn"). */
export function modelName(fileName: string): string {
  const stem = fileName.replace(/\.[^.]*$/, '').trim();
  return (stem || 'imported model').slice(0, 120);
}

/** The file that holds the model: the one .keras/.h5 file, or the one model.json among the files. */
export function modelEntry(files: readonly ModelFile[]): ModelFile {
  if (files.length === 0) throw new ImportError('no files were given');
  const keras = files.filter((f) => ['keras', 'h5', 'hdf5'].includes(extensionOf(f.name)));
  if (keras.length > 1) throw new ImportError(`give one Keras file at a time (given: ${keras.map((f) => f.name).join(', ')})`);
  if (keras.length === 1) return keras[0] as ModelFile;
  const jsons = files.filter((f) => extensionOf(f.name) === 'json' && f.bytes.byteLength <= MODEL_JSON_MAX_BYTES && isModelJsonText(utf8.decode(f.bytes)));
  if (jsons.length > 1) throw new ImportError(`give one model.json at a time (given: ${jsons.map((f) => f.name).join(', ')})`);
  const json = jsons[0];
  if (!json) {
    const names = files.map((f) => f.name).slice(0, 5).join(', ');
    throw new ImportError(`none of the files (${names}${files.length > 5 ? ', ...' : ''}) is a model: give a TensorFlow.js model.json with its weight files, a Keras .keras archive or a Keras .h5 file`);
  }
  return json;
}

/** Imports the model among `files` (its weight files found by name). */
export async function importModelFiles(files: readonly ModelFile[], options: ImportOptions): Promise<ImportedModel> {
  const entry = modelEntry(files);
  const extension = extensionOf(entry.name);
  const named = { ...options, fileName: entry.name };
  if (extension === 'keras') return importKerasArchive(entry.bytes, named);
  if (extension === 'h5' || extension === 'hdf5') return importKerasH5(entry.bytes, named);
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  return importLayersModel({ modelJson: utf8.decode(entry.bytes), shard: (path) => byName.get(shardFileName(path)) }, named);
}
