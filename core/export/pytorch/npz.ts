/**
 * NumPy `.npy` / `.npz` files (format version 1.0) written without NumPy, so the exported project
 * can be read with `numpy.load` / `torch.from_numpy`. Pure: returns bytes.
 */
import { zipSync } from 'fflate';

export type NpyArray =
  | { dtype: 'float32'; shape: readonly number[]; values: Float32Array }
  | { dtype: 'int32'; shape: readonly number[]; values: Int32Array };

const DESCR = { float32: '<f4', int32: '<i4' } as const;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * A `.npy` file's header: magic, version, and the header dictionary padded so the data starts on
 * a 64-byte boundary. The data that follows is little-endian, row-major.
 */
export function npyHeader(dtype: NpyArray['dtype'], shape: readonly number[]): Uint8Array<ArrayBuffer> {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const prefix = 10; // magic (6) + version (2) + header length (2)
  const padded = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(padded - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(padded);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  return out;
}

/** The values' bytes as .npy stores them (little-endian): a view on little-endian hosts, else a swapped copy. */
export function littleEndianBytes(values: Float32Array | Int32Array): Uint8Array {
  // The host's layout is .npy's: no copy (a dataset's arrays hold tens of millions of values).
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i] as number, true);
    else view.setInt32(i * 4, values[i] as number, true);
  }
  return out;
}

/** One `.npy` file: header then the little-endian data. */
export function npyBytes(array: NpyArray): Uint8Array {
  const size = array.shape.reduce((a, b) => a * b, 1);
  if (size !== array.values.length) {
    throw new Error(`npy: shape [${array.shape.join(', ')}] holds ${size} values but ${array.values.length} were given`);
  }
  const header = npyHeader(array.dtype, array.shape);
  const out = new Uint8Array(header.byteLength + size * 4);
  out.set(header, 0);
  out.set(littleEndianBytes(array.values), header.byteLength);
  return out;
}

/** Whether a name can be an array's name inside an `.npz` (it becomes `<name>.npy`). */
export function checkNpzName(name: string): void {
  if (!/^[A-Za-z0-9_.]+$/.test(name)) throw new Error(`npz: array name "${name}" must be letters, digits, "_" and "."`);
}

/** An `.npz` archive of named arrays (stored, not compressed: weights barely compress). */
export function npzBytes(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, array] of arrays) {
    checkNpzName(name);
    files[`${name}.npy`] = npyBytes(array);
  }
  return zipSync(files, { level: 0 });
}
