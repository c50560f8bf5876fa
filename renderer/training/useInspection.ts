/** Asks the engine worker for an inspection and refreshes it as training goes on. */
import { useEffect, useRef, useState } from 'react';
import type { InspectRequest, InspectResult } from '../engine/engine-api';
import { getEngine } from '../engine/engine-client';
import { useTraining } from './training-store';

export type Inspection<K extends InspectResult['kind']> =
  | { state: 'idle' }
  | { state: 'loading'; last: Extract<InspectResult, { kind: K }> | null }
  | { state: 'ready'; result: Extract<InspectResult, { kind: K }> }
  | { state: 'failed'; message: string };

/**
 * `request` null: nothing asked. The request is re-sent when its content changes and whenever
 * the training store's inspect tick moves (epoch ends, every ~2 s of training, pause, end).
 */
export function useInspection<K extends InspectResult['kind']>(request: (InspectRequest & { kind: K }) | null, enabled = true): Inspection<K> {
  const tick = useTraining((s) => s.inspectTick);
  // Only the model the worker holds can be inspected (another run's weights are opened first).
  const loaded = useTraining((s) => s.activeRunId !== null && s.loadedRunId === s.activeRunId);
  const [state, setState] = useState<Inspection<K>>({ state: 'idle' });
  const [retry, setRetry] = useState(0);
  const key = request ? JSON.stringify(request) : null;
  const inFlight = useRef(false);
  const pending = useRef(false);
  const mounted = useRef(true);
  const last = useRef<Extract<InspectResult, { kind: K }> | null>(null);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (!key || !enabled || !loaded) return;
    // One request at a time; a request asked for meanwhile is sent when this one returns.
    if (inFlight.current) {
      pending.current = true;
      return;
    }
    inFlight.current = true;
    setState({ state: 'loading', last: last.current });
    getEngine()
      .inspect(JSON.parse(key) as InspectRequest)
      .then(
        (result) => {
          last.current = result as Extract<InspectResult, { kind: K }>;
          if (mounted.current) setState({ state: 'ready', result: last.current });
        },
        (err: unknown) => mounted.current && setState({ state: 'failed', message: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => {
        inFlight.current = false;
        if (pending.current && mounted.current) {
          pending.current = false;
          setRetry((n) => n + 1);
        }
      });
  }, [key, tick, enabled, loaded, retry]);

  return state;
}

/** The latest result of an inspection, also while a newer one loads. */
export function latest<K extends InspectResult['kind']>(inspection: Inspection<K>): Extract<InspectResult, { kind: K }> | null {
  if (inspection.state === 'ready') return inspection.result;
  if (inspection.state === 'loading') return inspection.last;
  return null;
}
