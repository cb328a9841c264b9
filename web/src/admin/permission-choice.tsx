/**
 * Checkboxes choosing permissions out of `choices`, in their order (the table's): for custom roles,
 * project robots and system robots' grants. `legend` names the group for screen readers.
 */
export function PermissionChoice({
  legend,
  choices,
  chosen,
  onChange,
}: {
  legend: string;
  choices: readonly string[];
  chosen: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
}) {
  const toggle = (permission: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(permission);
    else next.delete(permission);
    onChange(next);
  };
  return (
    <fieldset className="chips">
      <legend>{legend}</legend>
      {choices.map((permission) => (
        <label key={permission}>
          <input
            type="checkbox"
            checked={chosen.has(permission)}
            onChange={(e) => toggle(permission, e.target.checked)}
          />
          {permission}
        </label>
      ))}
    </fieldset>
  );
}

/** `chosen` in the order of `choices`, as the API lists permissions. */
export function inOrder(choices: readonly string[], chosen: ReadonlySet<string>): string[] {
  return choices.filter((p) => chosen.has(p));
}
