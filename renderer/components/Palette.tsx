/**
 * The layer palette, generated from the catalogue: categories, search, drag onto the canvas or
 * double-click / Enter to add at the centre of the view.
 */
import { useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
import { declsByCategory } from '../../core/catalogue/registry';
import { addLayer } from '../editor/actions';
import { editorStore } from '../state/editor';
import { categoryColour, LAYER_DRAG_TYPE } from './Canvas';

// The catalogue is static: read it once.
const GROUPS = [...declsByCategory()].filter(([, decls]) => decls.length > 0);

function matches(query: string, type: string, description: string, category: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return type.toLowerCase().includes(q) || description.toLowerCase().includes(q) || category.toLowerCase().includes(q);
}

export function Palette() {
  const [query, setQuery] = useState('');
  const flow = useReactFlow();
  const groups = useMemo(
    () => GROUPS.map(([category, decls]) => [category, decls.filter((d) => matches(query, d.type, d.description, category))] as const).filter(([, d]) => d.length > 0),
    [query],
  );

  const addAtCentre = (type: string) => {
    const canvas = document.querySelector('[data-testid="canvas"]');
    const rect = canvas?.getBoundingClientRect();
    const centre = rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: 600, y: 400 };
    const at = flow.screenToFlowPosition(centre);
    // Successive adds step down-right so they do not hide each other.
    const step = (editorStore.getState().document.nodes.length % 6) * 24;
    addLayer(type, { x: at.x - 90 + step, y: at.y - 40 + step });
  };

  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(LAYER_DRAG_TYPE, type);
    event.dataTransfer.effectAllowed = 'copy';
  };

  // One tab stop for the whole list (roving tabindex): arrows move inside, Enter or Space adds.
  const flat = useMemo(() => groups.flatMap(([, decls]) => decls.map((d) => d.type)), [groups]);
  const [focused, setFocused] = useState<string | null>(null);
  const current = focused !== null && flat.includes(focused) ? focused : (flat[0] ?? null);
  const listRef = useRef<HTMLDivElement>(null);
  const moveTo = (type: string | undefined) => {
    if (type === undefined) return;
    setFocused(type);
    listRef.current?.querySelector<HTMLElement>(`[data-testid="palette-${CSS.escape(type)}"]`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent, type: string) => {
    const at = flat.indexOf(type);
    if (event.key === 'Enter' || event.key === ' ') addAtCentre(type);
    else if (event.key === 'ArrowDown') moveTo(flat[Math.min(at + 1, flat.length - 1)]);
    else if (event.key === 'ArrowUp') moveTo(flat[Math.max(at - 1, 0)]);
    else if (event.key === 'Home') moveTo(flat[0]);
    else if (event.key === 'End') moveTo(flat[flat.length - 1]);
    else return;
    event.preventDefault();
    event.stopPropagation(); // arrows here move the focus, not the selected nodes
  };

  return (
    <aside className="panel palette" aria-label="Layer palette">
      <h2 className="panel-title">Layers</h2>
      <div className="palette-search">
        <input
          type="search"
          placeholder="Search layers"
          aria-label="Search layers"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            const first = groups[0]?.[1][0];
            if (e.key === 'Enter' && first) addAtCentre(first.type);
            if (e.key === 'Escape') setQuery('');
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              moveTo(current ?? undefined);
            }
          }}
        />
      </div>
      <div className="panel-body" ref={listRef} role="listbox" aria-label="Layers (arrow keys move, Enter or Space adds)">
        {groups.length === 0 ? <p className="palette-none">No layer matches “{query}”</p> : null}
        {groups.map(([category, decls]) => (
          <section key={category} className="palette-group" aria-label={category}>
            <h3 className="palette-category">
              {category}
              <span className="palette-count">{decls.length}</span>
            </h3>
            <ul className="palette-list">
              {decls.map((decl) => (
                <li
                  key={decl.type}
                  className={`palette-item kind-${decl.kind}`}
                  title={decl.description}
                  data-testid={`palette-${decl.type}`}
                  role="option"
                  aria-selected={decl.type === current}
                  draggable
                  tabIndex={decl.type === current ? 0 : -1}
                  onFocus={() => setFocused(decl.type)}
                  onDragStart={(e) => onDragStart(e, decl.type)}
                  onDoubleClick={() => addAtCentre(decl.type)}
                  onKeyDown={(e) => onKeyDown(e, decl.type)}
                >
                  <span className="palette-dot" aria-hidden="true" style={{ background: categoryColour(category) }} />
                  <span className="palette-name">{decl.type}</span>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </aside>
  );
}
