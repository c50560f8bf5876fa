/**
 * Wiring without a mouse: with one node selected, W opens this list of every input in the graph
 * that accepts one of the node's outputs (checked by the analyzer, replacing a wire where the input
 * has one); arrows and Enter make the wire, in one undo step.
 */
import { useMemo, useState } from 'react';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { nodeDisplayName } from '../../core/graph/summary';
import { documentAnalyzer } from '../state/analysis';
import { editorStore } from '../state/editor';
import { applyWire, inputsAccepting, planWire } from '../editor/wiring';

/** The node whose outputs are being wired, or null when the picker is closed. */
export const portPickerStore = createStore<{ from: string | null }>()(() => ({ from: null }));

export function openPortPicker(nodeId: string): void {
  portPickerStore.setState({ from: nodeId });
}

interface Choice {
  key: string;
  fromPort: string;
  node: string;
  port: string;
  text: string;
}

export function PortPicker() {
  const from = useStore(portPickerStore, (s) => s.from);
  const [active, setActive] = useState(0);
  const choices = useMemo<Choice[]>(() => {
    if (from === null) return [];
    const graph = editorStore.getState().document;
    const analyzer = documentAnalyzer();
    const node = analyzer.analyze(graph).nodes.get(from);
    const nameOf = (id: string) => {
      const n = graph.nodes.find((x) => x.id === id);
      return n ? nodeDisplayName(n) : id;
    };
    return (node?.outputPorts ?? []).flatMap((out) =>
      inputsAccepting(analyzer, graph, { node: from, port: out.name }, nameOf).map((c) => ({
        key: `${out.name}>${c.node}.${c.port}`,
        fromPort: out.name,
        node: c.node,
        port: c.port,
        text: `${(node?.outputPorts.length ?? 0) > 1 ? `${out.name} → ` : ''}${c.nodeName} · ${c.port}${c.replaces ? ' (replaces its wire)' : ''}`,
      })),
    );
  }, [from]);
  if (from === null) return null;
  const close = () => {
    setActive(0);
    portPickerStore.setState({ from: null });
  };
  const choose = (choice: Choice) => {
    const candidate = { source: { node: from, port: choice.fromPort }, target: { node: choice.node, port: choice.port } };
    const store = editorStore.getState();
    const plan = planWire(documentAnalyzer(), store.document, candidate);
    if (plan.ok) store.edit((g) => applyWire(g, plan, candidate));
    close();
  };
  const current = Math.min(active, Math.max(0, choices.length - 1));
  return (
    <div className="popup-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div
        className="layer-search port-picker"
        role="dialog"
        aria-label="Wire the selected node to"
        data-testid="port-picker"
        style={{ left: '50%', top: '30%', width: 340, maxHeight: 360, transform: 'translateX(-50%)' }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') close();
          else if (e.key === 'ArrowDown') setActive(Math.min(current + 1, choices.length - 1));
          else if (e.key === 'ArrowUp') setActive(Math.max(current - 1, 0));
          else if (e.key === 'Enter' && choices[current]) choose(choices[current]);
          else return;
          e.preventDefault();
          e.stopPropagation();
        }}
      >
        <ul role="listbox" aria-label="Inputs that accept this node's output" tabIndex={0} ref={(el) => el?.focus()} aria-activedescendant={choices[current] ? `port-choice-${current}` : undefined}>
          {choices.length === 0 ? <li className="muted">No input in the graph accepts this node's output</li> : null}
          {choices.map((c, i) => (
            <li key={c.key} id={`port-choice-${i}`} role="option" aria-selected={i === current} className={i === current ? 'active' : undefined} data-testid={`port-choice-${c.node}-${c.port}`} onMouseEnter={() => setActive(i)} onMouseDown={(e) => {
              e.preventDefault();
              choose(c);
            }}>
              <span>{c.text}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
