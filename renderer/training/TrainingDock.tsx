/**
 * The training dock (bottom panel): the training setup of the document (edited through the
 * editor store, so it is saved and undone with the graph), Start/Pause/Resume/Stop, progress,
 * warnings, and the live views. Training itself runs in the engine worker.
 */
import { useEffect, useState } from 'react';
import { editorStore, useEditor } from '../state/editor';
import { getEngine, selectedBackend } from '../engine/engine-client';
import type { BackendReport } from '../engine/engine-api';
import {
  activeRun,
  isBusy,
  pauseTraining,
  resumeTraining,
  secondsLeft,
  startTraining,
  stopTraining,
  useTraining,
  type Run,
} from './training-store';
import { DOCK_TABS, tabShows } from './views';
import { InspectionInput } from './InspectionInput';
import { RunsView } from './RunsView';
import { SetupForm } from './SetupForm';
import { watchKeptRuns } from './kept-runs';
import './training.css';

// The runs list follows the document's kept runs (open a file: its runs appear).
watchKeptRuns();

/** The tabs shown for a run: Setup, the view tabs its model supports (all before it compiles), Runs. */
function tabsFor(run: Run | null): { id: string; label: string }[] {
  return [{ id: 'setup', label: 'Setup' }, ...DOCK_TABS.filter((t) => tabShows(t, run)), { id: 'runs', label: 'Runs' }];
}

function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '–';
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function Progress({ run }: { run: Run }) {
  useTraining((s) => s.version);
  const total = run.batchesPerEpoch * run.epochs;
  const done = run.steps.length;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  return (
    <div className="progress" data-testid="training-progress" data-state={run.state}>
      <div className="progress-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)} data-testid="progress-bar">
        <div style={{ width: `${fraction * 100}%` }} />
      </div>
      <div className="progress-text">
        <span data-testid="run-state">{run.state}</span>
        <span>
          epoch {Math.min(run.epoch + 1, run.epochs)}/{run.epochs} · batch {run.batch}/{run.batchesPerEpoch}
        </span>
        {run.manifest?.origin ? (
          <span title="Weights imported from a model file, not trained here" data-testid="run-imported-from">
            imported from {run.manifest.origin.file}, {run.manifest.startedAt.slice(0, 16).replace('T', ' ')}
          </span>
        ) : run.origin === 'document' ? (
          <span title="A run kept with the document">kept run, trained {run.manifest?.startedAt.slice(0, 16).replace('T', ' ') ?? ''}</span>
        ) : (
          <>
            <span>{Math.round(run.samplesPerSecond)} samples/s</span>
            <span data-testid="eta" data-seconds={secondsLeft(run) ?? ''}>
              {formatSeconds(secondsLeft(run))} left
            </span>
          </>
        )}
        {run.losses.length > 0 ? <span>loss {(run.losses[run.losses.length - 1] as number).toPrecision(4)}</span> : null}
        {Object.entries(run.lastMetrics).map(([k, v]) => (
          <span key={k}>
            {k} {v.toFixed(3)}
          </span>
        ))}
      </div>
      {run.backend ? (
        <div className="muted backend-reason" data-testid="run-backend" title={run.backendReason ?? ''}>
          {run.manifest?.origin
            ? `Imported on ${run.backend}; opened on the current backend`
            : run.origin === 'document'
              ? `Trained on ${run.backend}; opened on the current backend`
              : `Backend ${run.backend}: ${run.backendReason}`}
        </div>
      ) : null}
    </div>
  );
}

function Messages({ run }: { run: Run }) {
  useTraining((s) => s.version);
  if (run.warnings.length === 0 && !run.error) return null;
  return (
    <div className="messages">
      {run.error ? (
        <p className="message error" role="alert" data-testid="training-error">
          {run.error}
        </p>
      ) : null}
      {run.warnings.map((w) => (
        <p key={w} className="message warning" data-testid="training-warning">
          {w}
        </p>
      ))}
    </div>
  );
}

/** Tells the worker while the user pans or zooms the canvas, so training leaves frames room. */
function useInteractionHint(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    let last = 0;
    let dragging = false;
    const hint = (on: boolean) => {
      const now = performance.now();
      if (on && now - last < 500) return;
      last = on ? now : 0;
      void getEngine().setInteractive(on);
    };
    const onCanvas = (e: Event) => e.target instanceof Element && e.target.closest('.react-flow') !== null;
    const down = (e: PointerEvent) => {
      if (onCanvas(e)) {
        dragging = true;
        hint(true);
      }
    };
    const move = () => dragging && hint(true);
    const up = () => {
      if (dragging) hint(false);
      dragging = false;
    };
    const wheel = (e: WheelEvent) => onCanvas(e) && hint(true);
    window.addEventListener('pointerdown', down, true);
    window.addEventListener('pointermove', move, true);
    window.addEventListener('pointerup', up, true);
    window.addEventListener('wheel', wheel, { capture: true, passive: true });
    return () => {
      window.removeEventListener('pointerdown', down, true);
      window.removeEventListener('pointermove', move, true);
      window.removeEventListener('pointerup', up, true);
      window.removeEventListener('wheel', wheel, true);
    };
  }, [active]);
}

export function TrainingDock() {
  const graph = useEditor((s) => s.document);
  // The graph a view belongs to: a new identity on every New, Open, template or recovery.
  const documentKey = useEditor((s) => s.documentKey);
  const runId = useTraining((s) => s.activeRunId);
  // Not the version: the dock (its form, tabs) re-renders when the run's state changes; the parts
  // that follow progress (Progress, Messages, the views) subscribe to it themselves.
  useTraining((s) => activeRun(s)?.state);
  // The tabs follow what the opened model supports (a kept run learns it when opened).
  useTraining((s) => activeRun(s)?.capabilities);
  const run = activeRun();
  const busy = isBusy(run);
  const [chosen, setTab] = useState('setup');
  const tabs = tabsFor(run);
  // A tab the model does not support (another document, another run) falls back to the curves.
  const tab = tabs.some((t) => t.id === chosen) ? chosen : 'curves';
  const view = DOCK_TABS.find((t) => t.id === tab);
  useInteractionHint(busy);
  const [report, setReport] = useState<BackendReport | null>(null);
  useEffect(() => {
    selectedBackend().then(setReport, () => setReport(null));
  }, []);
  // A run of a previous document may still be stopping: one training at a time.
  const anyBusy = useTraining((s) => s.runs.some(isBusy));
  const canStart = !anyBusy && graph.training.dataset !== null && graph.nodes.length > 0;
  const start = () => {
    if (tab === 'setup') setTab('curves');
    void startTraining(editorStore.getState().document);
  };
  return (
    <section className="training-dock" aria-label="Training" data-testid="training-dock">
      <div className="dock-main">
        <div className="dock-top">
          <div className="dock-controls">
            {!busy ? (
              <button className="primary" data-testid="train-start" disabled={!canStart} onClick={start} title={canStart ? 'Train the model with its setup' : 'Choose a dataset in Setup and add layers first'}>
                ▶ Start
              </button>
            ) : run?.state === 'paused' ? (
              <button data-testid="train-resume" onClick={() => void resumeTraining()}>
                ▶ Resume
              </button>
            ) : (
              <button data-testid="train-pause" disabled={run?.state !== 'running'} onClick={() => void pauseTraining()}>
                ❚❚ Pause
              </button>
            )}
            <button data-testid="train-stop" disabled={!busy} onClick={() => void stopTraining()}>
              ■ Stop
            </button>
          </div>
          {run ? <Progress run={run} /> : null}
        </div>
        {run ? <Messages run={run} /> : null}
        <div className="dock-tabs" role="tablist">
          {tabs.map((t) => (
            <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} onClick={() => setTab(t.id)} data-testid={`tab-${t.id}`}>
              {t.label}
            </button>
          ))}
        </div>
        {/* Keyed by document and run: a switch remounts the views, so none keeps another model's data. */}
        <div className="dock-view" role="tabpanel" key={`${documentKey}:${runId ?? 'none'}`}>
          {tab === 'setup' ? <SetupForm graph={graph} busy={busy} report={report} /> : null}
          {view && run?.weights && !run.graph.training.dataset ? <InspectionInput run={run} /> : null}
          {view ? <view.Component run={run} /> : null}
          {tab === 'runs' ? <RunsView /> : null}
        </div>
      </div>
    </section>
  );
}
