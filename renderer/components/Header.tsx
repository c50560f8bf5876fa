import { useState } from 'react';
import type { FileRef, Platform } from '../platform';
import { platform } from '../platform';
import { alignSelection, makeSubmodelFromSelection, newDocument, openFile, openModelFolder, redo, saveFile, saveFileAs, undo } from '../editor/actions';
import { editorStore, useEditor, useHistoryState } from '../state/editor';

export interface HeaderProps {
  fileName: string;
  dirty: boolean;
  shell: Platform['kind'];
  onAutoLayout(): void;
}

function RecentMenu() {
  const [files, setFiles] = useState<FileRef[] | null>(null);
  const toggle = () => {
    if (files) setFiles(null);
    else void platform.recentFiles().then(setFiles, () => setFiles([]));
  };
  return (
    <div className="menu-anchor">
      <button type="button" className="tool" onClick={toggle} aria-expanded={files !== null} title="Recent files">
        Recent ▾
      </button>
      {files ? (
        <ul className="menu" role="menu" onMouseLeave={() => setFiles(null)}>
          {files.length === 0 ? <li className="menu-empty">No recent files</li> : null}
          {files.map((f) => (
            <li key={f.key} role="menuitem">
              <button
                type="button"
                onClick={() => {
                  setFiles(null);
                  void openFile(f);
                }}
              >
                {f.name}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Header({ fileName, dirty, shell, onAutoLayout }: HeaderProps) {
  const { canUndo, canRedo } = useHistoryState();
  const selectedCount = useEditor((s) => s.selection.nodes.length);
  const setPanel = editorStore.getState().setPanel;
  return (
    <header className="app-header">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="5" cy="6" r="2.4" />
          <circle cx="5" cy="18" r="2.4" />
          <circle cx="19" cy="12" r="2.4" />
          <path d="M7.2 6.8 16.8 11.2M7.2 17.2l9.6-4.4" />
        </svg>
        <span className="brand-name">Netwright</span>
        <nav className="toolbar" aria-label="Toolbar">
          <button type="button" className="tool" onClick={newDocument} title="New graph (Ctrl+N)">New</button>
          <button type="button" className="tool" onClick={() => void openFile()} title="Open a graph file (Ctrl+O)">Open</button>
          {platform.openModelFolder ? (
            <button type="button" className="tool" data-testid="open-model-folder" onClick={() => void openModelFolder()} title="Import a model folder: a TensorFlow.js model.json with its weight files, or a .keras / .h5 file">
              Open folder
            </button>
          ) : null}
          <button type="button" className="tool" onClick={() => void saveFile()} title="Save (Ctrl+S)">Save</button>
          <button type="button" className="tool" onClick={() => void saveFileAs()} title="Save as (Ctrl+Shift+S)">Save as</button>
          <RecentMenu />
          <span className="tool-sep" />
          <button type="button" className="tool" onClick={() => setPanel('templates', true)} data-testid="open-templates">Templates</button>
          <span className="tool-sep" />
          <button type="button" className="tool" onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)" aria-label="Undo">↶</button>
          <button type="button" className="tool" onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" aria-label="Redo">↷</button>
          <button type="button" className="tool" onClick={onAutoLayout} title="Auto-layout (L)">Layout</button>
          <button type="button" className="tool" onClick={() => alignSelection('left')} disabled={selectedCount < 2} title="Align selected nodes left">Align ⇤</button>
          <button type="button" className="tool" onClick={() => alignSelection('top')} disabled={selectedCount < 2} title="Align selected nodes top">Align ⤒</button>
          <button type="button" className="tool" onClick={() => makeSubmodelFromSelection()} disabled={selectedCount < 1} title="Make a sub-model of the selected layers: it runs, is inspected and exported alone (G)" data-testid="make-submodel">Sub-model</button>
          <button type="button" className="tool" onClick={() => setPanel('help', true)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">?</button>
        </nav>
      </div>
      <div className="header-file" title={fileName}>
        <span data-testid="file-name">{fileName}</span>
        {dirty ? (
          <span className="dirty-mark" data-testid="dirty-mark" title="Unsaved changes">
            {' '}•
          </span>
        ) : null}
      </div>
      <div className="header-shell" title={shell === 'web' ? 'Running in the browser' : 'Running in the desktop app'}>
        {shell === 'web' ? 'Web' : 'Desktop'}
      </div>
    </header>
  );
}
