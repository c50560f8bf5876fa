import { Background, BackgroundVariant, Controls, ReactFlow } from '@xyflow/react';

export function Canvas() {
  return (
    <main className="canvas" aria-label="Graph canvas" data-testid="canvas">
      <ReactFlow nodes={[]} edges={[]} colorMode="dark" proOptions={{ hideAttribution: true }} fitView>
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <Controls showInteractive={false} />
      </ReactFlow>
      <div className="canvas-hint" role="note">
        <p className="canvas-hint-title">Start a network</p>
        <p>Drag a layer from the palette, or open a template</p>
      </div>
    </main>
  );
}
