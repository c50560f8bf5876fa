/** The VAE tab: reconstructions, samples from the prior, the latent explorer, a conditional VAE's generation. */
import { useRef, useState } from 'react';
import { drawImageGrid, drawScatter, labelColour, scatterToData, type ScatterFrame } from '../draw';
import type { Run } from '../training-store';
import { latest, useInspection } from '../useInspection';
import { Drawing, Empty, modelReady } from './shared';
import type { DockTab } from './tab';

function LatentExplorer({ latentDim, scatter, label }: { latentDim: number; scatter: { x: Float32Array; y: Float32Array; labels: Int32Array }; label: number | null }) {
  const [z, setZ] = useState<number[]>(() => new Array<number>(latentDim).fill(0));
  const frame = useRef<ScatterFrame | null>(null);
  const dragging = useRef(false);
  // A conditional VAE decodes z with the label chosen under "Generate digit".
  const decoded = useInspection(label === null ? { kind: 'decode-latent', z: [z] } : { kind: 'decode-latent', z: [z], label });
  const image = latest(decoded);
  const set = (i: number, v: number) => setZ((old) => old.map((x, j) => (j === i ? v : x)));
  const fromPointer = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!frame.current) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const [x, y] = scatterToData(frame.current, e.clientX - rect.left, e.clientY - rect.top);
    setZ((old) => old.map((v, j) => (j === 0 ? x : j === 1 ? y : v)));
  };
  return (
    <div className="latent">
      <div>
        <h4>Latent space: first two dims of μ, by label (drag to explore)</h4>
        <Drawing
          draw={(cv) => (frame.current = drawScatter(cv, scatter.x, scatter.y, scatter.labels, 260, [z[0] ?? 0, z[1] ?? 0]))}
          deps={[scatter, z[0], z[1]]}
          testId="latent-scatter"
          className="latent-scatter"
          onPointerDown={(e) => {
            dragging.current = true;
            e.currentTarget.setPointerCapture(e.pointerId);
            fromPointer(e);
          }}
          onPointerMove={(e) => dragging.current && fromPointer(e)}
          onPointerUp={() => (dragging.current = false)}
        />
        <div className="legend-labels">
          {Array.from({ length: 10 }, (_, i) => (
            <span key={i}>
              <i style={{ background: labelColour(i) }} />
              {i}
            </span>
          ))}
        </div>
      </div>
      <div>
        <h4>Decoded from z{label !== null ? ` (label ${label})` : ''}</h4>
        {image ? <Drawing draw={(cv) => drawImageGrid(cv, image.images, 1, 5)} deps={[image]} testId="latent-decoded" /> : <p className="muted">Decoding…</p>}
        <div className="sliders">
          {z.slice(0, 8).map((v, i) => (
            <label key={i}>
              z{i + 1}
              <input type="range" min={-3} max={3} step={0.05} value={v} aria-label={`latent ${i + 1}`} onChange={(e) => set(i, Number(e.target.value))} />
              <span>{v.toFixed(2)}</span>
            </label>
          ))}
          {latentDim > 8 ? <p className="muted">First 8 of {latentDim} dimensions; the others stay at 0.</p> : null}
        </div>
      </div>
    </div>
  );
}

/** A conditional VAE: the run's fixed z samples decoded with a chosen label. */
function GenerateDigit({ classNames, label, setLabel }: { classNames: string[]; label: number; setLabel: (label: number) => void }) {
  const generated = useInspection({ kind: 'generate', label });
  const result = latest(generated);
  return (
    <div className="generate-digit">
      <h4>
        <label>
          Generate digit{' '}
          <select data-testid="generate-label" aria-label="Generate digit" value={label} onChange={(e) => setLabel(Number(e.target.value))}>
            {classNames.map((name, i) => (
              <option key={i} value={i}>
                {name}
              </option>
            ))}
          </select>
        </label>{' '}
        <span className="muted">the run's fixed z samples, decoded with this label</span>
      </h4>
      {generated.state === 'failed' ? <p className="bad">{generated.message}</p> : null}
      {result ? (
        <Drawing draw={(cv) => drawImageGrid(cv, result.images, 8, 2)} deps={[result]} testId="generated-digits" data-label={result.label} />
      ) : (
        <p className="muted">Decoding…</p>
      )}
    </div>
  );
}

function VaeView({ conditional }: { conditional: { inputNodeId: string; classNames: string[] } | null }) {
  const inspection = useInspection({ kind: 'vae', samples: 8, scatter: 500 });
  const [label, setLabel] = useState(0);
  const result = latest(inspection);
  if (inspection.state === 'failed') return <p className="bad">{inspection.message}</p>;
  if (!result) return <p className="muted">Encoding validation samples…</p>;
  return (
    <div className="vae">
      <div className="vae-row">
        <div>
          <h4>Inputs</h4>
          <Drawing draw={(cv) => drawImageGrid(cv, result.inputs, 8, 2)} deps={[result]} testId="vae-inputs" />
          <h4>Reconstructions (decoded from μ)</h4>
          <Drawing draw={(cv) => drawImageGrid(cv, result.reconstructions, 8, 2)} deps={[result]} testId="vae-reconstructions" />
        </div>
        <div>
          <h4>Samples from a fixed z ~ N(0, I) (same z every epoch)</h4>
          <Drawing draw={(cv) => drawImageGrid(cv, result.prior, 8, 2)} deps={[result]} testId="vae-prior" />
        </div>
      </div>
      {conditional ? <GenerateDigit classNames={conditional.classNames} label={label} setLabel={setLabel} /> : null}
      <LatentExplorer latentDim={result.latentDim} scatter={result.scatter} label={conditional ? label : null} />
    </div>
  );
}
function VaeTab({ run }: { run: Run | null }) {
  if (!modelReady(run)) return <Empty>Train a VAE to see reconstructions, samples from the prior and the latent space.</Empty>;
  return <VaeView conditional={run.capabilities?.conditionalLabel ?? null} />;
}

export const vaeTab: DockTab = { id: 'vae', label: 'VAE', draws: ['vae', 'decode-latent', 'generate'], Component: VaeTab };
