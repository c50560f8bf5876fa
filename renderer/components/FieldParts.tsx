/** Parts of a form field the inspector and the training setup share: checkbox, select, the refusal under a field. */
import type { ReactNode } from 'react';

/** A bool as a checkbox with its label after it; the field shows the help on hover. */
export function CheckboxField({ id, checked, label, help, onChange }: { id: string; checked: boolean; label: ReactNode; help: string; onChange(checked: boolean): void }) {
  return (
    <div className="field field-bool" title={help}>
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </div>
  );
}

/** One of `options` as a select under its label. */
export function SelectField({
  id,
  value,
  options,
  label,
  help,
  testId,
  onChange,
}: {
  id: string;
  value: string;
  options: readonly string[];
  label: ReactNode;
  help?: string;
  testId?: string;
  onChange(value: string): void;
}) {
  return (
    <div className="field" title={help}>
      {label}
      <select id={id} data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Why the typed value was refused, under its field; nothing when there is no refusal. */
export function FieldError({ message, testId }: { message: string | null | undefined; testId?: string }) {
  if (!message) return null;
  return (
    <div className="field-error" role="alert" data-testid={testId}>
      {message}
    </div>
  );
}
