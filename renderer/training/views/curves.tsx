/** The Curves tab: loss per step and per epoch (every visible run), metrics per epoch. */
import { LineChart, type ChartSeries } from '../LineChart';
import { RUN_COLOURS, runColour, trainingStore, useTraining, type Run } from '../training-store';
import { Empty } from './shared';
import type { DockTab } from './tab';

function CurvesView({ run }: { run: Run | null }) {
  const runs = useTraining((s) => s.runs);
  const log = useTraining((s) => s.logScale);
  const version = useTraining((s) => s.version);
  const shown = runs.filter((r) => r.visible || r.id === run?.id);
  const lossSeries: ChartSeries[] = shown.flatMap((r) => {
    const c = runColour(r);
    const tag = shown.length > 1 ? `R${r.index} ` : '';
    const out: ChartSeries[] = [{ label: `${tag}train (batch)`, x: r.steps, y: r.losses, color: c }];
    if (r.epochSteps.length > 0) {
      out.push({ label: `${tag}train (epoch)`, x: r.epochSteps, y: r.epochLoss, color: c, points: true, dash: [6, 3] });
      if (r.validationLoss.some((v) => v !== null)) out.push({ label: `${tag}validation`, x: r.epochSteps, y: r.validationLoss, color: '#f778ba', points: true });
    }
    return out;
  });
  const metricSeries: ChartSeries[] = run
    ? Object.entries(run.epochMetrics).flatMap(([name, values], i) => [
        { label: `train ${name}`, x: run.epochSteps, y: values, color: RUN_COLOURS[(i + 2) % RUN_COLOURS.length] as string, points: true },
        { label: `val ${name}`, x: run.epochSteps, y: run.validationMetrics[name] ?? [], color: '#f778ba', points: true, dash: [4, 2] },
      ])
    : [];
  if (!run) return <Empty>Press Start to train the model on its dataset. Curves appear here as it learns.</Empty>;
  return (
    <div className="curves">
      <div className="curves-tools">
        <label>
          <input type="checkbox" checked={log} onChange={(e) => trainingStore.setState({ logScale: e.target.checked })} /> log scale
        </label>
      </div>
      <div className="curves-charts">
        <div>
          <h4>Loss</h4>
          <LineChart series={lossSeries} log={log} width={560} height={170} fill xLabel="step" version={version} testId="loss-chart" />
        </div>
        {metricSeries.length > 0 ? (
          <div>
            <h4>Metrics (per epoch)</h4>
            <LineChart series={metricSeries} log={false} width={420} height={170} fill xLabel="step" version={version} testId="metric-chart" />
          </div>
        ) : null}
      </div>
    </div>
  );
}

export const curvesTab: DockTab = { id: 'curves', label: 'Curves', draws: [], Component: CurvesView };
