import { type FormEvent, useEffect, useState } from "react";
import { apiSend, useApi } from "../api";
import { Digest, Failure, Loading, Time } from "../components/bits";
import { type Column, DataTable } from "../components/table";
import { useSession } from "../session";
import { Problem, useAction } from "./action";
import type { RetentionKeep, RetentionPolicy, RetentionRule, RetentionRun } from "./types";

const KEEPS: readonly { value: RetentionKeep; label: string; amount?: "count" | "days" }[] = [
  { value: "latestPushed", label: "the N most recently pushed", amount: "count" },
  { value: "latestPulled", label: "the N most recently pulled", amount: "count" },
  { value: "pushedWithin", label: "those pushed within N days", amount: "days" },
  { value: "pulledWithin", label: "those pulled within N days", amount: "days" },
  { value: "always", label: "all of them" },
];

interface Draft {
  repositories: string;
  tags: string;
  untagged: boolean;
  keep: RetentionKeep;
  amount: string;
}

function draftOf(rule: RetentionRule): Draft {
  return {
    repositories: rule.repositories ?? "*",
    tags: rule.tags ?? "*",
    untagged: rule.untagged ?? false,
    keep: rule.keep,
    amount: String(rule.count ?? rule.days ?? 10),
  };
}

/** A draft as the API's rule; the server validates the numbers again and names a bad field. */
export function ruleOf(draft: Draft): RetentionRule {
  const amount = KEEPS.find((k) => k.value === draft.keep)?.amount;
  return {
    repositories: draft.repositories.trim() || "*",
    tags: draft.tags.trim() || "*",
    untagged: draft.untagged,
    keep: draft.keep,
    ...(amount ? { [amount]: Number(draft.amount) } : {}),
  };
}

const API = (project: string) => `/api/v1/projects/${encodeURIComponent(project)}/retention`;

/**
 * Retention rules: edit them, see what a run would delete now (dry run), run them. Editing and running
 * need retention.write; everyone who reads the project sees the rules.
 */
export function RetentionTab({ project }: { project: string }) {
  const session = useSession();
  const mayWrite = session.can("retention.write", project);
  const stored = useApi<RetentionPolicy>(API(project));
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [run, setRun] = useState<RetentionRun | undefined>();
  const [saved, setSaved] = useState("");
  const act = useAction();
  useEffect(() => {
    if (stored.data) setDrafts(stored.data.rules.map(draftOf));
  }, [stored.data]);

  const change = (index: number, patch: Partial<Draft>) =>
    setDrafts(drafts.map((d, i) => (i === index ? { ...d, ...patch } : d)));
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved("");
    if (
      await act.run(() => apiSend("PUT", API(project), { rules: drafts.map(ruleOf) }).then(() => undefined))
    )
      setSaved("Rules saved.");
  };
  const execute = (dryRun: boolean) =>
    act.run(async () => {
      setRun(await apiSend<RetentionRun>("POST", `${API(project)}/run?dryRun=${dryRun}`));
    });

  if (stored.error) return <Failure error={stored.error} what="the retention rules" />;
  if (!stored.data) return <Loading what="retention rules" />;
  return (
    <>
      <form className="admin-form" onSubmit={save} aria-labelledby="retention-title">
        <h2 id="retention-title">Retention rules</h2>
        <p>
          In a repository some rule picks, an artifact is kept if any rule keeps it and deleted otherwise;
          repositories no rule picks are never touched. No rules: retention is off.
        </p>
        <fieldset disabled={!mayWrite || act.busy}>
          <legend className="visually-hidden">Rules</legend>
          <ol className="rules-editor">
            {drafts.map((draft, index) => {
              const amount = KEEPS.find((k) => k.value === draft.keep)?.amount;
              const n = index + 1;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rules have no identity but their place
                <li key={index}>
                  <label>
                    Rule {n}: repositories
                    <input
                      required
                      value={draft.repositories}
                      onChange={(e) => change(index, { repositories: e.target.value })}
                    />
                  </label>
                  <label>
                    tags
                    <input
                      required
                      value={draft.tags}
                      onChange={(e) => change(index, { tags: e.target.value })}
                    />
                  </label>
                  <label>
                    keep
                    <select
                      value={draft.keep}
                      onChange={(e) => change(index, { keep: e.target.value as RetentionKeep })}
                    >
                      {KEEPS.map((k) => (
                        <option key={k.value} value={k.value}>
                          {k.label}
                        </option>
                      ))}
                    </select>
                  </label>
                  {amount && (
                    <label>
                      N ({amount})
                      <input
                        type="number"
                        min={1}
                        required
                        value={draft.amount}
                        onChange={(e) => change(index, { amount: e.target.value })}
                      />
                    </label>
                  )}
                  <label className="inline">
                    <input
                      type="checkbox"
                      checked={draft.untagged}
                      onChange={(e) => change(index, { untagged: e.target.checked })}
                    />
                    untagged too
                  </label>
                  {mayWrite && (
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Remove rule ${n}`}
                      onClick={() => setDrafts(drafts.filter((_, i) => i !== index))}
                    >
                      Remove
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
          {drafts.length === 0 && <p className="muted">No rules: retention is off.</p>}
          <Problem id="retention-problem" action={act} />
          <p role="status">{saved}</p>
          {mayWrite && (
            <div className="toolbar">
              <button
                type="button"
                onClick={() =>
                  setDrafts([
                    ...drafts,
                    { repositories: "*", tags: "*", untagged: false, keep: "latestPushed", amount: "10" },
                  ])
                }
              >
                Add rule
              </button>
              <button type="submit">Save rules</button>
              <button type="button" onClick={() => execute(true)}>
                Dry run
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  if (window.confirm(`Delete now what the rules of ${project} do not keep?`)) execute(false);
                }}
              >
                Run now
              </button>
            </div>
          )}
        </fieldset>
      </form>
      {run && <RunResult run={run} />}
    </>
  );
}

type Planned = RetentionRun["artifacts"][number];

const PLAN_COLUMNS: readonly Column<Planned>[] = [
  { key: "repository", header: "Repository", render: (a) => a.repository },
  { key: "digest", header: "Digest", render: (a) => <Digest value={a.digest} /> },
  { key: "tags", header: "Tags", render: (a) => a.tags.join(", ") || "–" },
  { key: "pushed", header: "Pushed", render: (a) => <Time value={a.pushedAt} /> },
  { key: "action", header: "Action", render: (a) => a.action },
  { key: "reasons", header: "Why", render: (a) => a.reasons.join("; ") },
];

function RunResult({ run }: { run: RetentionRun }) {
  const deleting = run.artifacts.filter((a) => a.action === "delete");
  return (
    <section aria-labelledby="run-title">
      <h2 id="run-title">{run.dryRun ? "Dry run: what a run would delete now" : "Run done"}</h2>
      <p role="status">
        {run.dryRun
          ? `${deleting.length} of ${run.artifacts.length} artifacts would be deleted.`
          : `${run.deleted.length} deleted, ${run.failed.length} refused.`}
      </p>
      <DataTable
        caption={run.dryRun ? "Retention plan" : "Retention run"}
        columns={PLAN_COLUMNS}
        rows={run.artifacts}
        rowKey={(a) => `${a.repository}@${a.digest}`}
        empty="No artifact in a repository a rule picks."
      />
      {run.failed.length > 0 && (
        <ul>
          {run.failed.map((f) => (
            <li key={`${f.repository}@${f.digest}`}>
              {f.repository}@{f.digest}: {f.reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
