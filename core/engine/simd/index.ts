/**
 * Netwright's wasm SIMD kernels (kernels.c and the other C files beside it), run on the memory of tfjs' own wasm module.
 *
 * scripts/build-simd.mjs compiles the C files into one module, twice (clang, wasm32 + simd128, memory imported): for
 * tfjs' single-threaded wasm module (its memory is a plain WebAssembly.Memory, Node) and for the
 * threaded one (a shared memory, the cross-origin-isolated browser worker). `compileSimdKernels`
 * compiles the bytes once (async: the bytes come from a file in Node and a fetch in the browser);
 * after that `simdFor(backend)` instantiates the module on that wasm backend's memory, synchronously
 * and once per memory, so kernels get it wherever they run. Pointers passed to the kernels are the
 * tensors' offsets in tfjs' heap (BackendWasm.getMemoryOffset): nothing is copied.
 *
 * The tfjs kernels that call into it are in ./kernels.ts; the ops that use them check `simdReady()`
 * and keep their previous path when the module is not compiled (then `simdStatus()` says why).
 */

/** The exports of kernels.c (pointers are byte offsets into tfjs' heap). */
export interface SimdExports {
  tanh_f32(x: number, y: number, n: number): void;
  sigmoid_f32(x: number, y: number, n: number): void;
  matmul_f32(a: number, b: number, c: number, m: number, k: number, n: number, transposeA: number): void;
  additive_scores_forward(q: number, k: number, v: number, scores: number, hidden: number, batch: number, tq: number, tv: number, units: number): void;
  additive_scores_backward(
    dy: number,
    hidden: number,
    v: number,
    dq: number,
    dk: number,
    dv: number,
    dvPart: number,
    dv64: number,
    batch: number,
    tq: number,
    tv: number,
    units: number,
  ): void;
  lstm_forward(
    x: number,
    kernel: number,
    bias: number,
    recurrent: number,
    h0: number,
    c0: number,
    keep: number,
    out: number,
    gates: number,
    cellOut: number,
    prevC: number,
    prevH: number,
    z: number,
    h: number,
    c: number,
    batch: number,
    time: number,
    features: number,
    units: number,
    goBackwards: number,
  ): void;
  lstm_backward(
    dOut: number,
    x: number,
    kernel: number,
    recurrent: number,
    keep: number,
    gates: number,
    cellOut: number,
    prevC: number,
    prevH: number,
    dx: number,
    dKernel: number,
    dRecurrent: number,
    dBias: number,
    dh: number,
    dc: number,
    dPre: number,
    recurrentT: number,
    kernelT: number,
    dhNext: number,
    pass: number,
    sums64: number,
    batch: number,
    time: number,
    features: number,
    units: number,
    goBackwards: number,
  ): void;
  column_sums(m: number, sums: number, sums64: number, rows: number, cols: number): void;
  /** Σ x² or, when y is not 0, Σ (x - y)², in float64. */
  sum_squares_f64(x: number, y: number, n: number): number;
  adam_f32(
    value: number,
    m: number,
    v: number,
    g: number,
    outValue: number,
    outM: number,
    outV: number,
    n: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    oneMinusBeta1Power: number,
    oneMinusBeta2Power: number,
    epsilon: number,
    negativeLearningRate: number,
  ): void;
  conv2d_forward(x: number, w: number, bias: number, y: number, geometry: number, relu: number, wp: number, patches: number, yBlock: number): void;
  conv2d_backprop_filter(x: number, dy: number, y: number, dw: number, geometry: number, relu: number, acc: number, patches: number, dyBlock: number): void;
  conv2d_backprop_input(dy: number, y: number, w: number, dx: number, geometry: number, relu: number, wt: number, dyBlock: number, patches: number): void;
  conv2d_bias_grad(dy: number, y: number, db: number, part: number, sums64: number, rows: number, cout: number, relu: number): void;
  maxpool_forward(x: number, y: number, n: number, h: number, w: number, c: number, oh: number, ow: number, fh: number, fw: number, sh: number, sw: number, top: number, left: number): void;
  maxpool_grad(
    x: number,
    dy: number,
    dx: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    fh: number,
    fw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void;
  sparse_xent_forward(logits: number, labels: number, labelsInt: number, loss: number, rows: number, classes: number): void;
  sparse_xent_backward(logits: number, labels: number, labelsInt: number, dy: number, dlogits: number, rows: number, classes: number): void;
  dense_forward(x: number, w: number, b: number, y: number, packed: number, m: number, k: number, n: number, act: number): void;
  dense_grad_kernel(x: number, dy: number, y: number, packed: number, dw: number, m: number, k: number, n: number, act: number): void;
  dense_grad_input(dy: number, y: number, w: number, dz: number, packed: number, dx: number, m: number, k: number, n: number, act: number): void;
  dense_grad_bias(dy: number, y: number, db: number, m: number, n: number, act: number): void;
  im2col_transposed(
    x: number,
    patches: number,
    n: number,
    h: number,
    w: number,
    c: number,
    oh: number,
    ow: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    dh: number,
    dw: number,
    top: number,
    left: number,
    padded: number,
  ): void;
}

/** Where the built modules are (scripts/build-simd.mjs writes them; not committed). */
export const SIMD_WASM_URLS = {
  plain: new URL('./build/netwright-simd.wasm', import.meta.url),
  shared: new URL('./build/netwright-simd-shared.wasm', import.meta.url),
} as const;

interface Compiled {
  plain: WebAssembly.Module;
  shared: WebAssembly.Module;
}

let compiled: Compiled | null = null;
let status = 'not loaded: compileSimdKernels() was not called';
let disabled =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NETWRIGHT_NO_SIMD'] === '1';
const instances = new WeakMap<WebAssembly.Memory, SimdExports>();

/**
 * Compiles both builds from their bytes (`read` fetches or reads a URL of SIMD_WASM_URLS). Resolves
 * to true when the kernels are usable; on failure (not built, or a runtime without wasm SIMD) to
 * false, with the reason in `simdStatus()`, and the ops keep their previous paths.
 */
export async function compileSimdKernels(read: (url: URL) => Promise<BufferSource>): Promise<boolean> {
  if (compiled) return true;
  try {
    const [plain, shared] = await Promise.all([SIMD_WASM_URLS.plain, SIMD_WASM_URLS.shared].map(async (url) => WebAssembly.compile(await read(url))));
    compiled = { plain: plain!, shared: shared! };
    status = 'compiled';
    return true;
  } catch (error) {
    status = `not loaded: ${error instanceof Error ? error.message : String(error)} (build it with \`npm run build:simd\`)`;
    return false;
  }
}

/**
 * Why the SIMD kernels are or are not in use; given a wasm backend, whether they run on its memory
 * (instantiating them there if needed).
 */
export function simdStatus(backend?: unknown): string {
  if (disabled) return 'disabled (useSimdKernels(false) or NETWRIGHT_NO_SIMD=1)';
  if (backend === undefined || !compiled) return status;
  const memory = wasmMemoryOf(backend);
  if (!memory || !simdFor(backend)) return `${status}; not a wasm backend`;
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer
    ? "in use on tfjs' wasm memory (shared: threaded build)"
    : "in use on tfjs' wasm memory";
}

/** false: every op takes the path it had before the SIMD kernels (for side-by-side measurements). */
export function useSimdKernels(use: boolean): void {
  disabled = !use;
}

/** The part of tfjs-backend-wasm's BackendWasm used here. */
interface WasmModuleBackend {
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  getMemoryOffset(dataId: object): number;
}

function wasmMemoryOf(backend: unknown): WebAssembly.Memory | null {
  const wasm = (backend as Partial<WasmModuleBackend> | null)?.wasm;
  // The single-threaded Emscripten module exports its memory; the threaded one keeps it on the module.
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** The kernels on this wasm backend's memory, or null (not compiled, disabled, or not a wasm backend). */
export function simdFor(backend: unknown): SimdExports | null {
  if (disabled || !compiled) return null;
  const memory = wasmMemoryOf(backend);
  if (!memory) return null;
  let exports = instances.get(memory);
  if (!exports) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const instance = new WebAssembly.Instance(shared ? compiled.shared : compiled.plain, { env: { memory } });
    exports = instance.exports as unknown as SimdExports;
    instances.set(memory, exports);
  }
  return exports;
}

/** A tensor's byte offset in tfjs' wasm heap. */
export function heapOffset(backend: unknown, info: { dataId: object }): number {
  return (backend as WasmModuleBackend).getMemoryOffset(info.dataId);
}
