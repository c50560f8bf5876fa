/**
 * The training setup, in one place (the dock's Setup tab): a form generated from the setup's
 * declaration (core/graph/training-params.ts), like a layer's form from its parameter specs.
 * Every field shows the document's value; what is typed is a draft over the current document
 * (see setup-field.ts) and reaches the document only when the declaration's schema accepts it.
 * Backend and quick-run samples are this session's choices, the wasm thread count this computer's;
 * none is the document's.
 */
import type { ParamSpec } from '../../core/catalogue/params';
import { getDecl } from '../../core/catalogue/registry';
import { datasetOptionSpecs, listDatasets } from '../../core/data/registry';
import { TRAINING_PARAMS, bindDatasetToDocument, bindInputsByName, datasetsFitting, bindableFeatures, formatCount, inputsMatchingByName, nodeDisplayName, setParams, setTraining, type GraphDocument, type TrainingParamKey, type TrainingSetup } from '../../core/graph';
import { numericOptions, openDatasetPreview } from '../datasets/preview-store';
import type { BackendReport } from '../engine/engine-api';
import { editorStore } from '../state/editor';
import { PhasesForm } from './PhasesForm';
import { SetupField } from './SetupField';
import { useMemo } from 'react';
import { applyWasmThreads, trainingStore, useTraining } from './training-store';
import { useBackend } from '../engine/useBackend';
import { DEFAULT_WASM_THREADS, MAX_WASM_THREADS, savedWasmThreads } from '../engine/wasm-threads';

const DATASETS = listDatasets();

function editTraining(patch: Partial<TrainingSetup>): void {
  editorStore.getState().edit((g) => setTraining(g, patch));
}

/** The chosen dataset's own options (size, noise, seed of generated sets), from its declaration. */
function DatasetOptionFields({ graph, dataset }: { graph: GraphDocument; dataset: NonNullable<TrainingSetup['dataset']> }) {
  const specs = datasetOptionSpecs(dataset.id);
  if (!specs) return null;
  return (
    <>
      {Object.entries(specs).map(([key, spec]) => (
        <SetupField
          key={`${dataset.id}-${key}`}
          id={`setup-dataset-${key}`}
          spec={spec}
          value={dataset.options[key] ?? spec.default}
          document={graph}
          onCommit={(value) => {
            // Dataset options are plain numbers and flags; an emptied optional field falls back to the default.
            const options = { ...dataset.options };
            if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') options[key] = value;
            else delete options[key];
            editTraining({ dataset: { id: dataset.id, options } });
          }}
        />
      ))}
    </>
  );
}

/**
 * The offer to bind Inputs that are unbound (or bound to a name this dataset lacks) to the
 * dataset's features of the same name; shown while there is something to bind, applied in one edit.
 */
function BindByNameNotice({ graph, dataset }: { graph: GraphDocument; dataset: NonNullable<TrainingSetup['dataset']> }) {
  const found = bindableFeatures(dataset);
  if (!found.ok) return null;
  const matches = inputsMatchingByName(graph, found.features);
  if (matches.length === 0) return null;
  const listed = matches.map((m) => {
    const node = graph.nodes.find((n) => n.id === m.nodeId);
    return `${node ? nodeDisplayName(node) : m.nodeId} → ${m.feature.name}`;
  });
  return (
    <div className="notice setup-notice" role="status" data-testid="bind-by-name">
      <span>
        {matches.length === 1 ? 'An Input is' : `${matches.length} Inputs are`} not bound to {found.title} but named like its features: {listed.join(', ')}.
      </span>
      <button type="button" data-testid="bind-by-name-button" onClick={() => editorStore.getState().edit((g) => bindInputsByName(g, found.features))}>
        Bind by name
      </button>
    </div>
  );
}

/**
 * A model without a dataset and a loss (an imported one): the bundled datasets its inputs and its
 * one output fit, each with why and a button that binds it (one edit: the Inputs fed, a label and
 * a loss added; the imported run then opens on it and new runs start from its weights), and why
 * the others don't fit.
 */
function FittingDatasetsNotice({ graph }: { graph: GraphDocument }) {
  const fits = useMemo(() => datasetsFitting(graph), [graph]);
  if (graph.nodes.some((n) => getDecl(n.type)?.kind === 'loss')) return null;
  const fitting = fits.filter((f) => f.fits);
  const others = fits.filter((f) => !f.fits);
  const bind = (id: string) => {
    const imported = graph.runs.find((r) => !r.graph.training.dataset && r.weights !== null);
    let bound = false;
    editorStore.getState().edit((g) => {
      const result = bindDatasetToDocument(g, id);
      bound = result.ok;
      return result.ok ? result.graph : g;
    });
    // Training continues from the imported weights unless the user picks otherwise.
    if (bound && imported) trainingStore.setState({ startFrom: imported.id });
  };
  return (
    <div className="notice setup-notice fitting-datasets" role="status" data-testid="fitting-datasets">
      <span>{fitting.length > 0 ? 'This model fits:' : 'No bundled dataset fits this model’s input and output.'}</span>
      {fitting.map((f) => (
        <div key={f.datasetId} className="fit-row">
          <button type="button" data-testid={`bind-dataset-${f.datasetId}`} onClick={() => bind(f.datasetId)}>
            Bind {f.title}
          </button>
          <span className="fit-reason">{f.reason}</span>
        </div>
      ))}
      {others.length > 0 ? (
        <details data-testid="unfit-datasets">
          <summary>Why not the others</summary>
          <ul>
            {others.map((f) => (
              <li key={f.datasetId}>
                {f.title}: {f.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

/** Setup's "Start from": fresh seeded weights or a kept run's (the imported weights, a run to continue). */
function StartFromField() {
  const startFrom = useTraining((s) => s.startFrom);
  const documentKey = useTraining((s) => s.documentKey);
  const runs = useTraining((s) => s.runs).filter((r) => r.keptId !== null && r.documentKey === documentKey && r.weights !== null);
  const value = runs.some((r) => r.keptId === startFrom) ? (startFrom as string) : '';
  return (
    <div className="field" title="Train from fresh weights (seeded by the setup) or continue from a kept run's weights; they must fit the graph node by node.">
      <label htmlFor="setup-start-from">Start from</label>
      <select id="setup-start-from" data-testid="start-from" value={value} onChange={(e) => trainingStore.setState({ startFrom: e.target.value || null })}>
        <option value="">New weights (seeded)</option>
        {runs.map((r) => (
          <option key={r.keptId} value={r.keptId as string}>
            {r.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The fields in the order the form shows them (momentum only for the momentum optimizer). */
const PER_PHASE: readonly TrainingParamKey[] = ['optimizer', 'learningRate', 'momentum'];
const ORDER: readonly TrainingParamKey[] = ['optimizer', 'learningRate', 'momentum', 'batchSize', 'epochs', 'validationSplit', 'seed', 'gradientClipNorm', 'earlyStoppingPatience', 'teacherForcingRatio'];

function lossNodes(graph: GraphDocument) {
  return graph.nodes.filter((n) => getDecl(n.type)?.kind === 'loss' && 'weight' in n.params);
}

/**
 * The wasm backend's thread pool: saved on this computer (not in the document) and applied by
 * restarting the engine worker, since tfjs reads it only when its wasm backend starts.
 */
function WasmThreadsField({ busy }: { busy: boolean }) {
  const status = useBackend();
  const report = status.state === 'ready' ? status.report : null;
  const saved = savedWasmThreads();
  const cores = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency;
  const choices = Array.from({ length: Math.min(MAX_WASM_THREADS, Math.max(2, cores)) }, (_, i) => i + 1);
  const running = report?.wasmThreads ?? null;
  return (
    <div
      className="field"
      title={`Threads of the wasm backend's matrix kernels (XNNPACK), saved on this computer. Changing it restarts the training engine; the run's weights are opened again. More threads can pay only where cores are free (on 2 busy cores, 2 threads gave no gain). This machine: ${cores} logical cores.`}
    >
      <label htmlFor="setup-wasm-threads">wasm threads</label>
      <select
        id="setup-wasm-threads"
        data-testid="wasm-threads-select"
        value={saved === null ? 'default' : String(saved)}
        disabled={busy || status.state === 'probing'}
        onChange={(e) => void applyWasmThreads(e.target.value === 'default' ? null : Number(e.target.value)).catch(() => undefined)}
      >
        <option value="default">default ({DEFAULT_WASM_THREADS})</option>
        {choices.map((n) => (
          <option key={n} value={String(n)}>
            {n}
          </option>
        ))}
      </select>
      <span className="muted" data-testid="wasm-threads-running">
        {status.state === 'probing' ? 'starting…' : report === null ? 'no backend' : running === null ? `not in use (${report.backend})` : `running ${running}`}
      </span>
    </div>
  );
}

const SESSION_LIMIT: ParamSpec = { kind: 'int', nullable: true, label: 'Quick run: samples', help: 'Train on at most this many samples per split (this session only, not saved). Empty: the whole dataset.', default: null, min: 1, max: 10_000_000 };

export function SetupForm({ graph, busy, report }: { graph: GraphDocument; busy: boolean; report: BackendReport | null }) {
  const t = graph.training;
  const limit = useTraining((s) => s.limit);
  const backend = useTraining((s) => s.backend);
  return (
    <div className="setup-form" data-testid="training-setup">
      <fieldset className="setup" disabled={busy}>
        <legend>Data</legend>
        <div className="field wide" title="The dataset the model trains on; bind each Input node to one of its features.">
          <label htmlFor="setup-dataset">Dataset</label>
          <div className="setup-row">
            <select id="setup-dataset" data-testid="dataset-select" value={t.dataset?.id ?? ''} onChange={(e) => editTraining({ dataset: e.target.value ? { id: e.target.value, options: {} } : null })}>
              <option value="">None</option>
              {DATASETS.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.title} ({formatCount(d.sizes.train)} train / {formatCount(d.sizes.test)} test)
                </option>
              ))}
            </select>
            <button
              type="button"
              data-testid="dataset-preview-open"
              title="Samples and statistics of the dataset"
              onClick={() => openDatasetPreview(t.dataset?.id ?? DATASETS[0]?.id ?? 'mnist', numericOptions(t.dataset?.options ?? {}))}
            >
              Preview
            </button>
          </div>
        </div>
        {t.dataset ? <BindByNameNotice graph={graph} dataset={t.dataset} /> : <FittingDatasetsNotice graph={graph} />}
        {t.dataset ? <DatasetOptionFields graph={graph} dataset={t.dataset} /> : null}
      </fieldset>
      <fieldset className="setup" disabled={busy}>
        <legend>Optimisation</legend>
        {ORDER.filter((key) => key !== 'momentum' || t.optimizer === 'momentum')
          // With phases, each phase has its own optimizer and learning rate.
          .filter((key) => t.phases === undefined || !PER_PHASE.includes(key))
          .map((key) => (
          <SetupField
            key={key}
            id={`setup-${key}`}
            spec={TRAINING_PARAMS[key]}
            value={t[key]}
            document={graph}
            onCommit={(value) => editTraining({ [key]: value } as Partial<TrainingSetup>)}
          />
        ))}
      </fieldset>
      <PhasesForm graph={graph} busy={busy} />
      {lossNodes(graph).length > 0 ? (
        <fieldset className="setup" disabled={busy}>
          <legend>Loss weights</legend>
          {lossNodes(graph).map((n) => {
            const spec = getDecl(n.type)?.params.weight as ParamSpec;
            return (
              <SetupField
                key={n.id}
                id={`setup-weight-${n.id}`}
                spec={{ ...spec, label: `${n.type === 'GaussianKL' ? 'β (KL weight)' : 'Weight'}: ${nodeDisplayName(n)}` }}
                value={n.params.weight}
                document={graph}
                onCommit={(value) => editorStore.getState().edit((g) => setParams(g, n.id, { weight: value }))}
              />
            );
          })}
        </fieldset>
      ) : null}
      <fieldset className="setup" disabled={busy}>
        <legend>This session, this computer (not in the document)</legend>
        <div className="field" title="The TensorFlow.js backend training runs on; auto picks the first that works and computes correctly.">
          <label htmlFor="setup-backend">Backend</label>
          <select id="setup-backend" value={backend} onChange={(e) => trainingStore.setState({ backend: e.target.value })}>
            <option value="auto">auto{report ? ` (${report.backend})` : ''}</option>
            {['wasm', 'webgl', 'webgpu', 'cpu'].map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </div>
        <WasmThreadsField busy={busy} />
        <StartFromField />
        <SetupField id="sample-limit" spec={SESSION_LIMIT} value={limit} document={graph} onCommit={(v) => trainingStore.setState({ limit: typeof v === 'number' ? v : null })} />
      </fieldset>
    </div>
  );
}
