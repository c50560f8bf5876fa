/**
 * Runs kept with the document. Keeping a run is an edit of the document (saved with it, undone
 * like any edit); the training store lists kept runs beside this session's runs and follows the
 * document: open a file and its runs appear with their curves; undo a keep and the run is a
 * session run again. A kept run's weights open in the worker when the run is selected.
 */
import * as Comlink from 'comlink';
import { emptyGraph, keepRun as keepRunEdit, removeRun, runGraph, serializeGraph, toSavedRun, type GraphDocument, type SavedRun } from '../../core/graph';
import { WEIGHTS_FILE } from '../../core/engine/layers-format';
// project.ts, not the package index: the index reaches tfjs, which stays off the UI thread.
import type { RunStatus } from '../../core/engine/run';
import { platform } from '../platform';
import { editorStore } from '../state/editor';
import { showToast, uiStore } from '../state/ui';
import type { EditorStore } from '../state/store';
import { getEngine } from '../engine/engine-client';
import { isBusy, newRun, openRunWeights, switchDocument, trainingStore, type Run } from './training-store';

const ENDED: readonly string[] = ['completed', 'stopped', 'early-stopped', 'non-finite'] satisfies RunStatus[];

/** Why a run cannot be kept, or null when it can. */
export function cannotKeep(run: Run): string | null {
  if (run.documentKey !== trainingStore.getState().documentKey) return 'the run belongs to another graph (open that graph to keep it)';
  if (!ENDED.includes(run.state)) return isBusy(run) ? 'the run is still training' : 'the run failed';
  if (!run.manifest) return 'the run has no manifest';
  if (!run.weights) return 'the run has no weights';
  return null;
}

function savedFrom(run: Run): SavedRun {
  return toSavedRun({
    id: `run-${run.id}`,
    name: run.name,
    status: run.state as RunStatus,
    graph: run.graph,
    manifest: run.manifest as NonNullable<Run['manifest']>,
    curves: {
      steps: run.steps,
      losses: run.losses,
      epochSteps: run.epochSteps,
      epochLoss: run.epochLoss,
      validationLoss: run.validationLoss,
      metrics: run.epochMetrics,
      validationMetrics: run.validationMetrics,
    },
    test: run.test,
    weights: run.weights,
  });
}

/**
 * The document entry each session run was kept as. A session run is "kept" while the document
 * holds that very object (undo/redo restore it); a file opened later holds its own copies, which
 * are listed as the file's runs.
 */
const keptAs = new WeakMap<Run, SavedRun>();

/** Keeps a run (curves, manifest, weights) with the document: one undoable edit. */
export function keepRun(runId: number): void {
  const run = trainingStore.getState().runs.find((r) => r.id === runId);
  if (!run) return;
  const reason = cannotKeep(run);
  if (reason) {
    showToast(`${run.name} cannot be kept: ${reason}`, 'error');
    return;
  }
  try {
    const saved = savedFrom(run);
    keptAs.set(run, saved);
    editorStore.getState().edit((doc) => keepRunEdit(doc, saved));
  } catch (err) {
    showToast(`Keeping ${run.name} failed: ${err instanceof Error ? err.message : String(err)}`, 'error', 8000);
  }
}

/** Removes a kept run from the document (undoable); a session run stays listed. */
export function forgetRun(runId: number): void {
  const run = trainingStore.getState().runs.find((r) => r.id === runId);
  if (!run?.keptId) return;
  const keptId = run.keptId;
  editorStore.getState().edit((doc) => removeRun(doc, keptId));
}

const nonNull = (xs: readonly (number | null)[]): number[] => xs.map((v) => v ?? Number.NaN);

/** A kept run as the training dock shows it (curves; views once its weights are opened). */
export function runFromSaved(saved: SavedRun, index: number, document: GraphDocument): Run {
  const run = newRun(runGraph(document, saved), index);
  const c = saved.curves;
  const lastStep = c.steps[c.steps.length - 1] ?? c.epochSteps[c.epochSteps.length - 1] ?? 0;
  const epochs = c.epochLoss.length;
  Object.assign(run, {
    name: saved.name,
    state: saved.status,
    backend: saved.manifest.backend,
    backendReason: 'recorded in the run',
    epochs,
    epoch: Math.max(0, epochs - 1),
    batchesPerEpoch: epochs > 0 ? Math.round(lastStep / epochs) : 0,
    batch: epochs > 0 ? Math.round(lastStep / epochs) : 0,
    steps: [...c.steps],
    losses: nonNull(c.losses),
    epochSteps: [...c.epochSteps],
    epochLoss: nonNull(c.epochLoss),
    validationLoss: [...c.validationLoss],
    epochMetrics: Object.fromEntries(Object.entries(c.metrics).map(([k, v]) => [k, nonNull(v)])),
    validationMetrics: Object.fromEntries(Object.entries(c.validationMetrics).map(([k, v]) => [k, [...v]])),
    lastMetrics: Object.fromEntries(Object.entries(c.metrics).flatMap(([k, v]) => (typeof v[v.length - 1] === 'number' ? [[k, v[v.length - 1] as number]] : []))),
    manifest: saved.manifest,
    test: saved.test ? { loss: saved.test.loss ?? Number.NaN, metrics: Object.fromEntries(Object.entries(saved.test.metrics).map(([k, v]) => [k, v ?? Number.NaN])) } : null,
    weights: saved.weights,
    keptId: saved.id,
    origin: 'document',
  } satisfies Partial<Run>);
  return run;
}

/** A run's graph as canonical text (key order does not matter). */
function canonicalRunGraph(run: SavedRun): string {
  return serializeGraph({ ...emptyGraph(), nodes: run.graph.nodes, edges: run.graph.edges, training: run.graph.training });
}

/** Whether a kept run read from a file is this session's kept run (same id is not enough: a file may have been edited). */
function sameRun(a: SavedRun, b: SavedRun): boolean {
  return (
    a.id === b.id &&
    a.manifest.startedAt === b.manifest.startedAt &&
    a.manifest.graphHash === b.manifest.graphHash &&
    canonicalRunGraph(a) === canonicalRunGraph(b) &&
    (a.weights?.data.length ?? -1) === (b.weights?.data.length ?? -1)
  );
}

/** Brings the listed runs in line with the document's kept runs. */
export function syncKeptRuns(document: GraphDocument): void {
  const state = trainingStore.getState();
  const kept = new Map(document.runs.map((r) => [r.id, r]));
  let changed = false;
  const runs: Run[] = [];
  const listed = new Set<SavedRun>();
  for (const run of state.runs) {
    let mine = keptAs.get(run);
    // The same run reopened from a file (same id, a new object): the session run is that kept
    // run, listed once.
    const reopened = mine !== undefined ? kept.get(mine.id) : undefined;
    if (run.origin === 'session' && mine !== undefined && reopened !== undefined && reopened !== mine && !listed.has(reopened) && sameRun(mine, reopened)) {
      mine = reopened;
      keptAs.set(run, reopened);
      run.documentKey = state.documentKey;
      run.visible = true;
      changed = true;
    }
    const inDocument = mine !== undefined && kept.get(mine.id) === mine ? mine : null;
    if (run.origin === 'document' && !inDocument) {
      changed = true;
      continue;
    }
    const keptId = inDocument ? inDocument.id : null;
    if (run.keptId !== keptId) {
      run.keptId = keptId;
      changed = true;
    }
    if (inDocument) listed.add(inDocument);
    runs.push(run);
  }
  for (const saved of document.runs) {
    if (listed.has(saved)) continue;
    const run = runFromSaved(saved, (runs[runs.length - 1]?.index ?? 0) + 1, document);
    keptAs.set(run, saved);
    runs.push(run);
    changed = true;
  }
  if (!changed) return;
  const own = runs.filter((r) => r.documentKey === state.documentKey);
  const activeRunId = own.some((r) => r.id === state.activeRunId) ? state.activeRunId : (own[own.length - 1]?.id ?? null);
  const loadedRunId = runs.some((r) => r.id === state.loadedRunId) ? state.loadedRunId : null;
  trainingStore.setState((s) => ({ runs, activeRunId, loadedRunId, version: s.version + 1 }));
}

/** Follows the editor's document from now on. */
export function watchKeptRuns(store: EditorStore = editorStore): () => void {
  switchDocument(store.getState().documentKey);
  syncKeptRuns(store.getState().document);
  return store.subscribe((state, previous) => {
    // A loaded document first re-scopes the views, then lists its kept runs.
    if (state.documentKey !== previous.documentKey) switchDocument(state.documentKey);
    if (state.document.runs !== previous.document.runs || state.documentKey !== previous.documentKey) syncKeptRuns(state.document);
  });
}

/**
 * Exports a run's trained model in the TensorFlow.js layers format: model.json and weights.bin,
 * saved side by side (model.json names weights.bin).
 */
export async function exportRunModel(runId: number): Promise<void> {
  const run = trainingStore.getState().runs.find((r) => r.id === runId);
  if (!run) return;
  try {
    if (!run.weights) throw new Error('the run has no weights');
    if (trainingStore.getState().loadedRunId !== run.id) await openRunWeights(run);
    const opening = trainingStore.getState().opening;
    if (opening?.runId === run.id && opening.error) throw new Error(opening.error);
    const exported = await getEngine().exportModel();
    const modelFile = await platform.exportFile('model.json', exported.modelJson, [{ name: 'TensorFlow.js model', extensions: ['json'] }]);
    if (!modelFile) return;
    // model.json refers to its weights by this exact name.
    const weightsFile = await platform.exportFile(WEIGHTS_FILE, new Uint8Array(exported.weights), [{ name: 'Weights', extensions: ['bin'] }]);
    if (!weightsFile) return;
    showToast(`Exported ${modelFile.name} and ${weightsFile.name} of ${run.name}: keep both in one folder for tf.loadLayersModel`);
  } catch (err) {
    showToast(`Export of ${run.name} failed: ${err instanceof Error ? err.message : String(err)}`, 'error', 8000);
  }
}

/** What a PyTorch export holds beyond the model: the run's dataset, or only one sub-model. */
export interface PytorchExportChoice {
  withData?: boolean;
  submodel?: string;
}

/**
 * Exports a run's model as a PyTorch project: one zip with model.py, train.py (one process or
 * torchrun with DistributedDataParallel), weights.npz (the run's weights in PyTorch's layouts)
 * and README.md; with `withData` also data/*.npz (the dataset, so train.py runs offline), with
 * `submodel` only that sub-model. The worker builds it with progress shown (Cancel stops it); a
 * node PyTorch cannot express exactly is refused by name in the toast.
 */
export async function exportRunPytorch(runId: number, choice: PytorchExportChoice = {}): Promise<void> {
  const run = trainingStore.getState().runs.find((r) => r.id === runId);
  if (!run) return;
  const what = choice.submodel === undefined ? run.name : `sub-model ${choice.submodel} of ${run.name}`;
  try {
    if (!run.weights) throw new Error('the run has no weights');
    if (trainingStore.getState().loadedRunId !== run.id) await openRunWeights(run);
    const opening = trainingStore.getState().opening;
    if (opening?.runId === run.id && opening.error) throw new Error(opening.error);
    uiStore.setState({ exporting: { name: `${what} as a PyTorch project`, fraction: 0, stage: 'building the project' } });
    const exported = await getEngine().exportPytorch(
      { runName: run.name, ...choice },
      Comlink.proxy((fraction: number, stage: string) => {
        if (uiStore.getState().exporting) uiStore.setState((s) => ({ exporting: s.exporting && { ...s.exporting, fraction, stage } }));
      }),
    );
    uiStore.setState({ exporting: null });
    const file = await platform.exportFile(`${exported.folder}.zip`, exported.bytes, [{ name: 'Zip archive', extensions: ['zip'] }]);
    if (!file) return;
    const data = choice.withData ? ' with its dataset in data/' : '';
    showToast(`Exported ${file.name}: ${what} as a PyTorch project${data} (python3 train.py, or torchrun --nproc_per_node=N train.py)`);
  } catch (err) {
    if (err instanceof Error && err.name === 'ExportCancelled') showToast(`PyTorch export of ${what} cancelled`);
    else showToast(`PyTorch export of ${what} failed: ${err instanceof Error ? err.message : String(err)}`, 'error', 12000);
  } finally {
    uiStore.setState({ exporting: null });
  }
}

/**
 * Exports a run's trained model as one ONNX file (opset 17, dynamic batch, attention weights as
 * extra outputs) for ONNX Runtime, Netron and the tools that read ONNX.
 */
export async function exportRunOnnx(runId: number, submodel?: string): Promise<void> {
  const run = trainingStore.getState().runs.find((r) => r.id === runId);
  if (!run) return;
  const what = submodel === undefined ? run.name : `sub-model ${submodel} of ${run.name}`;
  try {
    if (!run.weights) throw new Error('the run has no weights');
    if (trainingStore.getState().loadedRunId !== run.id) await openRunWeights(run);
    const opening = trainingStore.getState().opening;
    if (opening?.runId === run.id && opening.error) throw new Error(opening.error);
    const exported = await getEngine().exportOnnx(submodel);
    const file = await platform.exportFile(submodel === undefined ? 'model.onnx' : `${submodel}.onnx`, exported.bytes, [{ name: 'ONNX model', extensions: ['onnx'] }]);
    if (!file) return;
    showToast(`Exported ${file.name} of ${what}: ${exported.parameterCount.toLocaleString('en-US')} parameters, ${submodel === undefined ? '' : `inputs ${exported.inputs.join(', ')}, `}outputs ${exported.outputs.join(', ')} (ONNX opset 17)`);
  } catch (err) {
    showToast(`ONNX export of ${what} failed: ${err instanceof Error ? err.message : String(err)}`, 'error', 8000);
  }
}
