/**
 * The admin forms' text fields: every create form names its subject the same way (required, at most
 * 255 characters, as the API limits names) and describes it the same way (at most 1,024).
 */
export function NameField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Name
      <input required maxLength={255} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

export function DescriptionField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Description
      <input maxLength={1024} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}
