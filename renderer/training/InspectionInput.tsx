/**
 * Above the views of a run whose model has no dataset (an imported model): where the views'
 * samples come from (a bundled dataset that fits the model, read without binding it, or the
 * input the user gave), why they can't run when neither is there, and the form to give an input:
 * numbers for every Input, or an image file for an image-shaped one.
 */
import { useState } from 'react';
import { describeInput, modelInputs, parseGivenValues, type GivenSample, type ModelInput } from '../../core/inspect/inspection-input';
import { decodeImage, imageShapeOf, PIXEL_RANGES, pixelsToValues, type PixelRange } from './given-image';
import { inspectOnGiven, useTraining, type Run } from './training-store';

interface FieldState {
  text: string;
  /** Values read from an image file, and the file's name. */
  image: { name: string; values: Float32Array } | null;
  range: PixelRange;
}

const emptyField = (): FieldState => ({ text: '', image: null, range: '0..1' });

function InputField({ input, state, onChange }: { input: ModelInput; state: FieldState; onChange: (next: FieldState) => void }) {
  const image = imageShapeOf(input.shape);
  const [reading, setReading] = useState<string | null>(null);
  const pick = async (file: File | undefined) => {
    if (!file || !image) return;
    try {
      setReading(null);
      const rgba = await decodeImage(file, image.width, image.height);
      onChange({ ...state, image: { name: file.name, values: pixelsToValues(rgba, image.height, image.width, image.channels, state.range) } });
    } catch (err) {
      setReading(`${file.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <div className="given-field" data-testid={`given-input-${input.nodeId}`}>
      <span className="given-what">{describeInput(input)}</span>
      {image ? (
        <span className="given-image">
          <label>
            Image file{' '}
            <input type="file" accept="image/*" data-testid={`given-image-${input.nodeId}`} onChange={(e) => void pick(e.target.files?.[0])} />
          </label>
          <label title="The range the model's training images were scaled to">
            pixels as{' '}
            <select value={state.range} onChange={(e) => onChange({ ...state, range: e.target.value as PixelRange, image: null })}>
              {PIXEL_RANGES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          {state.image ? <span className="muted">{state.image.name}, resized to {image.width}x{image.height}</span> : null}
          {reading ? <span className="bad">{reading}</span> : null}
          <span className="muted">or numbers:</span>
        </span>
      ) : null}
      <textarea
        rows={2}
        value={state.text}
        placeholder="numbers, separated by spaces or commas (JSON arrays too)"
        data-testid={`given-values-${input.nodeId}`}
        onChange={(e) => onChange({ ...state, text: e.target.value, image: null })}
      />
    </div>
  );
}

export function InspectionInput({ run }: { run: Run }) {
  useTraining((s) => s.version);
  const given = useTraining((s) => s.given);
  const opening = useTraining((s) => (s.opening?.runId === run.id ? s.opening : null));
  const inputs = modelInputs(run.graph);
  const [fields, setFields] = useState<Record<string, FieldState>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const source = run.source;
  const failed = opening?.error ?? null;
  const [open, setOpen] = useState(false);
  const showForm = open || failed !== null || source?.kind === 'given';

  const inspect = () => {
    const sample: GivenSample = {};
    for (const input of inputs) {
      const field = fields[input.nodeId] ?? emptyField();
      if (field.image) {
        sample[input.nodeId] = field.image.values;
        continue;
      }
      const parsed = parseGivenValues(input, field.text);
      if (!parsed.ok) {
        setProblem(parsed.message);
        return;
      }
      sample[input.nodeId] = parsed.values;
    }
    setProblem(null);
    void inspectOnGiven(sample);
  };

  return (
    <div className="inspection-input notice" data-testid="inspection-input">
      <p data-testid="inspection-source">
        {opening && !failed ? (
          'Opening the model…'
        ) : failed ? (
          <span className="bad">The views can’t run yet: {failed}.</span>
        ) : source?.kind === 'fitting' ? (
          <>
            The model has no dataset: the views read{' '}
            {source.others.length === 0 ? (
              <b>{source.title}</b>
            ) : (
              <select
                value={source.datasetId}
                data-testid="inspection-dataset"
                aria-label="The dataset whose samples the views read"
                onChange={(e) => void inspectOnGiven(null, e.target.value)}
              >
                {[{ datasetId: source.datasetId, title: source.title }, ...source.others].map((d) => (
                  <option key={d.datasetId} value={d.datasetId}>
                    {d.title}
                  </option>
                ))}
              </select>
            )}{' '}
            validation samples, which fit it ({source.reason}). Bind it in Setup to train.
          </>
        ) : source?.kind === 'given' ? (
          <>The model has no dataset: the views read the input you gave.</>
        ) : (
          'The model has no dataset.'
        )}
        {!showForm ? (
          <button type="button" className="link" data-testid="give-input" onClick={() => setOpen(true)}>
            Give your own input…
          </button>
        ) : null}
        {given && source?.kind === 'given' ? (
          <button type="button" className="link" data-testid="forget-input" onClick={() => void inspectOnGiven(null)}>
            Forget it
          </button>
        ) : null}
      </p>
      {showForm ? (
        <form
          className="given-form"
          onSubmit={(e) => {
            e.preventDefault();
            inspect();
          }}
        >
          {inputs.map((input) => (
            <InputField key={input.nodeId} input={input} state={fields[input.nodeId] ?? emptyField()} onChange={(next) => setFields((f) => ({ ...f, [input.nodeId]: next }))} />
          ))}
          <button type="submit" data-testid="inspect-given">
            Inspect on this input
          </button>
          {problem ? (
            <span className="bad" role="alert" data-testid="given-problem">
              {problem}
            </span>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
