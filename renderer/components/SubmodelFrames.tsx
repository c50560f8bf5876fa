/**
 * The document's sub-models on the canvas: a tinted frame around each one's nodes, labelled with
 * its name (click to rename, × to remove the declaration). Drawn in flow coordinates behind the
 * cards; only the label takes the pointer, so the frame never blocks selecting or wiring.
 */
import { useState, type KeyboardEvent } from 'react';
import { useNodes, ViewportPortal } from '@xyflow/react';
import type { Submodel } from '../../core/graph';
import { removeSubmodelNamed, renameSubmodelNamed } from '../editor/actions';
import { useEditor } from '../state/editor';

const PAD = 18;
const LABEL = 26;
const TINTS = ['#5aa9e6', '#e6a05a', '#8bd17c', '#c58be6', '#e65a7a'];

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function frameLabel(submodel: Submodel, tint: string, box: Box) {
  return <FrameLabel key={submodel.name} submodel={submodel} tint={tint} box={box} />;
}

function FrameLabel({ submodel, tint, box }: { submodel: Submodel; tint: string; box: Box }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(submodel.name);
  const commit = () => {
    if (draft.trim() === submodel.name || renameSubmodelNamed(submodel.name, draft)) setEditing(false);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    e.stopPropagation();
    if (e.key === 'Enter') commit();
    else if (e.key === 'Escape') {
      setDraft(submodel.name);
      setEditing(false);
    }
  };
  return (
    <div
      className="submodel-frame"
      data-testid={`submodel-frame-${submodel.name}`}
      style={{ transform: `translate(${box.x}px, ${box.y}px)`, width: box.width, height: box.height, borderColor: tint, background: `${tint}14` }}
    >
      <div className="submodel-label nodrag nopan" style={{ background: tint }}>
        {editing ? (
          <input
            aria-label={`Rename sub-model ${submodel.name}`}
            autoFocus
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKey}
            onBlur={() => {
              setDraft(submodel.name);
              setEditing(false);
            }}
          />
        ) : (
          <button type="button" className="submodel-name" title="Sub-model: runs, is inspected and exported alone. Click to rename." onClick={() => { setDraft(submodel.name); setEditing(true); }}>
            {submodel.name}
          </button>
        )}
        <button type="button" className="submodel-remove" aria-label={`Remove sub-model ${submodel.name}`} title="Remove the sub-model (its layers stay)" onClick={() => removeSubmodelNamed(submodel.name)}>
          ×
        </button>
      </div>
    </div>
  );
}

export function SubmodelFrames() {
  const submodels = useEditor((s) => s.document.submodels);
  const nodes = useNodes();
  if (!submodels || submodels.length === 0) return null;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    <ViewportPortal>
      {submodels.map((submodel, i) => {
        let left = Infinity;
        let top = Infinity;
        let right = -Infinity;
        let bottom = -Infinity;
        for (const id of submodel.nodes) {
          const n = byId.get(id);
          if (!n) continue;
          const w = n.measured?.width ?? n.width ?? 180;
          const h = n.measured?.height ?? n.height ?? 80;
          left = Math.min(left, n.position.x);
          top = Math.min(top, n.position.y);
          right = Math.max(right, n.position.x + w);
          bottom = Math.max(bottom, n.position.y + h);
        }
        if (!Number.isFinite(left)) return null;
        const box = { x: left - PAD, y: top - PAD - LABEL, width: right - left + 2 * PAD, height: bottom - top + 2 * PAD + LABEL };
        return frameLabel(submodel, TINTS[i % TINTS.length] as string, box);
      })}
    </ViewportPortal>
  );
}
