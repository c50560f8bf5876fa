/** The Confusion matrix tab: a classifier's predictions on validation samples, per-class accuracy. */
import { drawHeatmap } from '../draw';
import type { Run } from '../training-store';
import { latest, useInspection } from '../useInspection';
import { Drawing, Empty, modelReady } from './shared';
import type { DockTab } from './tab';

function ConfusionView() {
  const inspection = useInspection({ kind: 'confusion', samples: 1000 });
  const result = latest(inspection);
  if (inspection.state === 'failed') return <p className="bad">{inspection.message}</p>;
  if (!result) return <p className="muted">Classifying validation samples…</p>;
  const k = result.classes.length;
  const correct = result.classes.map((_, i) => result.counts[i * k + i] as number);
  const totals = result.classes.map((_, i) => result.counts.subarray(i * k, (i + 1) * k).reduce((a, b) => a + b, 0));
  const accuracy = correct.reduce((a, b) => a + b, 0) / Math.max(1, result.samples);
  return (
    <div className="confusion">
      <div>
        <h4>Confusion matrix ({result.samples} validation samples; rows true, columns predicted)</h4>
        <Drawing
          draw={(cv) => drawHeatmap(cv, result.counts, k, k, { rowLabels: result.classes, colLabels: result.classes, annotate: true, cell: 30 })}
          deps={[result]}
          testId="confusion-matrix"
        />
      </div>
      <div>
        <h4>Per-class accuracy (overall {(accuracy * 100).toFixed(1)}%)</h4>
        <table className="layer-table">
          <tbody>
            {result.classes.map((c, i) => (
              <tr key={c}>
                <td>{c}</td>
                <td>{totals[i] ? (((correct[i] as number) / (totals[i] as number)) * 100).toFixed(1) : '–'}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
function ConfusionTab({ run }: { run: Run | null }) {
  if (!modelReady(run)) return <Empty>Train a classifier to see its confusion matrix on validation samples.</Empty>;
  return <ConfusionView />;
}

export const confusionTab: DockTab = { id: 'confusion', label: 'Confusion matrix', draws: ['confusion'], Component: ConfusionTab };
