/**
 * NumPy `.npz` archives (a zip of `.npy` files, format version 1.0) written without NumPy, so the
 * exported project can be read with `numpy.load` / `torch.from_numpy`. Pure: returns bytes.
 */
import { zipSync } from 'fflate';

export type NpyArray =
  | { dtype: 'float32'; shape: readonly number[]; values: Float32Array }
  | { dtype: 'int32'; shape: readonly number[]; values: Int32Array };

const DESCR = { float32: '<f4', int32: '<i4' } as const;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** One `.npy` file: magic, header padded so the data starts on a 64-byte boundary, little-endian data. */
export function npyBytes(array: NpyArray): Uint8Array {
  const size = array.shape.reduce((a, b) => a * b, 1);
  if (size !== array.values.length) {
    throw new Error(`npy: shape [${array.shape.join(', ')}] holds ${size} values but ${array.values.length} were given`);
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[array.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const prefix = 10; // magic (6) + version (2) + header length (2)
  const padded = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(padded - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(padded + size * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  if (LITTLE_ENDIAN) {
    // The host's layout is .npy's: copy the bytes (a dataset's arrays hold tens of millions of values).
    out.set(new Uint8Array(array.values.buffer, array.values.byteOffset, size * 4), padded);
    return out;
  }
  for (let i = 0; i < size; i++) {
    if (array.dtype === 'float32') view.setFloat32(padded + i * 4, array.values[i] as number, true);
    else view.setInt32(padded + i * 4, array.values[i] as number, true);
  }
  return out;
}

/** An `.npz` archive of named arrays (stored, not compressed: weights barely compress). */
export function npzBytes(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, array] of arrays) {
    if (!/^[A-Za-z0-9_.]+$/.test(name)) throw new Error(`npz: array name "${name}" must be letters, digits, "_" and "."`);
    files[`${name}.npy`] = npyBytes(array);
  }
  return zipSync(files, { level: 0 });
}
