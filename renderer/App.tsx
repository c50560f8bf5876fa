/**
 * The app shell: header, palette, canvas, inspector and status bar. The graph editor builds on
 * this; the shell itself holds no document state.
 */
import { useEffect, useState } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { Canvas } from './components/Canvas';
import { Header } from './components/Header';
import { Inspector } from './components/Inspector';
import { Palette } from './components/Palette';
import { StatusBar } from './components/StatusBar';
import { useBackend } from './engine/useBackend';
import { platform } from './platform';
import { isTextEditingCommand } from './platform/shortcuts';

/** Menu commands the shell handles itself; document commands are for the editor to add. */
function useShellCommands(): void {
  const flow = useReactFlow();
  useEffect(
    () =>
      platform.onMenuCommand((command) => {
        // A focused text field has already applied its own edit (natively, in both shells).
        if (isTextEditingCommand(command, document.activeElement)) return;
        // Outside text fields "Select All" means nodes, not page text.
        if (command === 'selectAll') window.getSelection()?.removeAllRanges();
        else if (command === 'zoomIn') void flow.zoomIn();
        else if (command === 'zoomOut') void flow.zoomOut();
        else if (command === 'zoomReset') void flow.zoomTo(1);
      }),
    [flow],
  );
}

function Shell() {
  const backend = useBackend();
  const [version, setVersion] = useState<string | null>(null);
  useShellCommands();
  useEffect(() => {
    platform.appVersion().then(setVersion, () => setVersion(null));
  }, []);
  return (
    <div className="app">
      <Header fileName="Untitled graph" shell={platform.kind} />
      <div className="workspace">
        <Palette />
        <Canvas />
        <Inspector />
      </div>
      <StatusBar backend={backend} version={version} />
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Shell />
    </ReactFlowProvider>
  );
}
