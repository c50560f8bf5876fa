/** Says when the training engine (the worker) stopped, and offers to start a new one. */
import { useStore } from 'zustand';
import { engineHealth, restartEngine } from '../engine/engine-client';

export function EngineAlert() {
  const health = useStore(engineHealth);
  if (health.state !== 'stopped') return null;
  return (
    <div className="recovery-banner engine-alert" role="alert" data-testid="engine-stopped">
      <span>
        The training engine stopped: {health.reason}. Your graph is unaffected; a training run that was going on has
        ended.
      </span>
      <button type="button" className="button primary" onClick={restartEngine}>
        Restart the engine
      </button>
    </div>
  );
}
