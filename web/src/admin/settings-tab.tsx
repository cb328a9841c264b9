import { type FormEvent, useState } from "react";
import { apiSend } from "../api";
import { KeyValues } from "../components/bits";
import { formatBytes } from "../format";
import { useSession } from "../session";
import { Problem, useAction } from "./action";
import type { Project } from "./types";

const UNITS = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
type Unit = keyof typeof UNITS;

/** A quota field's text in `unit` ("" for none) → bytes, undefined for none; throws on nonsense. */
export function quotaBytes(text: string, unit: Unit): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const amount = Number(trimmed);
  if (!Number.isFinite(amount) || amount < 0) throw new Error(`The quota is a number of ${unit}, 0 or more.`);
  return Math.round(amount * UNITS[unit]);
}

/** A stored quota as the form shows it: in the largest unit it is a whole number of, else KiB. */
export function quotaText(bytes: number | undefined): { amount: string; unit: Unit } {
  if (bytes === undefined) return { amount: "", unit: "GiB" };
  for (const unit of ["GiB", "MiB"] as const) {
    if (bytes > 0 && bytes % UNITS[unit] === 0) return { amount: String(bytes / UNITS[unit]), unit };
  }
  return { amount: String(Math.round((bytes / UNITS.KiB) * 1000) / 1000), unit: "KiB" };
}

/** The immutable-tag rules' text, one rule a line, without blank lines. */
export function ruleLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/**
 * Visibility, storage quota and immutable-tag rules. PATCH sets the settings keys it is given (null
 * removes one) and keeps the others, and checks each field against its own permission: visibility and
 * quota need project.write, the immutable-tag rules immutability.write (maintainers hold it). So the
 * form sends only the fields the caller may write, and shows the others read-only.
 */
export function SettingsTab({ project, onSaved }: { project: Project; onSaved: () => void }) {
  const session = useSession();
  const mayWrite = session.can("project.write", project.name);
  const mayImmutable = session.can("immutability.write", project.name);
  const [isPublic, setPublic] = useState(project.public);
  const shown = quotaText(project.settings.quotaBytes);
  const [quota, setQuota] = useState(shown.amount);
  const [unit, setUnit] = useState<Unit>(shown.unit);
  const [rules, setRules] = useState((project.settings.immutableTags ?? []).join("\n"));
  const [saved, setSaved] = useState("");
  const save = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved("");
    const done = await save.run(async () => {
      const settings: Record<string, unknown> = {};
      if (mayWrite) settings.quotaBytes = quotaBytes(quota, unit) ?? null;
      if (mayImmutable) {
        const lines = ruleLines(rules);
        settings.immutableTags = lines.length === 0 ? null : lines;
      }
      await apiSend("PATCH", `/api/v1/projects/${encodeURIComponent(project.name)}`, {
        ...(mayWrite ? { public: isPublic } : {}),
        settings,
      });
    });
    if (done) {
      setSaved("Saved.");
      onSaved();
    }
  };
  return (
    <>
      <KeyValues
        rows={[
          ["Stored", formatBytes(project.usage.bytes)],
          ["Quota", project.usage.quotaBytes === null ? "none" : formatBytes(project.usage.quotaBytes)],
          ["Certified images only", project.settings.certifiedPolicy ?? "off"],
          // A proxy project's upstream and allowlist are set through the API or the CLI (README, Pull-through cache).
          ...(project.settings.proxy
            ? [
                ["Proxy of", project.settings.proxy.upstream] satisfies [string, string],
                ["Allowed upstream images", project.settings.proxy.allow.join(", ") || "none"] satisfies [
                  string,
                  string,
                ],
              ]
            : []),
        ]}
      />
      <form className="admin-form" onSubmit={submit} aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <fieldset disabled={save.busy || !(mayWrite || mayImmutable)}>
          <legend className="visually-hidden">Project settings</legend>
          <label className="inline">
            <input
              type="checkbox"
              disabled={!mayWrite}
              checked={isPublic}
              onChange={(e) => setPublic(e.target.checked)}
            />
            Public (anyone, also signed out, may pull)
          </label>
          <div className="quota">
            <label>
              Storage quota (empty: none)
              <input
                inputMode="decimal"
                disabled={!mayWrite}
                value={quota}
                onChange={(e) => setQuota(e.target.value)}
              />
            </label>
            <label>
              Unit
              <select disabled={!mayWrite} value={unit} onChange={(e) => setUnit(e.target.value as Unit)}>
                {Object.keys(UNITS).map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <label>
            Immutable tags, one rule a line (TAG_GLOB or REPOSITORY_GLOB:TAG_GLOB)
            <textarea
              rows={4}
              disabled={!mayImmutable}
              value={rules}
              onChange={(e) => setRules(e.target.value)}
            />
          </label>
          <Problem id="settings-problem" action={save} />
          <p role="status">{saved}</p>
          {(mayWrite || mayImmutable) && <button type="submit">Save settings</button>}
        </fieldset>
      </form>
    </>
  );
}
