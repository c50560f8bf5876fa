/** The UI side of the engine worker: one worker per page, created on first use. */
import * as Comlink from 'comlink';
import type { BackendReport, EngineApi } from './engine-api';

let engine: Comlink.Remote<EngineApi> | null = null;

export function getEngine(): Comlink.Remote<EngineApi> {
  if (!engine) {
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'netwright-engine',
    });
    engine = Comlink.wrap<EngineApi>(worker);
  }
  return engine;
}

const OVERRIDE_KEY = 'netwright.backend';

/** A backend forced by the user: `?backend=wasm` in the URL, or saved in localStorage. */
export function backendOverride(): string | undefined {
  const fromUrl = new URLSearchParams(window.location.search).get('backend');
  if (fromUrl) return fromUrl;
  try {
    return window.localStorage.getItem(OVERRIDE_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled
  }
}

let selection: Promise<BackendReport> | null = null;

/** The backend choice, made once per page (probing twice at once would race on tfjs' globals). */
export function selectedBackend(): Promise<BackendReport> {
  selection ??= getEngine().selectBackend({ override: backendOverride() });
  return selection;
}
