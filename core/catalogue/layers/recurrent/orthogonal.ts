/**
 * The orthogonal initializer (the recurrent kernels' default) with its QR factorization done in
 * typed arrays. tfjs-layers 4.22 runs `linalg.qr`, a Householder loop of many small tensor ops
 * per column: an LSTM(256) recurrent kernel takes seconds on wasm and minutes on cpu to
 * initialise. Here the same random normal matrix (drawn by the same tfjs call, so seeds and
 * SeededScope behave as before) is factorized in float64 in plain JavaScript; the result is the
 * same matrix as tfjs' up to float32 rounding: Q·sign(diag R) does not depend on the sign
 * convention of the reflections, so the distribution (Haar) is unchanged.
 *
 * Registered under tfjs' own class name "Orthogonal", so the layers' default
 * (`recurrentInitializer: 'orthogonal'`) and saved models' configs resolve to it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * The thin Q of the Householder QR of `a` (m×n, m ≥ n, row-major), with each column multiplied
 * by the sign of R's diagonal entry: the unique Q whose R has a non-negative diagonal.
 * Returned row-major, m×n.
 */
/** Applies H = I - 2vvᵀ (v spans rows k..m-1) to columns from..n-1 of the column-major m-row matrix `cols`, in place. */
function reflectColumns(v: Float64Array, k: number, cols: Float64Array, m: number, from: number, n: number): void {
  for (let j = from; j < n; j++) {
    const cj = j * m;
    let dot = 0;
    for (let i = k; i < m; i++) dot += (v[i - k] as number) * (cols[cj + i] as number);
    dot *= 2;
    for (let i = k; i < m; i++) cols[cj + i] = (cols[cj + i] as number) - dot * (v[i - k] as number);
  }
}

export function orthonormalColumns(a: ArrayLike<number>, m: number, n: number): Float64Array {
  if (m < n) throw new Error(`orthonormalColumns: needs rows >= columns, got ${m}×${n}`);
  // Column-major working copy: the reflections read and write whole columns.
  const cols = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) cols[j * m + i] = a[i * n + j] as number;
  const reflectors: Float64Array[] = [];
  const diagSigns = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let norm = 0;
    for (let i = k; i < m; i++) norm += (cols[ck + i] as number) ** 2;
    norm = Math.sqrt(norm);
    const x0 = cols[ck + k] as number;
    // R[k][k] = alpha; its sign opposes x0 to avoid cancellation in v = x - alpha·e.
    const alpha = x0 > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = cols[ck + i] as number;
    v[0] = x0 - alpha;
    let vNorm = 0;
    for (let i = 0; i < v.length; i++) vNorm += (v[i] as number) ** 2;
    vNorm = Math.sqrt(vNorm);
    if (vNorm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / vNorm;
    reflectors.push(v);
    // tfjs takes sign(0) = 0 (a zero column, probability zero for a random normal matrix).
    diagSigns[k] = Math.sign(alpha);
    // Apply H = I - 2vvᵀ to the remaining columns.
    reflectColumns(v, k, cols, m, k + 1, n);
  }
  // Q = H0·H1·…·H(n-1)·I[:, :n], applied right to left; column j is untouched by H(k) for j < k.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    reflectColumns(reflectors[k] as Float64Array, k, q, m, k, n);
  }
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = (q[j * m + i] as number) * (diagSigns[j] as number);
  return out;
}

interface OrthogonalArgs {
  gain?: number;
  seed?: number;
}

interface OrthogonalInstance extends tf.serialization.Serializable {
  getConfig(): tf.serialization.ConfigDict;
  gain: number;
  seed?: number;
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
}

/** The class and its statics, as tfjs' serialization registry takes it. */
export type OrthogonalClass = tf.serialization.SerializableConstructor<OrthogonalInstance> & (new (args: OrthogonalArgs) => OrthogonalInstance);

/** tfjs-layers' Orthogonal class (not exported by name): the config and serialization stay its own. */
export const StockOrthogonal = tfl.initializers.orthogonal({}).constructor as OrthogonalClass;

export class FastOrthogonal extends StockOrthogonal {
  static override className = 'Orthogonal';

  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (shape.length < 2) throw new Error(`Orthogonal initializer: shape [${shape.join(', ')}] must be at least 2-D`);
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') {
      throw new TypeError(`Orthogonal initializer: unsupported data type ${dtype}`);
    }
    const dims = shape as number[];
    const numRows = dims.slice(0, -1).reduce((p, d) => p * d, 1);
    const numCols = dims[dims.length - 1] as number;
    const rows = Math.max(numRows, numCols);
    const cols = Math.min(numRows, numCols);
    // The same draw as tfjs' initializer (K.randomNormal is tf.randomNormal with these arguments).
    const random = tf.randomNormal([rows, cols], 0, 1, 'float32', this.seed);
    const values = random.dataSync();
    random.dispose();
    const q = orthonormalColumns(values, rows, cols);
    const out = new Float32Array(numRows * numCols);
    if (numRows >= numCols) {
      for (let i = 0; i < out.length; i++) out[i] = this.gain * (q[i] as number);
    } else {
      // Q is numCols×numRows here: the initializer returns its transpose.
      for (let i = 0; i < numRows; i++) for (let j = 0; j < numCols; j++) out[i * numCols + j] = this.gain * (q[j * numRows + i] as number);
    }
    return tf.tensor(out, dims, dtype === 'int32' ? 'int32' : 'float32');
  }
}

tf.serialization.registerClass(FastOrthogonal);
