/**
 * The UI side of the engine worker: one worker per page, created on first use.
 * A worker that dies (killed for memory, a wasm trap that escapes, an uncaught error) or stops
 * answering is noticed: the engine's health turns `stopped` with the reason, every call still
 * waiting for an answer rejects with it (so a running training ends with that error instead of
 * waiting forever), and `restartEngine()` starts a fresh worker. The document is never touched.
 */
import * as Comlink from 'comlink';
import { createStore } from 'zustand/vanilla';
import type { BackendReport, EngineApi } from './engine-api';
import { requestedWasmThreads } from './wasm-threads';

export type EngineHealth = { state: 'running' } | { state: 'stopped'; reason: string };

export const engineHealth = createStore<EngineHealth>()(() => ({ state: 'running' }));

/** How often the worker is asked whether it still answers, and how long it may take. */
export const HEARTBEAT_EVERY_MS = 5_000;
/** Generous: the worker answers between training steps, and one step of a big model on cpu is slow. */
export const HEARTBEAT_TIMEOUT_MS = 60_000;

type Listener = (event: MessageEvent) => void;

/**
 * A comlink endpoint over the worker that remembers which requests are still unanswered, so they
 * can be failed when the worker dies (comlink itself would wait for ever).
 */
class EngineEndpoint implements Comlink.Endpoint {
  private readonly listeners = new Set<Listener>();
  private readonly pending = new Set<string>();
  private readonly heartbeats = new Map<string, (answered: boolean) => void>();
  private nextHeartbeat = 1;

  constructor(readonly worker: Worker) {
    worker.addEventListener('message', this.onMessage);
  }

  postMessage(message: unknown, transfer?: Transferable[]): void {
    const id = (message as { id?: unknown } | null)?.id;
    if (typeof id === 'string') this.pending.add(id);
    this.worker.postMessage(message, transfer ?? []);
  }

  addEventListener(_type: string, listener: EventListenerOrEventListenerObject): void {
    this.listeners.add(listener as Listener);
  }

  removeEventListener(_type: string, listener: EventListenerOrEventListenerObject): void {
    this.listeners.delete(listener as Listener);
  }

  /** Resolves true when the worker answers within `timeoutMs` (a comlink GET of a constant). */
  probe(timeoutMs: number): Promise<boolean> {
    const id = `heartbeat-${this.nextHeartbeat++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.heartbeats.delete(id);
        resolve(false);
      }, timeoutMs);
      this.heartbeats.set(id, (answered) => {
        clearTimeout(timer);
        this.heartbeats.delete(id);
        resolve(answered);
      });
      // The name of one of the API's functions: a tiny answer comlink gives between steps.
      this.worker.postMessage({ id, type: 'GET', path: ['selectBackend', 'name'] });
    });
  }

  /** Rejects every unanswered call with `reason`, in comlink's own error format. */
  failPending(reason: string): void {
    for (const id of this.pending) {
      const data = { id, type: 'HANDLER', name: 'throw', value: { isError: true, value: { name: 'EngineStoppedError', message: reason } } };
      this.dispatch(new MessageEvent('message', { data }));
    }
    this.pending.clear();
    for (const answer of [...this.heartbeats.values()]) answer(false);
  }

  private readonly onMessage = (event: MessageEvent): void => {
    const id = (event.data as { id?: unknown } | null)?.id;
    if (typeof id === 'string') {
      const heartbeat = this.heartbeats.get(id);
      if (heartbeat) return heartbeat(true);
      this.pending.delete(id);
    }
    this.dispatch(event);
  };

  private dispatch(event: MessageEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

let engine: Comlink.Remote<EngineApi> | null = null;
let endpoint: EngineEndpoint | null = null;
let heartbeat: ReturnType<typeof setInterval> | null = null;

function engineStopped(worker: EngineEndpoint, reason: string): void {
  if (endpoint !== worker || engineHealth.getState().state === 'stopped') return;
  if (heartbeat) clearInterval(heartbeat);
  heartbeat = null;
  engineHealth.setState({ state: 'stopped', reason }, true);
  worker.failPending(`The training engine stopped: ${reason}`);
  worker.worker.terminate();
}

/** Asks the worker whether it answers; marks the engine stopped when it does not in time. */
export async function checkEngine(timeoutMs: number = HEARTBEAT_TIMEOUT_MS): Promise<boolean> {
  const current = endpoint;
  if (!current || engineHealth.getState().state === 'stopped') return false;
  // A second, short question before giving up: a timer that ran across a sleep of the computer
  // can expire before a worker that is fine has had a chance to answer.
  const answered = (await current.probe(timeoutMs)) || (await current.probe(Math.min(timeoutMs, 10_000)));
  if (!answered) engineStopped(current, `it has not answered for ${Math.round(timeoutMs / 1000)} s (it may have run out of memory)`);
  return answered;
}

export function getEngine(): Comlink.Remote<EngineApi> {
  if (!engine) {
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'netwright-engine',
    });
    const current = new EngineEndpoint(worker);
    worker.addEventListener('error', (event) => {
      event.preventDefault(); // reported here, not as an uncaught page error
      engineStopped(current, event.message || 'the worker failed without a message');
    });
    worker.addEventListener('messageerror', () => engineStopped(current, 'a message from the worker could not be read'));
    endpoint = current;
    engine = Comlink.wrap<EngineApi>(current);
    let probing = false;
    heartbeat = setInterval(() => {
      if (probing) return;
      probing = true;
      void checkEngine().finally(() => {
        probing = false;
      });
    }, HEARTBEAT_EVERY_MS);
  }
  return engine;
}

/** Starts a fresh worker after a stop (the backend is chosen again). */
export function restartEngine(): void {
  if (heartbeat) clearInterval(heartbeat);
  heartbeat = null;
  endpoint?.worker.terminate();
  endpoint = null;
  engine = null;
  selection = null;
  engineHealth.setState({ state: 'running' }, true);
  void selectedBackend().catch(() => undefined); // the status bar reports a failure itself
}

/** For end-to-end tests: kills the worker the way the browser does on out-of-memory (no event). */
export function killEngineForTest(): void {
  endpoint?.worker.terminate();
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
  selection ??= getEngine().selectBackend({ override: backendOverride(), wasmThreads: requestedWasmThreads() });
  return selection;
}
