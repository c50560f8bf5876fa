/**
 * The wasm backend's thread count: tfjs-backend-wasm reads it once, when the backend starts in the
 * engine worker (setThreadsCount), so it is a preference of this computer, applied when the engine
 * starts: `?threads=N` in the URL (benchmarks, tests) or the saved preference, else the default.
 */
export const WASM_THREADS_KEY = 'netwright.wasmThreads';

/**
 * One thread unless the user asks for more: `npm run bench:browser` on 2 shared cores (load
 * 11-26, three runs) showed no gain from a second pool thread beyond the noise (2/1 threads:
 * mlp-mnist 0.78-0.93, seq2seq-dates 0.59-1.23; docs/performance.md, "Browser worker"). Only
 * XNNPACK's kernels use the pool, not Netwright's SIMD kernels. tfjs' own default would be
 * hardwareConcurrency / 2.
 */
export const DEFAULT_WASM_THREADS = 1;

/** More than this is refused: tfjs' threaded module keeps a pool of 8 workers. */
export const MAX_WASM_THREADS = 8;

/** A thread count from text (URL, storage), or null when it is not a whole number in 1..MAX_WASM_THREADS. */
export function parseWasmThreads(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || !/^\d+$/.test(raw.trim())) return null;
  const n = Number(raw);
  return n >= 1 && n <= MAX_WASM_THREADS ? n : null;
}

/** The saved preference, or null (none saved, storage disabled). */
export function savedWasmThreads(): number | null {
  try {
    return parseWasmThreads(window.localStorage.getItem(WASM_THREADS_KEY));
  } catch {
    return null;
  }
}

/** Saves the preference (null: back to the default); applied when the engine next starts. */
export function saveWasmThreads(threads: number | null): void {
  try {
    if (threads === null) window.localStorage.removeItem(WASM_THREADS_KEY);
    else window.localStorage.setItem(WASM_THREADS_KEY, String(threads));
  } catch {
    // storage disabled: the choice lasts until the page reloads
  }
}

/** What the engine is asked for: the URL's `threads`, else the saved preference, else the default. */
export function requestedWasmThreads(): number {
  return parseWasmThreads(new URLSearchParams(window.location.search).get('threads')) ?? savedWasmThreads() ?? DEFAULT_WASM_THREADS;
}
