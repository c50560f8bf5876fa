import type { BackendReport } from '../engine/engine-api';
import type { BackendStatus } from '../engine/useBackend';

export interface StatusBarProps {
  backend: BackendStatus;
  version: string | null;
}

/** The wasm backend's thread pool as tfjs reports it, and what was asked for. */
export function wasmThreadsLine(report: BackendReport): string {
  if (report.wasmThreads === null) return 'wasm thread pool: wasm not started';
  const asked = report.wasmThreadsRequested === null ? "tfjs' default" : `asked ${report.wasmThreadsRequested}`;
  return `wasm thread pool: ${report.wasmThreads} thread${report.wasmThreads === 1 ? '' : 's'} (${asked}; ${report.hardwareConcurrency} logical cores)`;
}

function BackendIndicator({ backend }: { backend: BackendStatus }) {
  if (backend.state === 'probing') {
    return <span className="status-backend probing">Choosing a compute backend…</span>;
  }
  if (backend.state === 'failed') {
    return (
      <span className="status-backend failed" title={backend.message}>
        No compute backend
      </span>
    );
  }
  const { report } = backend;
  return (
    <span className="status-backend ready" tabIndex={0} aria-describedby="backend-details">
      <span className="status-dot" aria-hidden="true" />
      Backend: <strong data-testid="backend-name">{report.backend}</strong>
      <span className="status-popover" id="backend-details" role="tooltip">
        <span className="popover-title">TensorFlow.js {report.tfjsVersion}</span>
        {report.skipped.length === 0 ? (
          <span className="popover-line">First choice; nothing skipped.</span>
        ) : (
          report.skipped.map((s) => (
            <span key={s.name} className="popover-line">
              <b>{s.name}</b> skipped: {s.reason}
            </span>
          ))
        )}
        <span className="popover-line muted">
          {report.crossOriginIsolated ? 'Cross-origin isolated: wasm threads allowed' : 'Not cross-origin isolated: single-threaded wasm'}
        </span>
        <span className="popover-line muted" data-testid="wasm-threads">
          {wasmThreadsLine(report)}
        </span>
        <span className="popover-line muted" data-testid="simd-kernels">
          Netwright SIMD kernels: {report.simdKernels}
        </span>
      </span>
    </span>
  );
}

export function StatusBar({ backend, version }: StatusBarProps) {
  return (
    <footer className="status-bar" data-testid="status-bar">
      <BackendIndicator backend={backend} />
      <span className="status-spacer" />
      {version ? <span className="status-version">v{version}</span> : null}
    </footer>
  );
}
