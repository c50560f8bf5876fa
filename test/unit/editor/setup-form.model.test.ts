/**
 * Model-based test (fast-check commands) of the training setup form against the editor store:
 * random edits, undos, redos, template loads and typing in the form's fields. After every step
 * each field shows the document's value (or, while typed over the current document, the draft),
 * the document equals the model's, and it always passes the document schema: a refused value
 * never reaches it. The form's fields run the same functions (renderer/training/setup-field.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../../core/catalogue/params';
import { setTraining, trainingSchema, TRAINING_PARAMS, type TrainingParamKey, type TrainingSetup } from '../../../core/graph';
import { getTemplate, TEMPLATES } from '../../../core/templates';
import { formatParamValue } from '../../../renderer/editor/param-input';
import { createEditorStore, type EditorStore } from '../../../renderer/state/store';
import { commitField, fieldText, type Draft } from '../../../renderer/training/setup-field';

const KEYS = Object.keys(TRAINING_PARAMS) as TrainingParamKey[];
const spec = (key: TrainingParamKey): ParamSpec => TRAINING_PARAMS[key];

/** What the user expects: the setup as a history of values (undo/redo move along it). */
interface Model {
  past: TrainingSetup[];
  present: TrainingSetup;
  future: TrainingSetup[];
}

/** The system: the editor store and one field per parameter (its draft while typed in). */
interface Real {
  store: EditorStore;
  drafts: Map<TrainingParamKey, Draft>;
}

function shown(real: Real, key: TrainingParamKey): string {
  const doc = real.store.getState().document;
  return fieldText(spec(key), doc.training[key], real.drafts.get(key) ?? null, doc);
}

function check(model: Model, real: Real): void {
  const doc = real.store.getState().document;
  expect(doc.training).toEqual(model.present);
  expect(trainingSchema.safeParse(doc.training).success).toBe(true);
  for (const key of KEYS) {
    const draft = real.drafts.get(key);
    const expected = draft && draft.of === doc ? draft.text : formatParamValue(spec(key), model.present[key]);
    expect(shown(real, key), key).toBe(expected);
  }
}

function record(model: Model, next: TrainingSetup): void {
  if (JSON.stringify(next) === JSON.stringify(model.present)) return;
  model.past.push(model.present);
  model.present = next;
  model.future = [];
}

class EditElsewhere implements fc.Command<Model, Real> {
  constructor(readonly key: TrainingParamKey, readonly value: number | string | null) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const patch = { [this.key]: this.value } as Partial<TrainingSetup>;
    real.store.getState().edit((g) => setTraining(g, patch));
    record(model, { ...model.present, ...patch });
    check(model, real);
  }
  toString = () => `edit ${this.key}=${String(this.value)}`;
}

class Undo implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    real.store.temporal.getState().undo();
    const previous = model.past.pop();
    if (previous) {
      model.future.unshift(model.present);
      model.present = previous;
    }
    check(model, real);
  }
  toString = () => 'undo';
}

class Redo implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    real.store.temporal.getState().redo();
    const next = model.future.shift();
    if (next) {
      model.past.push(model.present);
      model.present = next;
    }
    check(model, real);
  }
  toString = () => 'redo';
}

class LoadTemplate implements fc.Command<Model, Real> {
  constructor(readonly id: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const graph = getTemplate(this.id)?.build();
    if (!graph) throw new Error(`no template ${this.id}`);
    real.store.getState().load(graph, { name: null, handle: null, savedText: null });
    model.past = [];
    model.future = [];
    model.present = graph.training;
    check(model, real);
  }
  toString = () => `template ${this.id}`;
}

/** Focus a field and type (no commit yet). */
class Type implements fc.Command<Model, Real> {
  constructor(readonly key: TrainingParamKey, readonly text: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    real.drafts.set(this.key, { text: this.text, of: real.store.getState().document });
    check(model, real);
  }
  toString = () => `type ${this.key} "${this.text}"`;
}

/** Enter or leaving the field: commit what the schema accepts, refuse the rest; the draft ends. */
class Commit implements fc.Command<Model, Real> {
  constructor(readonly key: TrainingParamKey) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const doc = real.store.getState().document;
    const draft = real.drafts.get(this.key);
    real.drafts.delete(this.key);
    if (draft && draft.of === doc) {
      const result = commitField(spec(this.key), draft.text, doc.training[this.key]);
      if (result.kind === 'commit') {
        const patch = { [this.key]: result.value } as Partial<TrainingSetup>;
        real.store.getState().edit((g) => setTraining(g, patch));
        record(model, { ...model.present, ...patch });
      }
    }
    check(model, real);
  }
  toString = () => `commit ${this.key}`;
}

const key = fc.constantFrom(...KEYS.filter((k) => k !== 'optimizer'));
/** Typed text: valid, out of range, not numbers, empty (off for optional fields). */
const typed = fc.oneof(
  fc.constantFrom('', '0', '-1', '3', '0.5', '1e-3', '100', '2147483648', '1e7', 'abc', '2.5', '0.95', '65537'),
  fc.integer({ min: -5, max: 300 }).map(String),
  fc.double({ min: -2, max: 200, noNaN: true }).map((x) => String(Math.round(x * 1000) / 1000)),
);
const validValue = fc.oneof(
  fc.record({ k: fc.constant('epochs' as const), v: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ k: fc.constant('seed' as const), v: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ k: fc.constant('learningRate' as const), v: fc.constantFrom(0.1, 0.01, 0.003) }),
  fc.record({ k: fc.constant('optimizer' as const), v: fc.constantFrom('sgd', 'adam', 'momentum') }),
  fc.record({ k: fc.constant('gradientClipNorm' as const), v: fc.constantFrom(null, 1, 5) }),
);

const commands = [
  validValue.map(({ k, v }) => new EditElsewhere(k, v)),
  fc.constant(new Undo()),
  fc.constant(new Redo()),
  fc.constantFrom(...TEMPLATES.slice(0, 4).map((t) => t.id)).map((id) => new LoadTemplate(id)),
  fc.tuple(key, typed).map(([k, t]) => new Type(k, t)),
  key.map((k) => new Commit(k)),
];

describe('training setup form: model-based', () => {
  it('after any sequence of edits, undos, redos, template loads and typing, the fields show the document', () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 40 }), (cmds) => {
        const first = getTemplate('mlp-mnist')?.build();
        if (!first) throw new Error('no MLP template');
        const store = createEditorStore(first);
        const model: Model = { past: [], present: first.training, future: [] };
        fc.modelRun(() => ({ model, real: { store, drafts: new Map() } }), cmds);
      }),
      { numRuns: 200 },
    );
  });

  it('the issue\'s case: type 3 in Epochs, commit, undo: the field shows 10 (the value training uses)', () => {
    const mlp = getTemplate('mlp-mnist')?.build();
    if (!mlp) throw new Error('no MLP template');
    const store = createEditorStore(mlp);
    const real: Real = { store, drafts: new Map() };
    real.drafts.set('epochs', { text: '3', of: store.getState().document });
    new Commit('epochs').run({ past: [], present: mlp.training, future: [] }, real);
    expect(shown(real, 'epochs')).toBe('3');
    store.temporal.getState().undo();
    expect(store.getState().document.training.epochs).toBe(10);
    expect(shown(real, 'epochs')).toBe('10');
  });
});
