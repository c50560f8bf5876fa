import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { BackendReport } from './engine-api';
import { engineHealth, selectedBackend } from './engine-client';

export type BackendStatus =
  | { state: 'probing' }
  | { state: 'ready'; report: BackendReport }
  | { state: 'failed'; message: string };

/** Asks the engine worker to choose a tfjs backend once, and reports the outcome. */
export function useBackend(): BackendStatus {
  const [status, setStatus] = useState<BackendStatus>({ state: 'probing' });
  // A restarted engine chooses its backend again.
  const health = useStore(engineHealth);
  useEffect(() => {
    let live = true;
    selectedBackend().then(
        (report) => live && setStatus({ state: 'ready', report }),
        (err: unknown) =>
          live && setStatus({ state: 'failed', message: err instanceof Error ? err.message : String(err) }),
      );
    return () => {
      live = false;
    };
  }, [health]);
  return status;
}
