/**
 * The Content-Security-Policy of the app, shared by the Electron protocol handler and the web
 * server (scripts/web.mjs) so both shells run the page under the same rules.
 * - 'wasm-unsafe-eval': tfjs-backend-wasm compiles WebAssembly; nothing else may eval.
 * - worker-src blob: the wasm backend's thread pool starts workers from blob URLs.
 * - no remote origins anywhere: the app works offline and loads nothing from the network.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' blob: data:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers for every response: CSP plus cross-origin isolation (SharedArrayBuffer for wasm threads). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'X-Content-Type-Options': 'nosniff',
};
