/**
 * The one node type on the canvas: a card generated from the node's declaration (type, name,
 * the parameters marked `card`, a handle per port, output shapes and parameter count).
 */
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { PortSpec } from '../../core/catalogue/decl';
import type { ParamSpec } from '../../core/catalogue/params';
import { formatCount } from '../../core/graph/summary';
import { formatShape, type Shape } from '../../core/shapes/shape';
import { formatParamValue } from '../editor/param-input';

export interface NodeCardData extends Record<string, unknown> {
  type: string;
  name: string;
  category: string;
  kind: 'input' | 'layer' | 'loss' | 'unknown';
  cardParams: readonly { key: string; label: string; value: string }[];
  inputs: readonly PortSpec[];
  outputs: readonly PortSpec[];
  outputShapes: Readonly<Record<string, Shape>>;
  params: number;
  errors: readonly string[];
  warnings: readonly string[];
  highlight: 'error' | 'nonFinite' | null;
}

export type NodeCardNode = Node<NodeCardData, 'layer'>;

export function cardParamRows(specs: Readonly<Record<string, ParamSpec>>, values: Readonly<Record<string, unknown>>): NodeCardData['cardParams'] {
  return Object.entries(specs)
    .filter(([key, spec]) => spec.card && !(spec.kind === 'string' && values[key] === ''))
    .map(([key, spec]) => {
      const text = formatParamValue(spec, values[key]);
      return { key, label: spec.label, value: spec.kind === 'ints' ? `[${text}]` : text };
    });
}

function categoryClass(category: string): string {
  return `cat-${category.toLowerCase()}`;
}

function NodeCardView({ data, selected }: NodeProps<NodeCardNode>) {
  const hasError = data.errors.length > 0;
  const title = [...data.errors, ...data.warnings].join('\n');
  const classes = ['node-card', categoryClass(data.category), `kind-${data.kind}`];
  if (hasError) classes.push('has-error');
  else if (data.warnings.length > 0) classes.push('has-warning');
  if (selected) classes.push('selected');
  if (data.highlight) classes.push(`highlight-${data.highlight}`);
  const outputPorts = data.outputs;
  return (
    <div className={classes.join(' ')} title={title || undefined} data-testid="node-card" data-error={hasError ? 'true' : 'false'}>
      <div className="node-head">
        <span className="node-type">{data.type}</span>
        <span className="node-name">{data.name}</span>
        {hasError ? (
          <span className="node-badge error" data-testid="error-badge" aria-label={`${data.errors.length} error(s)`}>
            !
          </span>
        ) : null}
      </div>
      {data.cardParams.length > 0 ? (
        <dl className="node-params">
          {data.cardParams.map((p) => (
            <div key={p.key} className="node-param">
              <dt>{p.label}</dt>
              <dd>{p.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <div className="node-ports">
        <div className="node-port-col inputs">
          {data.inputs.map((port) => (
            <div key={port.name} className="node-port in" title={port.help}>
              <Handle type="target" position={Position.Left} id={port.name} className={port.optional ? 'handle optional' : 'handle'} />
              <span className="port-label">{port.label ?? port.name}</span>
            </div>
          ))}
        </div>
        <div className="node-port-col outputs">
          {outputPorts.map((port) => {
            const shape = data.outputShapes[port.name];
            return (
              <div key={port.name} className="node-port out" title={port.help}>
                {outputPorts.length > 1 ? <span className="port-label">{port.label ?? port.name}</span> : null}
                <span className="port-shape">{shape ? formatShape(shape) : '?'}</span>
                <Handle type="source" position={Position.Right} id={port.name} className="handle" />
              </div>
            );
          })}
        </div>
      </div>
      {data.kind !== 'loss' && data.kind !== 'input' ? (
        <div className="node-foot">
          <span className="node-count">{formatCount(data.params)} params</span>
        </div>
      ) : null}
      {hasError ? <div className="node-error">{data.errors[0]}</div> : null}
    </div>
  );
}

export const NodeCard = memo(NodeCardView);
