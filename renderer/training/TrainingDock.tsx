/**
 * The training dock (bottom panel): the training setup of the document (edited through the
 * editor store, so it is saved and undone with the graph), Start/Pause/Resume/Stop, progress,
 * warnings, and the live views. Training itself runs in the engine worker.
 */
import { memo, useEffect, useState } from 'react';
import { listDatasets } from '../../core/data/registry';
import { OPTIMIZERS, nodeDisplayName, setParams, setTraining, type GraphDocument, type TrainingSetup } from '../../core/graph';
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
  trainingStore,
  useTraining,
  type Run,
} from './training-store';
import { ActivationsView, AttentionView, CurvesView, GradientsView, ModelView } from './views';
import { RunsView } from './RunsView';
import { watchKeptRuns } from './kept-runs';
import './training.css';

// The runs list follows the document's kept runs (open a file: its runs appear).
watchKeptRuns();

const DATASETS = listDatasets();
const LOSS_TYPES = new Set(['SparseCategoricalCrossentropy', 'CategoricalCrossentropy', 'BinaryCrossentropy', 'MeanSquaredError', 'MeanAbsoluteError', 'GaussianKL', 'SequenceCrossentropy', 'FlowNLL']);

type Tab = 'curves' | 'activations' | 'attention' | 'gradients' | 'model' | 'runs';
const TABS: { id: Tab; label: string }[] = [
  { id: 'curves', label: 'Curves' },
  { id: 'activations', label: 'Activations' },
  { id: 'attention', label: 'Attention' },
  { id: 'gradients', label: 'Gradients' },
  { id: 'model', label: 'Model' },
  { id: 'runs', label: 'Runs' },
];

function editTraining(patch: Partial<TrainingSetup>): void {
  editorStore.getState().edit((g) => setTraining(g, patch));
}

/** A number field that commits valid values only (the document schema has bounds). */
function NumberField({ label, value, onCommit, step, min, max, nullable, testId }: { label: string; value: number | null; onCommit: (v: number | null) => void; step?: number; min?: number; max?: number; nullable?: boolean; testId?: string }) {
  const shown = value === null ? '' : String(value);
  // The draft follows the document when it changes elsewhere (undo, the inspector).
  const [draft, setDraft] = useState({ text: shown, from: shown });
  const text = draft.from === shown ? draft.text : shown;
  const setText = (t: string) => setDraft({ text: t, from: shown });
  const commit = () => {
    if (text.trim() === '' && nullable) return onCommit(null);
    const v = Number(text);
    if (Number.isFinite(v) && (min === undefined || v >= min) && (max === undefined || v <= max)) onCommit(v);
    else setText(value === null ? '' : String(value));
  };
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="number"
        data-testid={testId}
        value={text}
        step={step ?? 'any'}
        placeholder={nullable ? 'off' : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </label>
  );
}

function lossNodes(graph: GraphDocument) {
  return graph.nodes.filter((n) => LOSS_TYPES.has(n.type) || 'weight' in n.params);
}

const SetupForm = memo(function SetupForm({ graph, busy, report }: { graph: GraphDocument; busy: boolean; report: BackendReport | null }) {
  const t = graph.training;
  const limit = useTraining((s) => s.limit);
  const backend = useTraining((s) => s.backend);
  return (
    <fieldset className="setup" disabled={busy}>
      <label className="field wide">
        <span>Dataset</span>
        <select data-testid="dataset-select" value={t.dataset?.id ?? ''} onChange={(e) => editTraining({ dataset: e.target.value ? { id: e.target.value, options: {} } : null })}>
          <option value="">(choose)</option>
          {DATASETS.map((d) => (
            <option key={d.id} value={d.id}>
              {d.title}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Optimizer</span>
        <select value={t.optimizer} onChange={(e) => editTraining({ optimizer: e.target.value as TrainingSetup['optimizer'] })}>
          {OPTIMIZERS.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>
      <NumberField label="Learning rate" testId="learning-rate" value={t.learningRate} min={1e-9} max={100} onCommit={(v) => v !== null && editTraining({ learningRate: v })} />
      <NumberField label="Batch size" value={t.batchSize} min={1} max={65536} step={1} onCommit={(v) => v !== null && editTraining({ batchSize: Math.round(v) })} />
      <NumberField label="Epochs" testId="epochs" value={t.epochs} min={1} max={100000} step={1} onCommit={(v) => v !== null && editTraining({ epochs: Math.round(v) })} />
      <NumberField label="Seed" value={t.seed} min={0} step={1} onCommit={(v) => v !== null && editTraining({ seed: Math.round(v) })} />
      <NumberField label="Validation split" value={t.validationSplit} min={0} max={0.9} step={0.05} onCommit={(v) => v !== null && editTraining({ validationSplit: v })} />
      <NumberField label="Early stop (patience)" value={t.earlyStoppingPatience} nullable min={1} step={1} onCommit={(v) => editTraining({ earlyStoppingPatience: v === null ? null : Math.round(v) })} />
      <NumberField label="Clip grad norm" value={t.gradientClipNorm} nullable min={1e-9} onCommit={(v) => editTraining({ gradientClipNorm: v })} />
      {lossNodes(graph).map((n) => (
        <NumberField
          key={n.id}
          label={`${n.type === 'GaussianKL' ? 'β (KL weight)' : 'Weight'}: ${nodeDisplayName(n)}`}
          value={typeof n.params.weight === 'number' ? n.params.weight : 1}
          min={0}
          onCommit={(v) => v !== null && editorStore.getState().edit((g) => setParams(g, n.id, { weight: v }))}
        />
      ))}
      <label className="field">
        <span>Backend</span>
        <select value={backend} onChange={(e) => trainingStore.setState({ backend: e.target.value })}>
          <option value="auto">auto{report ? ` (${report.backend})` : ''}</option>
          {['wasm', 'webgl', 'webgpu', 'cpu'].map((b) => (
            <option key={b}>{b}</option>
          ))}
        </select>
      </label>
      <NumberField
        label="Quick run: samples"
        testId="sample-limit"
        value={limit}
        nullable
        min={1}
        step={1}
        onCommit={(v) => trainingStore.setState({ limit: v === null ? null : Math.round(v) })}
      />
    </fieldset>
  );
});

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
        {run.origin === 'document' ? (
          <span title="A run kept with the document">kept run, trained {run.manifest?.startedAt.slice(0, 16).replace('T', ' ') ?? ''}</span>
        ) : (
          <>
            <span>{Math.round(run.samplesPerSecond)} samples/s</span>
            <span>{formatSeconds(secondsLeft(run))} left</span>
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
          {run.origin === 'document' ? `Trained on ${run.backend}; opened on the current backend` : `Backend ${run.backend}: ${run.backendReason}`}
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
  const runId = useTraining((s) => s.activeRunId);
  // Not the version: the dock (its form, tabs) re-renders when the run's state changes; the parts
  // that follow progress (Progress, Messages, the views) subscribe to it themselves.
  useTraining((s) => activeRun(s)?.state);
  const run = activeRun();
  const busy = isBusy(run);
  const [tab, setTab] = useState<Tab>('curves');
  useInteractionHint(busy);
  const [report, setReport] = useState<BackendReport | null>(null);
  useEffect(() => {
    selectedBackend().then(setReport, () => setReport(null));
  }, []);
  const canStart = !busy && graph.training.dataset !== null && graph.nodes.length > 0;
  void runId;
  return (
    <section className="training-dock" aria-label="Training" data-testid="training-dock">
      <div className="dock-side">
        <div className="dock-controls">
          {!busy ? (
            <button className="primary" data-testid="train-start" disabled={!canStart} onClick={() => void startTraining(editorStore.getState().document)}>
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
        <SetupForm graph={graph} busy={busy} report={report} />
      </div>
      <div className="dock-main">
        {run ? <Progress run={run} /> : null}
        {run ? <Messages run={run} /> : null}
        <div className="dock-tabs" role="tablist">
          {TABS.map((t) => (
            <button key={t.id} role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} onClick={() => setTab(t.id)} data-testid={`tab-${t.id}`}>
              {t.label}
            </button>
          ))}
        </div>
        <div className="dock-view" role="tabpanel">
          {tab === 'curves' ? <CurvesView run={run} /> : null}
          {tab === 'activations' ? <ActivationsView run={run} /> : null}
          {tab === 'attention' ? <AttentionView run={run} /> : null}
          {tab === 'gradients' ? <GradientsView run={run} /> : null}
          {tab === 'model' ? <ModelView run={run} /> : null}
          {tab === 'runs' ? <RunsView /> : null}
        </div>
      </div>
    </section>
  );
}
