/**
 * Importing a model (Open… or a drop): the engine worker reads and maps it (core/import) with
 * progress shown; the result opens as a new, unsaved document whose kept run "Imported weights" is
 * selected, so the views inspect it at once. A refusal is shown with the layer's position and name,
 * and the current document stays as it is (it is replaced only after the import succeeded and the
 * user agreed to discard unsaved changes).
 */
import * as Comlink from 'comlink';
import { parseGraphText } from '../../core/graph';
import { modelName } from '../../core/import/model-files';
import { getEngine } from '../engine/engine-client';
import type { OpenedModel } from '../platform/platform';
import { editorStore } from '../state/editor';
import { requestFitView, showToast, uiStore } from '../state/ui';
import { selectRun, trainingStore } from '../training/training-store';
import { confirmDiscard } from './discard';

/** The id core/import gives the kept run of imported weights. */
const IMPORTED_RUN_ID = 'imported';

function refuse(title: string, message: string): void {
  uiStore.setState({ fileError: { title, errors: [{ path: '', message }] } });
}

/** Imports the picked or dropped model files; true when the new document opened. */
export async function importModel(model: OpenedModel): Promise<boolean> {
  const title = `${model.name} could not be imported`;
  uiStore.setState({ importing: { name: model.name, fraction: 0, stage: 'reading the files' } });
  try {
    const files = model.files.map((f) => ({ name: f.name, bytes: f.bytes }));
    const result = await getEngine().importModel(
      Comlink.transfer({ files, name: modelName(model.name) }, files.map((f) => f.bytes.buffer)),
      Comlink.proxy((fraction: number, stage: string) => {
        if (uiStore.getState().importing) uiStore.setState({ importing: { name: model.name, fraction, stage } });
      }),
    );
    if (!result.ok) {
      refuse(title, result.message);
      return false;
    }
    const parsed = parseGraphText(result.documentJson);
    if (!parsed.ok) {
      refuse(title, `the imported graph is not valid: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
      return false;
    }
    uiStore.setState({ importing: null });
    if (!confirmDiscard()) return false;
    editorStore.getState().load(parsed.graph, { name: null, handle: null, savedText: null });
    requestFitView();
    // Loading listed the kept run (kept-runs.ts follows the document): open its weights.
    const { runs, documentKey } = trainingStore.getState();
    const run = runs.find((r) => r.keptId === IMPORTED_RUN_ID && r.documentKey === documentKey);
    if (run) void selectRun(run.id);
    showToast(`Imported ${model.name}: ${result.layers} nodes, ${result.parameters.toLocaleString('en-US')} parameters; weights kept as run "${run?.name ?? 'Imported weights'}"${result.notes.map((n) => `. ${n}`).join('')}`, 'info', 6000 + 3000 * result.notes.length);
    return true;
  } catch (err) {
    refuse(title, err instanceof Error ? err.message : String(err));
    return false;
  } finally {
    uiStore.setState({ importing: null });
  }
}
