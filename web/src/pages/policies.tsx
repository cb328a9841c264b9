import { type FormEvent, useState } from "react";
import { apiSend, useApi } from "../api";
import { Effect, Failure, Loading, PageTitle } from "../components/bits";
import { updateQuery, useLocation } from "../router";
import type { Policy, PolicyEvaluation } from "../types";

/** The loaded policies, read-only, and a form that asks one of them about an image (nothing recorded). */
export default function PoliciesPage() {
  const location = useLocation();
  const { data, error, loading } = useApi<{ items: readonly Policy[] }>("/api/v1/policies");
  const chosen = location.query.get("policy") ?? data?.items[0]?.name ?? "";
  const policy = data?.items.find((p) => p.name === chosen);
  const [image, setImage] = useState(location.query.get("image") ?? "");
  const [result, setResult] = useState<PolicyEvaluation | Error | undefined>();
  const [busy, setBusy] = useState(false);

  const tryIt = async (event: FormEvent) => {
    event.preventDefault();
    if (!policy) return;
    setBusy(true);
    updateQuery({ image }, { replace: true });
    try {
      setResult(
        await apiSend<PolicyEvaluation>(
          "POST",
          `/api/v1/policies/${encodeURIComponent(policy.name)}/evaluate`,
          { image },
        ),
      );
    } catch (err) {
      setResult(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageTitle>Policies</PageTitle>
      {error && <Failure error={error} what="the policies" />}
      {loading && !data && <Loading what="policies" />}
      {data && data.items.length === 0 && <p>No policies are loaded: every gate allows.</p>}
      {data && data.items.length > 0 && (
        <div className="split">
          <nav aria-label="Policies" className="side-list">
            <ul>
              {data.items.map((p) => (
                <li key={p.name}>
                  <button
                    type="button"
                    className="link"
                    aria-current={p.name === chosen ? "true" : undefined}
                    onClick={() => {
                      setResult(undefined);
                      updateQuery({ policy: p.name });
                    }}
                  >
                    {p.name} <span className="muted">({p.kind})</span>
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          {policy && (
            <section aria-labelledby="policy-name" className="policy">
              <h2 id="policy-name">{policy.name}</h2>
              <p className="muted">
                {policy.source} · <code>{policy.digest}</code>
              </p>
              <h3>Requirements</h3>
              <ul>
                {policy.requirements.map((r) => (
                  <li key={r.id}>
                    <code>{r.id}</code>
                    {r.description ? `: ${r.description}` : ""}
                  </li>
                ))}
              </ul>
              <form onSubmit={tryIt} className="try-it">
                <h3>Try it</h3>
                <label>
                  Image reference{" "}
                  <input
                    required
                    value={image}
                    placeholder="127.0.0.1:5000/team/app:v1"
                    onChange={(event) => setImage(event.target.value)}
                  />
                </label>
                <button type="submit" disabled={busy}>
                  Evaluate
                </button>
              </form>
              <div role="status">
                {result instanceof Error && <Failure error={result} what="an answer" />}
                {result && !(result instanceof Error) && (
                  <div className="evaluation">
                    <p>
                      <Effect effect={result.decision.effect} /> {result.decision.reason}
                    </p>
                    <ul className="rules">
                      {result.decision.rules.map((rule, index) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders
                        <li key={index}>
                          <Effect effect={rule.outcome ?? rule.effect ?? "?"} /> <code>{rule.id}</code>:{" "}
                          {rule.message}
                        </li>
                      ))}
                    </ul>
                  </div>
                )}
              </div>
              <details>
                <summary>Policy text</summary>
                <pre className="policy-text">{policy.text}</pre>
              </details>
            </section>
          )}
        </div>
      )}
    </>
  );
}
