import { Background, BackgroundVariant, Controls, ReactFlow } from '@xyflow/react';

export function Canvas() {
  return (
    <main className="canvas" aria-label="Graph canvas" data-testid="canvas">
      <ReactFlow nodes={[]} edges={[]} colorMode="dark" fitView>
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <Controls showInteractive={false} />
      </ReactFlow>
      <div className="canvas-hint" role="note">
        <svg className="canvas-hint-icon" viewBox="0 0 48 48" aria-hidden="true">
          <rect x="4" y="8" width="14" height="10" rx="3" />
          <rect x="4" y="30" width="14" height="10" rx="3" />
          <rect x="30" y="19" width="14" height="10" rx="3" />
          <path d="M18 13c6 0 6 11 12 11M18 35c6 0 6-11 12-11" />
        </svg>
        <p className="canvas-hint-title">Start a network</p>
        <p>Drag a layer from the palette, or open a template</p>
      </div>
    </main>
  );
}
