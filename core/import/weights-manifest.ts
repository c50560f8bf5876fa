/**
 * The weights of a TensorFlow.js layers-format model: the `weightsManifest` of model.json (groups
 * of shards, each group's shards concatenated hold its weights in order) read into float32 arrays.
 * Every size is checked before anything is allocated, so a hostile manifest fails with a message.
 */
import { describeValue, ImportError } from './errors';

/** A tensor read from the shards, named as in the manifest ("dense_1/kernel"). */
export interface ManifestTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

interface Quantization {
  dtype: 'uint8' | 'uint16';
  scale: number;
  min: number;
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization: Quantization | null;
}

interface WeightGroup {
  paths: string[];
  weights: WeightEntry[];
}

/** Bounds that keep a hostile manifest from exhausting memory (the document keeps at most ~33 MB of weights). */
export const WEIGHT_LIMITS = {
  tensors: 10_000,
  /** float32 values over all tensors. */
  values: 64 * 1024 * 1024,
  shards: 1_000,
  rank: 8,
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(value: unknown, where: string): WeightEntry {
  if (!isRecord(value)) throw new ImportError(`${where}: expected an object with name, shape and dtype, found ${describeValue(value)}`);
  const { name, shape, dtype, quantization } = value;
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) throw new ImportError(`${where}.name: expected the weight's name, found ${describeValue(name)}`);
  if (!Array.isArray(shape) || shape.length > WEIGHT_LIMITS.rank || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 1e9)) {
    throw new ImportError(`${where}.shape of weight '${name}': expected up to ${WEIGHT_LIMITS.rank} non-negative integers, found ${describeValue(shape)}`);
  }
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new ImportError(`${where}.dtype of weight '${name}': ${describeValue(dtype)} weights cannot be imported (float32 and int32 can)`);
  }
  let q: Quantization | null = null;
  if (quantization !== undefined && quantization !== null) {
    if (!isRecord(quantization) || (quantization.dtype !== 'uint8' && quantization.dtype !== 'uint16') || typeof quantization.scale !== 'number' || typeof quantization.min !== 'number') {
      throw new ImportError(
        `${where}.quantization of weight '${name}': ${describeValue(quantization)} is not supported (uint8 and uint16 affine quantization are; float16 is not): convert the model without --quantize_float16`,
      );
    }
    q = { dtype: quantization.dtype, scale: quantization.scale, min: quantization.min };
  }
  return { name, shape: shape as number[], dtype, quantization: q };
}

function parseManifest(value: unknown): WeightGroup[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ImportError(`weightsManifest: expected a list of weight groups, found ${describeValue(value)}`);
  return value.map((group, g) => {
    const where = `weightsManifest[${g}]`;
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new ImportError(`${where}: expected { paths: [...], weights: [...] }, found ${describeValue(group)}`);
    }
    if (!group.paths.every((p) => typeof p === 'string' && p.length > 0 && p.length < 1024)) throw new ImportError(`${where}.paths: expected file names, found ${describeValue(group.paths)}`);
    return { paths: group.paths as string[], weights: group.weights.map((w, i) => parseEntry(w, `${where}.weights[${i}]`)) };
  });
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function bytesPerElement(entry: WeightEntry): number {
  if (entry.quantization) return entry.quantization.dtype === 'uint8' ? 1 : 2;
  return 4;
}

/** The shard file names the manifest asks for, in order (what the caller has to provide). */
export function manifestShardPaths(manifest: unknown): string[] {
  return parseManifest(manifest).flatMap((g) => g.paths);
}

/** The last path segment: shards are looked up by file name, the folder is the model's. */
export function shardFileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return decodeURIComponent(parts[parts.length - 1] ?? path);
}

/**
 * Reads every weight of the manifest from the shards (`shard(path)` returns a shard's bytes or
 * undefined when the file is missing). Each group's shards must hold exactly its weights' bytes.
 */
export function readManifestWeights(manifest: unknown, shard: (path: string) => Uint8Array | undefined): ManifestTensor[] {
  const groups = parseManifest(manifest);
  const tensorCount = groups.reduce((n, g) => n + g.weights.length, 0);
  if (tensorCount > WEIGHT_LIMITS.tensors) throw new ImportError(`weightsManifest lists ${tensorCount} weights, more than ${WEIGHT_LIMITS.tensors}`);
  if (groups.reduce((n, g) => n + g.paths.length, 0) > WEIGHT_LIMITS.shards) throw new ImportError(`weightsManifest lists more than ${WEIGHT_LIMITS.shards} shard files`);
  let totalValues = 0;
  for (const group of groups) {
    for (const w of group.weights) {
      totalValues += elementCount(w.shape);
      if (totalValues > WEIGHT_LIMITS.values) {
        throw new ImportError(`weight '${w.name}' ${describeValue(w.shape)}: the weights declare more than ${WEIGHT_LIMITS.values} values (${WEIGHT_LIMITS.values * 4} bytes), more than Netwright keeps`);
      }
    }
  }
  const seen = new Set<string>();
  const out: ManifestTensor[] = [];
  groups.forEach((group, g) => {
    const shards = group.paths.map((path) => {
      const bytes = shard(path);
      if (!bytes) throw new ImportError(`weightsManifest[${g}]: the weight file '${path}' is missing; give it together with model.json`);
      return { path, bytes };
    });
    const expected = group.weights.reduce((n, w) => n + elementCount(w.shape) * bytesPerElement(w), 0);
    const actual = shards.reduce((n, s) => n + s.bytes.byteLength, 0);
    if (actual !== expected) {
      throw new ImportError(
        `weightsManifest[${g}]: the weight file${shards.length === 1 ? '' : 's'} ${shards.map((s) => `'${s.path}'`).join(', ')} hold${shards.length === 1 ? 's' : ''} ${actual} bytes but the manifest's weights need ${expected} (${actual < expected ? 'truncated or' : ''} not the files of this model.json)`,
      );
    }
    const all = new Uint8Array(actual);
    let at = 0;
    for (const s of shards) {
      all.set(s.bytes, at);
      at += s.bytes.byteLength;
    }
    const view = new DataView(all.buffer);
    let offset = 0;
    for (const w of group.weights) {
      if (seen.has(w.name)) throw new ImportError(`weightsManifest[${g}]: weight '${w.name}' is listed twice`);
      seen.add(w.name);
      const n = elementCount(w.shape);
      const values = new Float32Array(n);
      if (w.quantization) {
        const { scale, min, dtype } = w.quantization;
        for (let i = 0; i < n; i++) values[i] = (dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true)) * scale + min;
      } else if (w.dtype === 'float32') {
        for (let i = 0; i < n; i++) values[i] = view.getFloat32(offset + 4 * i, true);
      } else {
        for (let i = 0; i < n; i++) values[i] = view.getInt32(offset + 4 * i, true);
      }
      offset += n * bytesPerElement(w);
      out.push({ name: w.name, shape: [...w.shape], values });
    }
  });
  return out;
}
