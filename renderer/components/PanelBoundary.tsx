/**
 * An error boundary around one panel (canvas, inspector, summary, training dock). A panel that
 * throws while rendering is replaced by a notice naming the panel and the error, with "Try again"
 * (which remounts it); the document, undo, save and the other panels keep working.
 */
import { Component, Fragment, type ErrorInfo, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import './panel-boundary.css';

export type PanelName = 'canvas' | 'inspector' | 'summary' | 'training dock';

/**
 * Faults injected by end-to-end tests (through `window.__netwright.failPanel`) for panels that
 * have no input left that makes them throw. Empty in normal use.
 */
export const panelFaults = createStore<Readonly<Partial<Record<PanelName, string>>>>()(() => ({}));

export function setPanelFault(panel: PanelName, message: string | null): void {
  panelFaults.setState((faults) => {
    const next = { ...faults };
    if (message === null) delete next[panel];
    else next[panel] = message;
    return next;
  }, true);
}

function FaultProbe({ panel }: { panel: PanelName }): null {
  const fault = useStore(panelFaults, (faults) => faults[panel]);
  if (fault !== undefined) throw new Error(fault);
  return null;
}

interface Props {
  panel: PanelName;
  /** Class of the failed notice, so it takes the panel's place in the layout. */
  className?: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
  /** Bumped by "Try again": a new key remounts the panel with fresh state. */
  attempt: number;
}

export class PanelBoundary extends Component<Props, State> {
  override state: State = { error: null, attempt: 0 };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(`The ${this.props.panel} failed:`, error, info.componentStack);
  }

  private retry = (): void => {
    this.setState((s) => ({ error: null, attempt: s.attempt + 1 }));
  };

  override render(): ReactNode {
    const { panel, className, children } = this.props;
    const { error, attempt } = this.state;
    if (error) {
      return (
        <div className={`panel-failed ${className ?? ''}`} role="alert" data-testid="panel-error" data-panel={panel}>
          <strong className="panel-failed-title">The {panel} stopped working</strong>
          <code className="panel-failed-message">{error.message || error.name}</code>
          <p>Your graph is unaffected: undo, save and the other panels still work.</p>
          <button type="button" className="button" onClick={this.retry}>
            Try again
          </button>
        </div>
      );
    }
    return (
      <Fragment key={attempt}>
        <FaultProbe panel={panel} />
        {children}
      </Fragment>
    );
  }
}
