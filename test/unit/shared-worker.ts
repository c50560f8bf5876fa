/**
 * Setup of the unit files that share a worker process (vitest.config.ts SHARED_WORKER): they may
 * not start a tfjs backend, whose state would carry over to the next file in the process. tfjs
 * keeps its engine on the global object (tfjs-core global_util: _tfengine).
 */
import { afterEach, expect } from 'vitest';

afterEach(() => {
  const engine = (globalThis as { _tfengine?: { backendName?: string | null } })._tfengine;
  const backend = engine?.backendName ?? null;
  expect(backend, `${expect.getState().testPath ?? 'this file'} started the tfjs backend '${backend}': move it out of SHARED_WORKER in vitest.config.ts`).toBeNull();
});
