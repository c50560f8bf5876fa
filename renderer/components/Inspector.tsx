/**
 * The inspector: a form generated from the selected node's parameter specs (nothing is written
 * per layer type), its shapes, parameter count and issues; a summary of a multi-selection; and
 * the graph's name and description when nothing is selected (the training setup has one place:
 * the training dock's Setup tab).
 */
import { useState, type KeyboardEvent } from 'react';
import type { ParamSpec } from '../../core/catalogue/params';
import { getDecl } from '../../core/catalogue/registry';
import type { FeatureSpec } from '../../core/data';
import { bindableFeatures, bindInputToFeature, type GraphDocument, type GraphNode, type ParamValueJson } from '../../core/graph';
import { renameNode, renameProblem, setMetadata, setParams } from '../../core/graph/edit';
import { setShares, shareProblem } from '../../core/graph/sharing';
import { formatCount, nodeDisplayName } from '../../core/graph/summary';
import { formatShape } from '../../core/shapes/shape';
import { formatParamValue, parseParamInput } from '../editor/param-input';
import { documentAnalyzer, useAnalysis } from '../state/analysis';
import { editorStore, useEditor } from '../state/editor';
import { DatasetPreviewDialog } from '../datasets/DatasetPreviewDialog';
import { CheckboxField, FieldError, SelectField } from './FieldParts';

interface FieldProps {
  id: string;
  spec: ParamSpec;
  value: unknown;
  onCommit(value: ParamValueJson): void;
}

/** One form field for one parameter spec; text input is applied only when it parses. */
function ParamField({ id, spec, value, onCommit }: FieldProps) {
  const shown = formatParamValue(spec, value);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  const [lastShown, setLastShown] = useState(shown);
  if (shown !== lastShown) {
    // The value changed elsewhere (undo, another field): show it, drop the draft.
    setLastShown(shown);
    setText(shown);
    setError(null);
  }
  const commit = (next: string) => {
    const parsed = parseParamInput(spec, next);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    setError(null);
    if (JSON.stringify(parsed.value) !== JSON.stringify(value)) onCommit(parsed.value);
  };
  const label = (
    <label htmlFor={id} className="field-label" title={spec.help}>
      {spec.label}
    </label>
  );
  if (spec.kind === 'bool') return <CheckboxField id={id} checked={value === true} label={label} help={spec.help} onChange={onCommit} />;
  if (spec.kind === 'enum') return <SelectField id={id} value={String(value)} options={spec.options} label={label} onChange={commit} />;
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commit(text);
    if (e.key === 'Escape') {
      setText(shown);
      setError(null);
    }
  };
  const hint = spec.kind === 'ints' ? 'comma-separated' : spec.kind === 'int' || spec.kind === 'float' ? rangeHint(spec) : '';
  return (
    <div className="field">
      {label}
      <input
        id={id}
        className={error ? 'invalid' : undefined}
        aria-invalid={error ? true : undefined}
        value={text}
        spellCheck={false}
        inputMode={spec.kind === 'int' || spec.kind === 'float' ? 'decimal' : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseParamInput(spec, e.target.value);
          setError(parsed.ok ? null : parsed.message);
        }}
        onBlur={() => commit(text)}
        onKeyDown={onKeyDown}
        placeholder={hint}
      />
      <FieldError message={error} />
    </div>
  );
}

function rangeHint(spec: { min?: number; max?: number }): string {
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min} – ${spec.max}`;
  return '';
}

/** How a feature reads in the choice: "image — [28, 28, 1] float32". */
function featureLabel(feature: FeatureSpec): string {
  return `${feature.name} — [${feature.shape.join(', ')}] ${feature.dtype}`;
}

/**
 * An Input's data binding as a choice among the document's dataset's features. Choosing one sets
 * the feature, shape and dtype in one edit; a bound name the dataset lacks (an old file) is shown
 * as it is, never silently changed. Without a usable dataset, the free-text field stays.
 */
function FeatureField({ node, spec, dataset }: { node: GraphNode; spec: ParamSpec; dataset: GraphDocument['training']['dataset'] }) {
  const value = typeof node.params.feature === 'string' ? node.params.feature : '';
  const found = dataset ? bindableFeatures(dataset) : null;
  if (!found || !found.ok) {
    return (
      <>
        <ParamField id="param-feature" spec={spec} value={value} onCommit={(v) => editorStore.getState().edit((g) => setParams(g, node.id, { feature: v }))} />
        <p className="muted small" data-testid="feature-hint">
          {found ? `The dataset cannot be read: ${found.message}` : 'Choose a dataset in the Setup tab to pick a feature.'}
        </p>
      </>
    );
  }
  const known = found.features.some((f) => f.name === value);
  const choose = (name: string) => {
    if (name === value) return;
    const feature = found.features.find((f) => f.name === name) ?? null;
    editorStore.getState().edit((g) => bindInputToFeature(g, node.id, feature));
  };
  return (
    <div className="field">
      <label htmlFor="param-feature" className="field-label" title={spec.help}>
        {spec.label}
      </label>
      <select id="param-feature" data-testid="feature-select" value={value} onChange={(e) => choose(e.target.value)}>
        <option value="">(not bound)</option>
        {found.features.map((f) => (
          <option key={f.name} value={f.name} title={f.description}>
            {featureLabel(f)}
          </option>
        ))}
        {value !== '' && !known ? (
          <option value={value}>
            {value} (not in {found.datasetId})
          </option>
        ) : null}
      </select>
    </div>
  );
}

function NameField({ node }: { node: GraphNode }) {
  const [text, setText] = useState(node.name ?? '');
  const [last, setLast] = useState(node.name ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  if ((node.name ?? '') !== last) {
    setLast(node.name ?? '');
    setText(node.name ?? '');
    setProblem(null);
  }
  const commit = () => {
    const name = text.slice(0, 80);
    // Names are unique: refuse one in use, say why, and keep the typed text to fix.
    const refused = renameProblem(editorStore.getState().document, node.id, name);
    setProblem(refused);
    if (!refused) editorStore.getState().edit((g) => renameNode(g, node.id, name));
  };
  return (
    <div className="field">
      <label htmlFor="node-name" className="field-label">
        Name
      </label>
      <input
        id="node-name"
        className={problem ? 'invalid' : undefined}
        aria-invalid={problem ? true : undefined}
        value={text}
        placeholder={node.id}
        maxLength={80}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      <FieldError message={problem} />
    </div>
  );
}

/**
 * "Shares weights with": another node of the same type whose weights this one applies (a GAN's
 * discriminator on generated samples, a siamese tower). A choice the analysis would flag (other
 * parameters or input shapes, a chain) is refused here with its reason.
 */
function SharesField({ node }: { node: GraphNode }) {
  const graph = useEditor((s) => s.document);
  const [refusal, setRefusal] = useState<{ message: string; of: GraphDocument } | null>(null);
  const candidates = graph.nodes.filter((n) => n.id !== node.id && n.type === node.type);
  const choose = (owner: string) => {
    if (owner === '') {
      setRefusal(null);
      editorStore.getState().edit((g) => setShares(g, node.id, null));
      return;
    }
    const problem = shareProblem(graph, node.id, owner, (g) => documentAnalyzer().analyze(g));
    if (problem) {
      setRefusal({ message: problem, of: graph });
      return;
    }
    setRefusal(null);
    editorStore.getState().edit((g) => setShares(g, node.id, owner));
  };
  return (
    <div className="field" title="Apply another node's weights instead of its own (same type, parameters and input shapes): one set of weights, trained once.">
      <label htmlFor="param-shares" className="field-label">
        Shares weights with
      </label>
      <select id="param-shares" data-testid="param-shares" value={node.shares ?? ''} onChange={(e) => choose(e.target.value)}>
        <option value="">— its own weights —</option>
        {candidates.map((n) => (
          <option key={n.id} value={n.id}>
            {nodeDisplayName(n)}
          </option>
        ))}
      </select>
      <FieldError message={refusal?.of === graph ? refusal.message : null} testId="shares-refusal" />
    </div>
  );
}

function NodeInspector({ node }: { node: GraphNode }) {
  const analysis = useAnalysis();
  const result = analysis.nodes.get(node.id);
  const decl = getDecl(node.type);
  const params = (result?.params.trainable ?? 0) + (result?.params.nonTrainable ?? 0);
  const issues = result?.issues ?? [];
  const dataset = useEditor((s) => s.document.training.dataset);
  return (
    <div className="panel-body inspector-body" data-testid="node-inspector">
      <div className="inspector-heading">
        <span className="inspector-type">{node.type}</span>
        <span className="inspector-category">{decl?.category}</span>
      </div>
      {decl ? <p className="inspector-description">{decl.description}</p> : null}
      <NameField key={node.id} node={node} />
      {decl && Object.keys(decl.params).length > 0 ? (
        <section className="inspector-section" aria-label="Parameters">
          <h3>Parameters</h3>
          {Object.entries(decl.params).map(([key, spec]) =>
            decl.kind === 'input' && key === 'feature' ? (
              <FeatureField key={`${node.id}:${key}`} node={node} spec={spec} dataset={dataset} />
            ) : (
              <ParamField
                key={`${node.id}:${key}`}
                id={`param-${key}`}
                spec={spec}
                value={node.params[key]}
                onCommit={(value) => editorStore.getState().edit((g) => setParams(g, node.id, { [key]: value }))}
              />
            ),
          )}
        </section>
      ) : null}
      {decl?.kind === 'layer' && (params > 0 || node.shares !== undefined || result?.sharedFrom !== undefined) ? <SharesField key={`${node.id}:shares`} node={node} /> : null}
      <section className="inspector-section" aria-label="Shapes">
        <h3>Shapes</h3>
        <dl className="shape-list">
          {(result?.inputPorts ?? []).map((port) => (
            <div key={`in-${port.name}`}>
              <dt>{port.name === 'in' ? 'input' : `in · ${port.label ?? port.name}`}</dt>
              <dd>{(result?.inputs[port.name] ?? []).map((s) => formatShape(s)).join(', ') || '—'}</dd>
            </div>
          ))}
          {(result?.outputPorts ?? []).map((port) => {
            const shape = result?.outputs[port.name];
            return (
              <div key={`out-${port.name}`}>
                <dt>{port.name === 'out' ? 'output' : `out · ${port.label ?? port.name}`}</dt>
                <dd>{shape ? formatShape(shape) : '?'}</dd>
              </div>
            );
          })}
        </dl>
        {decl?.kind !== 'loss' ? (
          <p className="inspector-params" data-testid="inspector-params">
            {formatCount(params)} parameters
            {result && result.params.nonTrainable > 0 ? ` (${formatCount(result.params.nonTrainable)} non-trainable)` : ''}
          </p>
        ) : null}
      </section>
      {issues.length > 0 ? (
        <section className="inspector-section" aria-label="Issues">
          <h3>Issues</h3>
          <ul className="issue-list">
            {issues.map((issue, i) => (
              <li key={i} className={`issue ${issue.severity}`}>
                {issue.message}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function MultiInspector({ nodes }: { nodes: readonly GraphNode[] }) {
  const analysis = useAnalysis();
  const types = new Map<string, number>();
  let params = 0;
  for (const n of nodes) {
    types.set(n.type, (types.get(n.type) ?? 0) + 1);
    const r = analysis.nodes.get(n.id);
    params += (r?.params.trainable ?? 0) + (r?.params.nonTrainable ?? 0);
  }
  return (
    <div className="panel-body inspector-body" data-testid="multi-inspector">
      <div className="inspector-heading">
        <span className="inspector-type">{nodes.length} nodes selected</span>
      </div>
      <section className="inspector-section">
        <h3>Types</h3>
        <ul className="type-counts">
          {[...types].map(([type, count]) => (
            <li key={type}>
              <span>{type}</span>
              <span className="mono">× {count}</span>
            </li>
          ))}
        </ul>
        <p className="inspector-params">{formatCount(params)} parameters in total</p>
        <p className="muted small">Align with the buttons above the canvas; Ctrl+C / Ctrl+D copy or duplicate them with their wires.</p>
      </section>
    </div>
  );
}

function GraphInspector({ graph }: { graph: GraphDocument }) {
  const edit = editorStore.getState().edit;
  const analysis = useAnalysis();
  const errors = analysis.issues.filter((i) => i.severity === 'error').length;
  return (
    <div className="panel-body inspector-body" data-testid="graph-inspector">
      <p className="inspector-hint">Select a node to edit its parameters</p>
      <section className="inspector-section" aria-label="Graph">
        <h3>Graph</h3>
        <ParamField id="graph-name" spec={{ kind: 'string', label: 'Name', help: 'Name of the model.', default: '', maxLength: 200 }} value={graph.metadata.name} onCommit={(v) => edit((g) => setMetadata(g, { name: String(v) }))} />
        <div className="field">
          <label className="field-label" htmlFor="graph-description">
            Description
          </label>
          <textarea
            id="graph-description"
            rows={3}
            defaultValue={graph.metadata.description}
            key={graph.metadata.description}
            maxLength={4096}
            onBlur={(e) => edit((g) => setMetadata(g, { description: e.target.value }))}
          />
        </div>
        <p className="muted small">
          {graph.nodes.length} nodes · {graph.edges.length} wires · {errors === 0 ? 'no errors' : `${errors} error${errors === 1 ? '' : 's'}`}
        </p>
      </section>
      <p className="muted small" data-testid="setup-pointer">
        The training setup (dataset, optimizer, epochs…) is in the training dock's Setup tab.
      </p>
    </div>
  );
}

export function Inspector() {
  const graph = useEditor((s) => s.document);
  const selection = useEditor((s) => s.selection);
  const selected = graph.nodes.filter((n) => selection.nodes.includes(n.id));
  const title = selected.length === 1 ? nodeDisplayName(selected[0] as GraphNode) : selected.length > 1 ? 'Selection' : 'Graph';
  return (
    <aside className="panel inspector" aria-label="Inspector">
      <h2 className="panel-title">Inspector · {title}</h2>
      {selected.length === 1 ? (
        <NodeInspector key={(selected[0] as GraphNode).id} node={selected[0] as GraphNode} />
      ) : selected.length > 1 ? (
        <MultiInspector nodes={selected} />
      ) : (
        <GraphInspector graph={graph} />
      )}
      <DatasetPreviewDialog />
    </aside>
  );
}
