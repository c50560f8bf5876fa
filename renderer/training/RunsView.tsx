/** The runs of this session: overlay them on the curves, read their manifests. */
import { Empty } from './views';
import { runColour, selectRun, setRunVisible, useTraining } from './training-store';

export function RunsView() {
  const runs = useTraining((s) => s.runs);
  const activeId = useTraining((s) => s.activeRunId);
  useTraining((s) => s.version);
  if (runs.length === 0) return <Empty>No runs yet.</Empty>;
  return (
    <table className="runs-table" data-testid="runs-table">
      <thead>
        <tr>
          <th>overlay</th>
          <th>run</th>
          <th>state</th>
          <th>dataset</th>
          <th>backend</th>
          <th>last loss</th>
          <th>val loss</th>
          <th>manifest</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} className={r.id === activeId ? 'active' : ''} onClick={() => selectRun(r.id)}>
            <td>
              <input type="checkbox" checked={r.visible} onChange={(e) => setRunVisible(r.id, e.target.checked)} onClick={(e) => e.stopPropagation()} aria-label={`overlay ${r.name}`} />
              <i className="run-swatch" style={{ background: runColour(r) }} />
            </td>
            <td>{r.name}</td>
            <td>{r.state}</td>
            <td>{r.dataset?.id ?? '–'}</td>
            <td>{r.backend ?? '–'}</td>
            <td>{r.losses.length ? (r.losses[r.losses.length - 1] as number).toPrecision(4) : '–'}</td>
            <td>{r.validationLoss.length ? (r.validationLoss[r.validationLoss.length - 1]?.toPrecision(4) ?? '–') : '–'}</td>
            <td>
              {r.manifest ? (
                <details onClick={(e) => e.stopPropagation()}>
                  <summary>seed {r.manifest.seed}, graph {r.manifest.graphHash.slice(0, 8)}</summary>
                  <pre>{JSON.stringify(r.manifest, null, 2)}</pre>
                </details>
              ) : (
                '–'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
