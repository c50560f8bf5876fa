/** One field of the training setup form for one parameter spec (SetupForm, PhasesForm). */
import { useState, type KeyboardEvent } from 'react';
import type { ParamSpec } from '../../core/catalogue/params';
import type { GraphDocument, ParamValueJson } from '../../core/graph';
import { CheckboxField, FieldError, SelectField } from '../components/FieldParts';
import { commitField, fieldText, type Draft, type Refusal } from './setup-field';

export interface SetupFieldProps {
  id: string;
  spec: ParamSpec;
  value: unknown;
  document: GraphDocument;
  onCommit(value: ParamValueJson): void;
}

/** One field of one spec, controlled by the document (a draft only while the user types). */
export function SetupField({ id, spec, value, document, onCommit }: SetupFieldProps) {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const text = fieldText(spec, value, draft, document);
  const shownRefusal = refusal !== null && refusal.of === document ? refusal.message : null;
  const commit = (typed: string) => {
    const result = commitField(spec, typed, value);
    if (result.kind === 'refused') {
      setRefusal({ message: result.message, of: document });
      return false;
    }
    setRefusal(null);
    if (result.kind === 'commit') onCommit(result.value);
    return true;
  };
  const label = (
    <label htmlFor={id} title={spec.help}>
      {spec.label}
    </label>
  );
  if (spec.kind === 'enum') return <SelectField id={id} value={String(value)} options={spec.options} label={label} help={spec.help} testId={id} onChange={commit} />;
  if (spec.kind === 'bool') return <CheckboxField id={id} checked={value === true} label={label} help={spec.help} onChange={onCommit} />;
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && commit(text)) setDraft(null);
    if (e.key === 'Escape') {
      setDraft(null);
      setRefusal(null);
    }
  };
  const placeholder = (spec.kind === 'int' || spec.kind === 'float') && spec.nullable ? 'off' : undefined;
  return (
    <div className="field" title={spec.help}>
      {label}
      <input
        id={id}
        data-testid={id}
        className={shownRefusal ? 'invalid' : undefined}
        aria-invalid={shownRefusal ? true : undefined}
        value={text}
        spellCheck={false}
        inputMode="decimal"
        placeholder={placeholder}
        onChange={(e) => setDraft({ text: e.target.value, of: document })}
        // Leaving the field: commit what parses, and show the document's value again either way.
        onBlur={() => {
          if (draft !== null && draft.of === document) commit(draft.text);
          setDraft(null);
        }}
        onKeyDown={onKeyDown}
      />
      <FieldError message={shownRefusal} />
    </div>
  );
}

