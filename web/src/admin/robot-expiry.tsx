/** How long a new robot's secret lives, as both robot forms offer it (90 days unless chosen). */
const EXPIRIES = [
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
  { value: "365d", label: "1 year" },
  { value: "never", label: "never" },
];

export const DEFAULT_EXPIRY = "90d";

export function ExpirySelect({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label>
      Expires after
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {EXPIRIES.map((e) => (
          <option key={e.value} value={e.value}>
            {e.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The create request's expiry fields: `never` is an explicit null, anything else a duration. */
export function expiryFields(expiry: string): { expiresAt: null } | { expiresIn: string } {
  return expiry === "never" ? { expiresAt: null } : { expiresIn: expiry };
}
