/**
 * The layer search that opens where a wire from an output is dropped on empty canvas: only the
 * layers that accept the wire's shape, filtered as you type; Enter or a click places the layer
 * there, wired (as in Blender or ComfyUI).
 */
import { useMemo, useState } from 'react';
import { documentAnalyzer } from '../state/analysis';
import { editorStore } from '../state/editor';
import { layersAccepting, type LayerChoice } from '../editor/wiring';

export interface LayerSearchProps {
  /** Screen position (client coordinates) of the drop. */
  at: { x: number; y: number };
  from: { node: string; port: string };
  onChoose(choice: LayerChoice): void;
  onClose(): void;
}

const WIDTH = 260;
const HEIGHT = 320;

export function LayerSearch({ at, from, onChoose, onClose }: LayerSearchProps) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const accepting = useMemo(() => layersAccepting(documentAnalyzer(), editorStore.getState().document, from), [from]);
  const q = query.trim().toLowerCase();
  const shown = q ? accepting.filter((c) => c.type.toLowerCase().includes(q) || c.category.toLowerCase().includes(q) || c.description.toLowerCase().includes(q)) : accepting;
  const current = Math.min(active, Math.max(0, shown.length - 1));
  const left = Math.max(8, Math.min(at.x, window.innerWidth - WIDTH - 8));
  const top = Math.max(8, Math.min(at.y, window.innerHeight - HEIGHT - 8));
  return (
    <div className="popup-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="layer-search" role="dialog" aria-label="Add a layer wired to this output" data-testid="wire-layer-search" style={{ left, top, width: WIDTH, maxHeight: HEIGHT }}>
        <input
          type="search"
          autoFocus
          placeholder={`${accepting.length} layers accept this`}
          aria-label="Search layers that accept this wire"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') setActive(Math.min(current + 1, shown.length - 1));
            else if (e.key === 'ArrowUp') setActive(Math.max(current - 1, 0));
            else if (e.key === 'Enter' && shown[current]) onChoose(shown[current]);
            else return;
            e.preventDefault();
            e.stopPropagation();
          }}
        />
        <ul role="listbox" aria-label="Layers that accept this wire">
          {shown.length === 0 ? <li className="muted">No layer that accepts this wire matches “{query}”</li> : null}
          {shown.map((choice, i) => (
            <li
              key={choice.type}
              role="option"
              aria-selected={i === current}
              className={i === current ? 'active' : undefined}
              title={choice.description}
              data-testid={`wire-choice-${choice.type}`}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                onChoose(choice);
              }}
            >
              <span>{choice.type}</span>
              <span className="muted">{choice.category}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
