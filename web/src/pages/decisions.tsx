import { useEffect } from "react";
import { isPaged, type Loaded, useApi } from "../api";
import { Failure, Loading, PageTitle } from "../components/bits";
import { DecisionTable } from "../components/decision-table";
import { Pager } from "../components/pager";
import { hrefWith, pageParam, updateQuery, useLocation } from "../router";
import type { ChainStatus, Decision, Paged } from "../types";

const FILTERS = ["gate", "effect", "image", "actor", "namespace", "since", "until"] as const;
const GATES = ["", "push", "pull", "admission", "verify", "access"];
const EFFECTS = ["", "allow", "warn", "deny"];

/** The gate log: filters in the URL, the hash chain's verification at the top. */
export default function DecisionsPage() {
  const location = useLocation();
  const values = Object.fromEntries(FILTERS.map((f) => [f, location.query.get(f) ?? ""])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const page = pageParam(location.query);
  const { data, error, loading } = useApi<Paged<Decision>>(
    hrefWith("/api/v1/audit/decisions", { ...values, page, perPage: 50 }),
    isPaged,
  );
  const chain = useApi<ChainStatus>("/api/v1/audit/verify");
  const text = (name: (typeof FILTERS)[number], label: string, type = "search") => (
    <label>
      {label}{" "}
      <input
        type={type}
        value={values[name]}
        onChange={(event) => updateQuery({ [name]: event.target.value }, { replace: type === "search" })}
      />
    </label>
  );
  return (
    <>
      <PageTitle sub={data ? `${data.total.toLocaleString("en")} decisions` : undefined}>Decisions</PageTitle>
      <div className="chain-status" role="status">
        <ChainBadge chain={chain} />
      </div>
      <form className="toolbar filters" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        <label>
          Gate{" "}
          <select value={values.gate} onChange={(event) => updateQuery({ gate: event.target.value })}>
            {GATES.map((g) => (
              <option key={g} value={g}>
                {g || "any"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Effect{" "}
          <select value={values.effect} onChange={(event) => updateQuery({ effect: event.target.value })}>
            {EFFECTS.map((e) => (
              <option key={e} value={e}>
                {e || "any"}
              </option>
            ))}
          </select>
        </label>
        {text("image", "Image")}
        {text("actor", "User")}
        {text("namespace", "Namespace")}
        {text("since", "Since", "datetime-local")}
        {text("until", "Until", "datetime-local")}
      </form>
      {error && <Failure error={error} what="the decisions" />}
      {loading && !data && <Loading what="decisions" />}
      {data && (
        <>
          <DecisionTable caption="Gate decisions, newest first" decisions={data.items} />
          <Pager total={data.total} page={data.page} perPage={data.perPage} />
        </>
      )}
    </>
  );
}

/** While a long log's walk runs, ask again every few seconds (the server answers its progress). */
const POLL_MS = 3_000;

function ChainBadge({ chain }: { chain: Loaded<ChainStatus> }) {
  const running = chain.data?.state === "running";
  const { reload } = chain;
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [running, reload]);
  if (chain.data) {
    const { ok, checked, total, brokenAt } = chain.data;
    if (running || ok === null) {
      return (
        <span className="muted">
          Verifying the chain… {checked.toLocaleString("en")}
          {total === undefined ? "" : ` of ${total.toLocaleString("en")}`} entries
        </span>
      );
    }
    return ok ? (
      <span className="badge ok">✓ chain verified ({checked.toLocaleString("en")} entries)</span>
    ) : (
      <span className="badge bad" title={chain.data.problem ?? undefined}>
        ✗ chain broken at entry {String(brokenAt)}
      </span>
    );
  }
  if (chain.error)
    return <span className="muted">Chain verification unavailable: {chain.error.message}</span>;
  return <span className="muted">Verifying the chain…</span>;
}
