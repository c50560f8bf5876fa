/** The typed RPC surface of the engine worker (called through comlink). */
import type { SkippedBackend } from '../../core/engine/backends';

export interface BackendRequest {
  /** A backend the user asked for; tried first. */
  override?: string | undefined;
}

export interface BackendReport {
  backend: string;
  skipped: SkippedBackend[];
  tfjsVersion: string;
  /** SharedArrayBuffer available: the wasm backend may use threads. */
  crossOriginIsolated: boolean;
}

export interface EngineApi {
  selectBackend(request: BackendRequest): Promise<BackendReport>;
}
