/**
 * Overlays: the templates gallery, the keyboard-shortcut help, the file-error report, the
 * autosave recovery offer and toasts.
 */
import { useMemo } from 'react';
import { analyzeGraph } from '../../core/graph';
import { formatCount } from '../../core/graph/summary';
import { TEMPLATES } from '../../core/templates';
import { loadTemplate } from '../editor/actions';
import { editorStore, useEditor } from '../state/editor';
import { isDirty } from '../state/store';
import { platform } from '../platform';
import { getEngine } from '../engine/engine-client';
import { showToast, uiStore, useUi, requestFitView } from '../state/ui';

function Modal({ title, onClose, children, wide, testId }: { title: string; onClose(): void; children: React.ReactNode; wide?: boolean; testId?: string }) {
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testId} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose} autoFocus>
            ✕
          </button>
        </header>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}

export function TemplatesDialog() {
  const open = useEditor((s) => s.panels.templates);
  const counts = useMemo(
    () => (open ? new Map(TEMPLATES.map((t) => [t.id, analyzeGraph(t.build()).totals])) : new Map<string, { trainable: number; nonTrainable: number }>()),
    [open],
  );
  if (!open) return null;
  const close = () => editorStore.getState().setPanel('templates', false);
  return (
    <Modal title="Templates" onClose={close} wide testId="templates-dialog">
      <ul className="template-grid">
        {TEMPLATES.map((t) => {
          const totals = counts.get(t.id);
          return (
            <li key={t.id}>
              <button type="button" className="template-card" data-template-id={t.id} onClick={() => loadTemplate(t.id)}>
                <span className="template-family">{t.family}</span>
                <span className="template-title">{t.title}</span>
                <span className="template-description">{t.description}</span>
                <span className="template-count mono">{totals ? `${formatCount(totals.trainable + totals.nonTrainable)} params` : ''}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </Modal>
  );
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl';

export const SHORTCUTS: readonly [string, string][] = [
  [`${MOD}+N`, 'New graph'],
  [`${MOD}+O`, 'Open…'],
  [`${MOD}+S`, 'Save'],
  [`${MOD}+Shift+S`, 'Save as…'],
  [`${MOD}+Z`, 'Undo'],
  [isMac ? '⌘+Shift+Z' : 'Ctrl+Shift+Z / Ctrl+Y', 'Redo'],
  [`${MOD}+X / C / V`, 'Cut / copy / paste the selection with its wires'],
  [`${MOD}+D`, 'Duplicate the selection'],
  [`${MOD}+A`, 'Select all'],
  ['Delete / Backspace', 'Delete the selection'],
  ['Arrow keys', 'Move the selection (Shift: 10×)'],
  ['Shift+drag', 'Box-select'],
  [`${MOD}/Shift+click`, 'Add to the selection'],
  [`${MOD}+= / - / 0`, 'Zoom in / out / 100%'],
  ['↑ / ↓, Enter / Space (palette)', 'Move through the layers; add the focused one'],
  ['W (one node selected)', 'Wire its output to an input: choose from the inputs that accept it'],
  ['Drag a wire to empty canvas', 'Pick a layer that accepts it, placed and wired'],
  ['Drop a wire on a wired input', 'Replaces its wire (one undo step)'],
  ['← → / ↑ ↓ (splitter), Enter', 'Resize a panel; hide or show it'],
  ['G (nodes selected)', 'Make a sub-model of the selection (rename or remove it at its frame)'],
  ['L', 'Auto-layout'],
  ['F', 'Fit view'],
  ['?', 'This help'],
];

export function HelpOverlay() {
  const open = useEditor((s) => s.panels.help);
  if (!open) return null;
  return (
    <Modal title="Keyboard shortcuts" onClose={() => editorStore.getState().setPanel('help', false)} testId="help-overlay">
      <table className="shortcut-table">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

export function FileErrorDialog() {
  const report = useUi((s) => s.fileError);
  if (!report) return null;
  return (
    <Modal title={report.title} onClose={() => uiStore.setState({ fileError: null })} testId="file-error-dialog">
      <p>{report.title.endsWith('could not be imported') ? 'The model was not imported' : 'The file was not opened'}; your current graph is unchanged.</p>
      <ul className="file-errors">
        {report.errors.map((e, i) => (
          <li key={i}>
            <code>{e.path}</code> {e.message}
          </li>
        ))}
      </ul>
    </Modal>
  );
}

/** How far a piece of work in the worker got: a line, a bar, the percentage, and Cancel when it can stop. */
function WorkProgress({ label, fraction, testId, onCancel }: { label: string; fraction: number; testId: string; onCancel?: () => void }) {
  const percent = Math.round(fraction * 100);
  return (
    <div className="import-progress" role="status" aria-live="polite" data-testid={testId}>
      <span>{label}</span>
      <progress max={100} value={percent} aria-label={label} />
      <span className="mono">{percent}%</span>
      {onCancel && (
        <button type="button" onClick={onCancel} data-testid={`${testId}-cancel`}>
          Cancel
        </button>
      )}
    </div>
  );
}

/** The progress of a model import running in the worker. */
export function ImportProgress() {
  const importing = useUi((s) => s.importing);
  if (!importing) return null;
  return <WorkProgress label={`Importing ${importing.name}: ${importing.stage}`} fraction={importing.fraction} testId="import-progress" />;
}

/** The progress of an export made in the worker (a PyTorch project with its dataset). */
export function ExportProgress() {
  const exporting = useUi((s) => s.exporting);
  if (!exporting) return null;
  const cancel = () => {
    getEngine()
      .cancelExport()
      .catch((err: unknown) => showToast(`Could not cancel the export: ${err instanceof Error ? err.message : String(err)}`, 'error'));
  };
  return <WorkProgress label={`Exporting ${exporting.name}: ${exporting.stage}`} fraction={exporting.fraction} testId="export-progress" onCancel={cancel} />;
}

/** The recovery offer (work autosaved by an earlier session) and any autosave failure. */
export function RecoveryBanner() {
  const recovery = useUi((s) => s.recovery);
  const autosaveError = useUi((s) => s.autosaveError);
  const decided = () => {
    uiStore.setState({ recovery: null });
    // The offer's slot is kept until now, so the work survives another crash before deciding.
    platform.autosave.clear('recovered').catch((err: unknown) =>
      showToast(`Could not remove the recovered autosave: ${err instanceof Error ? err.message : String(err)}`, 'error', 8000),
    );
  };
  const recover = () => {
    if (!recovery) return;
    const state = editorStore.getState();
    if (isDirty(state) && !window.confirm('Replace the current graph (it has unsaved changes) with the recovered one?')) return;
    editorStore.getState().load(recovery.document, { name: recovery.fileName, handle: null, savedText: null });
    decided();
    requestFitView();
  };
  return (
    <>
      {autosaveError && (
        <div className="recovery-banner autosave-error" role="alert" data-testid="autosave-error">
          <span>Autosave failed: {autosaveError.replace(/\.+$/, '')}. Your work is not being kept; save it to a file.</span>
        </div>
      )}
      {recovery && (
        <div className="recovery-banner" role="alertdialog" aria-label="Recover unsaved work" data-testid="recovery-banner">
          <span>
            Recover unsaved work from {new Date(recovery.savedAt).toLocaleString()}
            {recovery.fileName ? ` (${recovery.fileName})` : ''}? {recovery.document.nodes.length} nodes.
            {recovery.olderThanSave && (
              <strong data-testid="recovery-older">
                {' '}
                It is older than your last save of {recovery.olderThanSave.fileName} (
                {new Date(recovery.olderThanSave.savedAt).toLocaleString()}).
              </strong>
            )}
          </span>
          <button type="button" className="button primary" onClick={recover}>
            Recover
          </button>
          <button type="button" className="button" onClick={decided}>
            Discard
          </button>
        </div>
      )}
    </>
  );
}

export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'} data-testid="toast">
          {t.message}
        </div>
      ))}
    </div>
  );
}
