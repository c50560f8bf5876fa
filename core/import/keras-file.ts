/**
 * Keras files: a Keras 3 `.keras` archive (a zip of config.json + model.weights.h5) and a legacy
 * `.h5` file (the model's config as the root attribute `model_config`, weights under
 * `model_weights`). Both are read into the same parts as a tfjs model.json (a topology and named
 * weights) and mapped by the same importer, so the refusals are the same.
 *
 * HDF5 is read by jsfive: pure JavaScript (no wasm, no eval), so it runs alike in Node, the page and
 * the worker under the app's CSP.
 */
import { unzipSync } from 'fflate';
import * as hdf5 from 'jsfive';
import { describeValue, ImportError } from './errors';
import { sha256Hex } from '../data/checksum';
import { importTopology, type ImportedModel, type ImportOptions, type ModelOrigin } from './layers-model';
import { MODEL_JSON_MAX_BYTES } from './model-json';
import { modelConfigOf } from './topology';
import { WEIGHT_LIMITS, type ManifestTensor } from './weights-manifest';

/** The largest weights file read from a .keras archive (the importer keeps at most this many float32 values). */
const MAX_WEIGHTS_BYTES = WEIGHT_LIMITS.values * 4 + 16 * 1024 * 1024;
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keras' naming.to_snake_case, which names a layer's group in model.weights.h5 after its class. */
export function kerasSnakeCase(className: string): string {
  return className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function openHdf5(bytes: Uint8Array, what: string): hdf5.File {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return new hdf5.File(buffer, what);
  } catch (err) {
    throw new ImportError(`${what} is not a readable HDF5 file (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The object at `path`, or null when there is none (jsfive throws). */
function find(file: hdf5.Group, path: string): hdf5.Group | hdf5.Dataset | null {
  try {
    return file.get(path);
  } catch {
    return null;
  }
}

const isGroup = (node: unknown): node is hdf5.Group => node instanceof hdf5.Group;

/** Fixed-length HDF5 strings come back padded with NULs. */
const clean = (text: string): string => text.replace(/\0+$/, '');

let totalValues = 0;

function readTensor(file: hdf5.Group, path: string, name: string): ManifestTensor {
  const node = find(file, path);
  if (!(node instanceof hdf5.Dataset)) throw new ImportError(`weights: '${path}' is missing or not a dataset`);
  const shape = node.shape;
  if (!Array.isArray(shape) || shape.length > WEIGHT_LIMITS.rank || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ImportError(`weights: '${path}' has the shape ${describeValue(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  totalValues += count;
  if (totalValues > WEIGHT_LIMITS.values) throw new ImportError(`weights: more than ${WEIGHT_LIMITS.values} values, more than Netwright keeps (at '${path}')`);
  const dtype = String(node.dtype);
  if (!/^[<>|]?(f[248]|i[1248]|u[1248])$/.test(dtype)) throw new ImportError(`weights: '${path}' holds ${describeValue(dtype)} values; float and integer weights can be imported`);
  const value = node.value;
  if (!value || typeof (value as ArrayLike<number>).length !== 'number' || (value as ArrayLike<number>).length !== count) {
    throw new ImportError(`weights: '${path}' declares ${count} values but holds ${describeValue((value as ArrayLike<number> | null)?.length)}`);
  }
  return { name, shape: [...shape], values: Float32Array.from(value as ArrayLike<number>) };
}

/**
 * Keras 3 (model.weights.h5): a layer's variables are at `layers/<class in snake case>[_n]/vars/<i>`,
 * numbered per class within its model in the config's order; a nested model's at
 * `layers/<its class>/layers/...`; a recurrent layer's in `cell/vars`, a wrapper's in `layer/vars`,
 * a Bidirectional's in `forward_layer/...` then `backward_layer/...`.
 */
function kerasThreeTensors(file: hdf5.File, className: string, config: unknown, base: string, namePrefix: string, out: ManifestTensor[], depth = 0): void {
  if (depth > 16) throw new ImportError('models are nested more than 16 deep');
  const layers = className === 'Sequential' && Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(layers)) return; // the topology reader says what is wrong
  const used = new Map<string, number>();
  for (const spec of layers) {
    if (!isRecord(spec) || typeof spec.class_name !== 'string' || !isRecord(spec.config)) continue;
    const key = kerasSnakeCase(spec.class_name);
    const count = used.has(key) ? (used.get(key) as number) + 1 : 0;
    used.set(key, count);
    const path = `${base}layers/${count === 0 ? key : `${key}_${count}`}`;
    const name = typeof spec.config.name === 'string' ? spec.config.name : key;
    if (MODEL_CLASSES.has(spec.class_name)) {
      kerasThreeTensors(file, spec.class_name, spec.config, `${path}/`, `${namePrefix}${name}/`, out, depth + 1);
      continue;
    }
    const paths: string[] = [];
    collectVariables(file, path, spec.class_name === 'Bidirectional' ? ['forward_layer', 'backward_layer'] : null, paths, 0);
    paths.forEach((p, i) => out.push(readTensor(file, p, `${namePrefix}${name}/${i}`)));
  }
}

/** The datasets of a layer's group: its own `vars/0..n`, then its sub-objects' (Keras' order: by attribute name). */
function collectVariables(file: hdf5.File, path: string, order: string[] | null, out: string[], depth: number): void {
  const group = find(file, path);
  if (!isGroup(group) || depth > 8) return;
  const vars = find(file, `${path}/vars`);
  if (isGroup(vars)) {
    const indices = vars.keys.filter((k) => /^\d+$/.test(k)).map(Number).sort((a, b) => a - b);
    for (const i of indices) out.push(`${path}/vars/${i}`);
  }
  const children = order ?? group.keys.filter((k) => k !== 'vars').sort((a, b) => (a.startsWith('_') === b.startsWith('_') ? (a < b ? -1 : a > b ? 1 : 0) : a.startsWith('_') ? 1 : -1));
  for (const child of children) collectVariables(file, `${path}/${child}`, null, out, depth + 1);
}

function parseConfig(text: string, what: string): Record<string, unknown> {
  if (text.length > MODEL_JSON_MAX_BYTES) throw new ImportError(`${what} is ${text.length} characters, more than ${MODEL_JSON_MAX_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ImportError(`${what} is not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(value)) throw new ImportError(`${what}: expected an object, found ${describeValue(value)}`);
  return value;
}

/** Imports a Keras 3 `.keras` archive. */
export async function importKerasArchive(bytes: Uint8Array, options: ImportOptions): Promise<ImportedModel> {
  const progress = options.onProgress ?? (() => undefined);
  let entries: Record<string, Uint8Array>;
  let tooLarge: string | null = null;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        const wanted = f.name === 'config.json' || f.name === 'model.weights.h5' || f.name === 'metadata.json';
        if (wanted && f.originalSize > (f.name === 'model.weights.h5' ? MAX_WEIGHTS_BYTES : MODEL_JSON_MAX_BYTES)) tooLarge = `${f.name} (${f.originalSize} bytes)`;
        return wanted && tooLarge === null;
      },
    });
  } catch (err) {
    throw new ImportError(`the .keras file is not a readable zip archive (${err instanceof Error ? err.message : String(err)})`);
  }
  if (tooLarge) throw new ImportError(`the .keras archive's ${tooLarge} is larger than Netwright reads`);
  const configBytes = entries['config.json'];
  if (!configBytes) throw new ImportError('the .keras archive has no config.json (is it a Keras 3 model archive?)');
  const config = parseConfig(new TextDecoder().decode(configBytes), 'config.json');
  const { className, config: modelConfig } = modelConfigOf(config);
  progress(0.05, 'reading weights');
  const weights = entries['model.weights.h5'];
  if (!weights) throw new ImportError('the .keras archive has no model.weights.h5');
  const file = openHdf5(weights, 'model.weights.h5');
  const tensors: ManifestTensor[] = [];
  totalValues = 0;
  kerasThreeTensors(file, className, modelConfig, '', '', tensors);
  // metadata.json says which Keras wrote the archive (not needed to import it).
  let kerasVersion: unknown;
  try {
    kerasVersion = entries['metadata.json'] ? (JSON.parse(new TextDecoder().decode(entries['metadata.json'])) as Record<string, unknown>).keras_version : null;
  } catch {
    kerasVersion = null;
  }
  const origin = await kerasOrigin(options.fileName ?? 'model.keras', 'keras', bytes, kerasVersion);
  return importTopology({ topology: config, tensors, origin }, options);
}

/** Imports a legacy Keras `.h5` file (model.save('model.h5') in Keras 2, or Keras 3's legacy format). */
export async function importKerasH5(bytes: Uint8Array, options: ImportOptions): Promise<ImportedModel> {
  const progress = options.onProgress ?? (() => undefined);
  const file = openHdf5(bytes, 'the .h5 file');
  const configText = file.attrs.model_config;
  if (typeof configText !== 'string') {
    throw new ImportError("the .h5 file has no model_config: it holds weights only (model.save_weights), without the architecture; save the whole model (model.save('model.h5') or model.save('model.keras'))");
  }
  const config = parseConfig(clean(configText), 'the .h5 file\'s model_config');
  progress(0.05, 'reading weights');
  const root = find(file, 'model_weights');
  if (!isGroup(root)) throw new ImportError('the .h5 file has no model_weights group');
  const layerNames = root.attrs.layer_names;
  const names = (Array.isArray(layerNames) ? layerNames : []).map((n) => clean(String(n)));
  const tensors: ManifestTensor[] = [];
  totalValues = 0;
  for (const layer of names) {
    const group = find(file, `model_weights/${layer}`);
    if (!isGroup(group)) throw new ImportError(`weights: layer '${layer}' is listed in layer_names but has no group`);
    const weightNames = group.attrs.weight_names;
    for (const raw of Array.isArray(weightNames) ? weightNames : []) {
      const weight = clean(String(raw));
      tensors.push(readTensor(file, `model_weights/${layer}/${weight}`, `${layer}/${weight.replace(/:\d+$/, '').split('/').slice(weight.startsWith(`${layer}/`) ? 1 : 0).join('/')}`));
    }
  }
  const origin = await kerasOrigin(options.fileName ?? 'model.h5', 'keras-h5', bytes, file.attrs.keras_version);
  return importTopology({ topology: config, tensors, origin }, options);
}

/** A Keras file's origin: its name, format, the Keras version it names, its SHA-256. */
async function kerasOrigin(fileName: string, format: 'keras' | 'keras-h5', bytes: Uint8Array, version: unknown): Promise<ModelOrigin> {
  const text = typeof version === 'string' ? clean(version) : null;
  return { file: fileName.slice(0, 256), format, producer: text ? `Keras ${text}`.slice(0, 200) : null, sha256: await sha256Hex(bytes), weightFiles: [] };
}
