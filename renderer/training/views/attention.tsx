/** The Attention tab: every attention node's weights per head, their epoch history, decoding typed input. */
import { useState } from 'react';
import type { AttentionResult, AttentionView as AttentionMatrix } from '../../engine/engine-api';
import { useEditor } from '../../state/editor';
import { drawHeatmap } from '../draw';
import { useTraining, type Run } from '../training-store';
import { latest, useInspection } from '../useInspection';
import { Drawing, Empty, EpochSlider, nodeName, useEpochPick } from './shared';
import type { DockTab } from './tab';

function rowSums(m: AttentionMatrix, head: number): number[] {
  const values = m.heads[head] as Float32Array;
  return Array.from({ length: m.rows }, (_, r) => values.subarray(r * m.cols, (r + 1) * m.cols).reduce((a, b) => a + b, 0));
}

function AttentionMap({ map, title }: { map: AttentionMatrix; title: string }) {
  const [head, setHead] = useState(0);
  const h = Math.min(head, map.heads.length - 1);
  const sums = rowSums(map, h);
  // Colour from 0 to the largest weight shown (printed below), so near-uniform maps stay readable.
  const top = Math.max(1e-6, ...(map.heads[h] as Float32Array));
  return (
    <div className="attention-map">
      <h4>
        {title}
        {map.heads.length > 1 ? (
          <span className="head-tabs">
            {map.heads.map((_, i) => (
              <button key={i} className={i === h ? 'active' : ''} onClick={() => setHead(i)}>
                head {i + 1}
              </button>
            ))}
          </span>
        ) : null}
      </h4>
      <Drawing
        draw={(cv) => drawHeatmap(cv, map.heads[h] as Float32Array, map.rows, map.cols, { rowLabels: map.rowLabels, colLabels: map.colLabels, range: [0, top] })}
        deps={[map, h, top]}
        testId="attention-heatmap"
        data-rows={map.rows}
        data-cols={map.cols}
        data-row-labels={JSON.stringify(map.rowLabels)}
        data-col-labels={JSON.stringify(map.colLabels)}
        data-row-sums={JSON.stringify(sums.map((s) => Number(s.toFixed(5))))}
        data-values={JSON.stringify(Array.from(map.heads[h] as Float32Array, (v) => Number(v.toFixed(5))))}
      />
      <p className="muted">
        rows: query steps (target tokens) · columns: attended tokens · each row sums to 1 · colour 0
        <span className="ramp" /> {top.toFixed(2)}
      </p>
    </div>
  );
}

function AttentionView({ run }: { run: Run | null }) {
  const graph = useEditor((s) => s.document);
  const [sample, setSample] = useState(0);
  const [text, setText] = useState('');
  const [beam, setBeam] = useState(3);
  const [decodeAsk, setDecodeAsk] = useState<{ text: string; beamWidth: number } | null>(null);
  const ready = run !== null && run.capabilities !== null && run.state !== 'error';
  const has = run?.capabilities?.views.includes('attention') ?? false;
  const seq2seq = run?.capabilities?.views.includes('decode') ?? false;
  const inspection = useInspection(ready && has ? { kind: 'attention', sample } : null);
  const decoded = useInspection(ready && decodeAsk && seq2seq ? { kind: 'decode', ...decodeAsk } : null);
  const live = latest(inspection);
  const typed = latest(decoded);
  useTraining((s) => s.version);
  const history: { label: string; result: AttentionResult }[] = (run?.attentionHistory ?? [])
    .filter((h) => h.result.sample === (live?.sample ?? sample))
    .map((h) => ({ label: `epoch ${h.epoch}`, result: h.result }));
  if (live) history.push({ label: 'latest', result: live });
  const { position, shown: result, pick } = useEpochPick(history);
  if (!ready) return <Empty>Train a model with an attention node to see where it looks.</Empty>;
  if (!has) return <Empty>This model has no attention node.</Empty>;
  return (
    <div className="attention">
      <div className="view-tools">
        <label>
          Validation sample{' '}
          <input
            type="number"
            min={0}
            value={sample}
            onChange={(e) => {
              setSample(Math.max(0, Number(e.target.value) | 0));
              pick(null);
            }}
          />
        </label>
        <EpochSlider labels={history.map((h) => h.label)} position={position} pick={pick} testId="attention-epoch" label="attention epoch" />
      </div>
      {inspection.state === 'failed' ? <p className="bad">{inspection.message}</p> : null}
      {result ? (
        <>
          {result.source !== null ? (
            <table className="seq-table" data-testid="seq2seq-sample">
              <tbody>
                <tr>
                  <th>source</th>
                  <td>{result.source}</td>
                </tr>
                <tr>
                  <th>target</th>
                  <td>{result.target}</td>
                </tr>
                <tr>
                  <th>model (greedy)</th>
                  <td className={result.decoded === result.target ? 'good' : ''}>{result.decoded}</td>
                </tr>
              </tbody>
            </table>
          ) : null}
          <div className="attention-maps">
            {result.maps.map((m) => (
              <AttentionMap key={m.nodeId} map={m} title={nodeName(graph, m.nodeId)} />
            ))}
          </div>
        </>
      ) : (
        <p className="muted">Reading attention weights…</p>
      )}
      {seq2seq ? (
        <form
          className="decode-form"
          onSubmit={(e) => {
            e.preventDefault();
            setDecodeAsk({ text, beamWidth: beam });
          }}
        >
          <h4>Try your own input</h4>
          <input aria-label="Source text" placeholder="type a source string" value={text} onChange={(e) => setText(e.target.value)} />
          <label>
            beam <input type="number" min={1} max={8} value={beam} onChange={(e) => setBeam(Math.max(1, Math.min(8, Number(e.target.value) | 0)))} />
          </label>
          <button type="submit">Decode</button>
          {decoded.state === 'failed' ? <p className="bad">{decoded.message}</p> : null}
          {typed ? (
            <div data-testid="decode-result">
              <p>
                → <strong>{typed.output}</strong>
              </p>
              {typed.hypotheses.length > 1 ? (
                <ol className="hypotheses">
                  {typed.hypotheses.map((h, i) => (
                    <li key={i}>
                      {h.text} <span className="muted">log p = {h.logProb.toFixed(2)}</span>
                    </li>
                  ))}
                </ol>
              ) : null}
              {typed.attention ? <AttentionMap map={typed.attention} title="attention of the decoded output" /> : null}
            </div>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}

export const attentionTab: DockTab = { id: 'attention', label: 'Attention', draws: ['attention', 'decode'], Component: AttentionView };
