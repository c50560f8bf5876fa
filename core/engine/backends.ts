/**
 * Backend selection by probing. A tfjs backend counts only if it initialises AND computes a tiny
 * matmul and its gradient correctly: some drivers initialise fine and then return garbage, and
 * the fastest backend depends on the machine (wasm beats software WebGL), so nothing is assumed.
 * Pure: takes the tfjs namespace, touches no DOM; the caller registers the backends it can offer.
 */
import type * as tfc from '@tensorflow/tfjs-core';

export type TfNamespace = typeof tfc;

/** The backends Netwright knows how to register, fastest first on machines with a real GPU. */
export const DEFAULT_BACKEND_PREFERENCE = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

export interface SkippedBackend {
  name: string;
  reason: string;
}

export interface BackendChoice {
  backend: string;
  /** Every backend tried before the chosen one, in order, with why it was not used. */
  skipped: SkippedBackend[];
}

export interface ChooseBackendOptions {
  /** Names in order of preference. */
  preference: readonly string[];
  /** A backend the user asked for: tried first, before the preference list. */
  override?: string | undefined;
  /**
   * Optional test run before initialising a backend (e.g. "is there a WebGPU adapter?"), to
   * give a precise reason instead of a failed initialisation; returns a reason or null.
   */
  precheck?: (name: string) => Promise<string | null> | string | null;
  /**
   * Optional extra test run after the numeric check while the backend is active; returns a
   * reason to skip it (e.g. "software WebGL renderer") or null to accept it.
   */
  veto?: (name: string) => Promise<string | null> | string | null;
}

export class NoUsableBackendError extends Error {
  constructor(readonly skipped: SkippedBackend[]) {
    super(
      `no usable tfjs backend: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ') || 'none tried'}`,
    );
    this.name = 'NoUsableBackendError';
  }
}

/** Order of trial: the override first, then the preference list, without repeats. */
export function probeOrder(preference: readonly string[], override?: string): string[] {
  const order = override ? [override, ...preference] : [...preference];
  return [...new Set(order)];
}

// a = [[1,2],[3,4]], b = [[5,6],[7,8]]: a.b = [[19,22],[43,50]];
// d(sum(a.b))/da = ones . b^T = [[11,15],[11,15]].
const A = [1, 2, 3, 4];
const B = [5, 6, 7, 8];
const EXPECTED_PRODUCT = [19, 22, 43, 50];
const EXPECTED_GRADIENT = [11, 15, 11, 15];
// Loose enough for half-precision GPU textures, tight enough to catch wrong kernels.
const TOLERANCE = 1e-2;

function mismatch(got: ArrayLike<number>, want: readonly number[]): boolean {
  if (got.length !== want.length) return true;
  return want.some((w, i) => !(Math.abs((got[i] ?? Number.NaN) - w) <= TOLERANCE));
}

function describe(values: ArrayLike<number>): string {
  return `[${Array.from(values, (v) => Number(v.toFixed(3))).join(', ')}]`;
}

/**
 * Runs the numeric check on the currently active backend; returns a reason or null when right.
 * Both ways of reading a result are checked: asynchronous (data()) and synchronous (dataSync(),
 * which the trainer uses at every step). They are separate paths on webgpu: its synchronous read
 * copies the buffer through a canvas, which returns zeros where WebGPU cannot share textures with
 * the 2D canvas (headless Chromium's SwiftShader adapter, for one), while data() maps the buffer
 * and is right. Training there would see zero losses and stop with a false "non-finite" report.
 */
export async function checkActiveBackend(tf: TfNamespace): Promise<string | null> {
  const [product, gradient] = tf.tidy(() => {
    const a = tf.tensor2d(A, [2, 2]);
    const b = tf.tensor2d(B, [2, 2]);
    const grad = tf.grad((x: tfc.Tensor) => tf.sum(tf.matMul(x as tfc.Tensor2D, b)));
    return [tf.matMul(a, b), grad(a)] as const;
  });
  try {
    const [p, g] = await Promise.all([product.data(), gradient.data()]);
    if (mismatch(p, EXPECTED_PRODUCT)) {
      return `matmul gave ${describe(p)}, expected ${describe(EXPECTED_PRODUCT)}`;
    }
    if (mismatch(g, EXPECTED_GRADIENT)) {
      return `matmul gradient gave ${describe(g)}, expected ${describe(EXPECTED_GRADIENT)}`;
    }
  } finally {
    product.dispose();
    gradient.dispose();
  }
  // A fresh tensor: a read caches the values on the CPU, and a second read would return the cache.
  const fresh = tf.tidy(() => tf.matMul(tf.tensor2d(A, [2, 2]), tf.tensor2d(B, [2, 2])));
  try {
    const p = fresh.dataSync();
    if (mismatch(p, EXPECTED_PRODUCT)) {
      return `matmul read synchronously (as the inspection views read) gave ${describe(p)}, expected ${describe(EXPECTED_PRODUCT)}`;
    }
    return null;
  } finally {
    fresh.dispose();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Tries each backend in order and leaves the first one that passes active. Throws
 * NoUsableBackendError (with every reason) when none passes.
 */
export async function chooseBackend(
  tf: TfNamespace,
  options: ChooseBackendOptions,
): Promise<BackendChoice> {
  const skipped: SkippedBackend[] = [];
  for (const name of probeOrder(options.preference, options.override)) {
    if (tf.findBackendFactory(name) === null) {
      skipped.push({ name, reason: 'not registered in this build' });
      continue;
    }
    let reason: string | null;
    try {
      const precheckReason = options.precheck ? await options.precheck(name) : null;
      if (precheckReason !== null) {
        skipped.push({ name, reason: precheckReason });
        continue;
      }
      // setBackend resolves false (and logs) when the backend's initialisation fails.
      const ok = await tf.setBackend(name);
      if (!ok) {
        reason = 'failed to initialise';
      } else {
        reason = (await checkActiveBackend(tf)) ?? (options.veto ? await options.veto(name) : null);
      }
    } catch (err) {
      reason = `error: ${message(err)}`;
    }
    if (reason === null) return { backend: name, skipped };
    skipped.push({ name, reason });
  }
  throw new NoUsableBackendError(skipped);
}
