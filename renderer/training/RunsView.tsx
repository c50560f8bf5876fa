/**
 * The runs: this session's and those kept with the document. Overlay their curves, read their
 * manifests, keep a run with the document (saved with it, undoable), open its weights for the
 * views, export its model (TensorFlow.js layers format, a PyTorch project, or ONNX).
 */
import { useState } from 'react';
import type { ImportOrigin } from '../../core/graph';
import { Empty } from './views/shared';
import { cannotKeep, exportRunModel, exportRunOnnx, exportRunPytorch, forgetRun, keepRun } from './kept-runs';
import { isBusy, runColour, selectRun, setRunVisible, useTraining, type Run } from './training-store';

const fmt = (v: number | null | undefined): string => (typeof v === 'number' && Number.isFinite(v) ? v.toPrecision(4) : '–');

function lastOf(xs: readonly (number | null)[]): number | null {
  for (let i = xs.length - 1; i >= 0; i--) if (xs[i] !== null && Number.isFinite(xs[i])) return xs[i] as number;
  return null;
}

function KeepCell({ run }: { run: Run }) {
  if (run.keptId) {
    return (
      <span className="run-kept">
        <span className="badge ok" title="Saved with the document: its curves, manifest and weights">kept</span>
        <button className="link" data-testid={`run-forget-${run.index}`} onClick={(e) => { e.stopPropagation(); forgetRun(run.id); }} title="Remove this run from the document (undoable)">
          remove
        </button>
      </span>
    );
  }
  const reason = cannotKeep(run);
  return (
    <button
      data-testid={`run-keep-${run.index}`}
      disabled={reason !== null}
      title={reason ?? 'Keep this run (curves, manifest and weights) with the document; save the document to keep it on disk'}
      onClick={(e) => {
        e.stopPropagation();
        keepRun(run.id);
      }}
    >
      Keep
    </button>
  );
}

/** Export… : a run's model in one of the export formats. */
function ExportMenu({ run, disabled }: { run: Run; disabled: boolean }) {
  const [open, setOpen] = useState(false);
  const choose = (action: (id: number) => Promise<void>) => {
    setOpen(false);
    void action(run.id);
  };
  return (
    <span
      className="run-export"
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setOpen(false);
      }}
    >
      <button
        data-testid={`run-export-${run.index}`}
        disabled={disabled}
        aria-haspopup="menu"
        aria-expanded={open}
        title={run.weights ? 'Export the trained model' : 'This run has no weights'}
        onClick={() => setOpen((o) => !o)}
      >
        Export…
      </button>
      {open ? (
        <span className="run-export-menu" role="menu">
          <button role="menuitem" data-testid={`run-export-tfjs-${run.index}`} title="model.json + weights.bin (TensorFlow.js layers format, tf.loadLayersModel)" onClick={() => choose(exportRunModel)}>
            TensorFlow.js model…
          </button>
          <button
            role="menuitem"
            data-testid={`run-export-pytorch-${run.index}`}
            title="A zip: model.py (nn.Module), train.py (one process or torchrun + DistributedDataParallel), weights.npz, README.md"
            onClick={() => choose(exportRunPytorch)}
          >
            PyTorch project…
          </button>
          <button
            role="menuitem"
            data-testid={`run-export-pytorch-data-${run.index}`}
            title={`The same zip with data/*.npz: the run's dataset${run.dataset ? ` (${run.dataset.title})` : ''}, every split whole, so train.py runs offline`}
            onClick={() => choose((id) => exportRunPytorch(id, { withData: true }))}
          >
            PyTorch project with data…
          </button>
          <button
            role="menuitem"
            data-testid={`run-export-onnx-${run.index}`}
            title="One .onnx file (opset 17, dynamic batch) for ONNX Runtime or Netron"
            onClick={() => choose(exportRunOnnx)}
          >
            ONNX model…
          </button>
          {(run.graph.submodels ?? []).map((s) => (
            <button
              key={s.name}
              role="menuitem"
              data-testid={`run-export-onnx-${run.index}-${s.name}`}
              title={`Only the sub-model "${s.name}": its inputs are the wires entering it (one .onnx file)`}
              onClick={() => {
                setOpen(false);
                void exportRunOnnx(run.id, s.name);
              }}
            >
              ONNX: {s.name} alone…
            </button>
          ))}
          {(run.graph.submodels ?? []).map((s) => (
            <button
              key={`pytorch-${s.name}`}
              role="menuitem"
              data-testid={`run-export-pytorch-${run.index}-${s.name}`}
              title={`Only the sub-model "${s.name}" as a PyTorch project (model.py, weights.npz): its inputs are the wires entering it`}
              onClick={() => choose((id) => exportRunPytorch(id, { submodel: s.name }))}
            >
              PyTorch: {s.name} alone…
            </button>
          ))}
        </span>
      ) : null}
    </span>
  );
}

const FORMAT_NAMES: Record<ImportOrigin['format'], string> = { 'tfjs-layers': 'TensorFlow.js layers model', keras: 'Keras 3 archive', 'keras-h5': 'Keras HDF5 file' };

/** Where an imported run's weights came from (kept in its manifest, so saved with the document). */
function RunOrigin({ origin, at }: { origin: ImportOrigin; at: string }) {
  const files = [`${origin.file} sha256 ${origin.sha256}`, ...origin.weightFiles.map((w) => `${w.name} sha256 ${w.sha256}`)].join('\n');
  return (
    <div className="muted run-origin" data-testid="run-origin" title={files}>
      imported from {origin.file} ({FORMAT_NAMES[origin.format]}
      {origin.producer ? `, written by ${origin.producer}` : ''}
      {origin.weightFiles.length > 0 ? `, ${origin.weightFiles.length} weight file${origin.weightFiles.length === 1 ? '' : 's'}` : ''}) on {at.slice(0, 16).replace('T', ' ')}
      {origin.graphFrom === 'netwright-metadata' ? '; the graph Netwright exported' : ''}
    </div>
  );
}

export function RunsView() {
  const runs = useTraining((s) => s.runs);
  const activeId = useTraining((s) => s.activeRunId);
  const loadedId = useTraining((s) => s.loadedRunId);
  const opening = useTraining((s) => s.opening);
  const documentKey = useTraining((s) => s.documentKey);
  const anyBusy = runs.some(isBusy);
  useTraining((s) => s.version);
  if (runs.length === 0) return <Empty>No runs yet. Train the model, or open a document with kept runs.</Empty>;
  return (
    <div className="runs-view">
      <table className="runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th>overlay</th>
            <th>run</th>
            <th>state</th>
            <th>dataset</th>
            <th>backend</th>
            <th>loss</th>
            <th>val loss</th>
            <th>test</th>
            <th title="Kept with the document (saved with it)">kept</th>
            <th>model</th>
            <th>manifest</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const testMetric = r.test ? (Object.entries(r.test.metrics)[0] ?? null) : null;
            return (
              <tr
                key={r.id}
                data-testid={`run-row-${r.index}`}
                className={r.id === activeId ? 'active' : r.documentKey !== documentKey ? 'other-graph' : ''}
                onClick={() => void selectRun(r.id)}
                title={r.documentKey === documentKey ? 'Select: the views show this run (its weights are opened)' : 'A run of another graph: overlay its curves to compare; open its graph to inspect it'}
              >
                <td>
                  <input type="checkbox" checked={r.visible} onChange={(e) => setRunVisible(r.id, e.target.checked)} onClick={(e) => e.stopPropagation()} aria-label={`overlay ${r.name}`} />
                  <i className="run-swatch" style={{ background: runColour(r) }} />
                </td>
                <td>
                  {r.name}
                  {r.documentKey !== documentKey ? (
                    <span className="badge" data-testid="run-other-graph" title="Trained on a graph that is not the one open">
                      other graph
                    </span>
                  ) : r.id === loadedId ? (
                    <span className="badge" data-testid="run-loaded" title="The views inspect this run's weights">
                      inspected
                    </span>
                  ) : null}
                  {opening?.runId === r.id ? <span className="badge">{opening.error ? 'could not open' : 'opening…'}</span> : null}
                  {r.manifest?.origin ? <RunOrigin origin={r.manifest.origin} at={r.manifest.startedAt} /> : null}
                </td>
                <td>{r.state}</td>
                <td>{r.dataset?.id ?? r.manifest?.dataset.id ?? '–'}</td>
                <td>{r.backend ?? '–'}</td>
                <td>{fmt(lastOf(r.losses))}</td>
                <td>{fmt(lastOf(r.validationLoss))}</td>
                <td>{testMetric ? `${testMetric[0]} ${fmt(testMetric[1])}` : fmt(r.test?.loss)}</td>
                <td>
                  <KeepCell run={r} />
                </td>
                <td>
                  <ExportMenu run={r} disabled={!r.weights || anyBusy} />
                </td>
                <td>
                  {r.manifest ? (
                    <details onClick={(e) => e.stopPropagation()}>
                      <summary>seed {r.manifest.seed}, graph {r.manifest.graphHash.slice(0, 8)}</summary>
                      <pre>{JSON.stringify(r.manifest, null, 2)}</pre>
                    </details>
                  ) : (
                    '–'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {opening?.error ? (
        <p className="run-error" role="alert" data-testid="run-open-error">
          Could not open the weights of this run: {opening.error}
          {runs.some((r) => r.id === opening.runId && r.weights && !r.graph.training.dataset) ? ' (the Activations tab takes your input: Give your own input…)' : ''}
        </p>
      ) : null}
    </div>
  );
}
